import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { cached } from '../../../platform/index.js';
import { AppError, datesInOrder, noNul, rangeEnd, rangeStart } from '../../../core/index.js';
import type { Services } from '../../../archive/index.js';
import { createLlm, ask, type AskRequest } from '../../../answer/index.js';
import type { AppEnv } from '../app.js';
import { askCost } from '../limits.js';
import { dateBoundDoc, ErrorBody, optionalText, QuestionLanguage, Routing } from '../schemas.js';


const AskBody = z
  .object({
    question: z.string().trim().min(1, 'question is required').max(1000, 'question is longer than 1000 characters').refine(...noNul).openapi({ example: 'What price did the team set for the remote control?' }),
    limit: z.number().int().min(1).max(20).default(8).openapi({ description: 'How many excerpts the answer is written from' }),
    recording: optionalText(128),
    collection: optionalText(200),
    speaker: optionalText(200),
    from: rangeStart.optional().openapi(dateBoundDoc('from', '1990-01-01')),
    to: rangeEnd.optional().openapi(dateBoundDoc('to', '1999-12-31')),
    temporal: z.enum(['auto', 'off']).default('auto').openapi({ description: 'auto: read a date range and a speaker from the question' }),
    lang: z.enum(['en', 'es', 'de']).optional().openapi({ description: "The question's language; unset: read from the question" }),
    kind: z.enum(['speech', 'screen']).optional().openapi({ description: 'Answer only from what was said (speech) or only from text read off video keyframes (screen); unset: both' }),
    // A search's mode, sent here too, would be ignored as any unknown field is: refused, so that nobody reads an
    // answer as drawn from the one leg they asked for.
    mode: z
      .unknown()
      .refine((v) => v === undefined, 'POST /v1/ask takes no mode: its excerpts are always retrieved by hybrid search (BM25 and vectors); leave mode out')
      .optional()
      .openapi({ description: 'Not taken (a 400): excerpts are always retrieved by hybrid search' }),
  })
  .superRefine(datesInOrder)
  .openapi('AskRequest');

export const CitationSchema = z
  .object({
    n: z.number().int().openapi({ description: 'The number used as [n] in the answer text' }),
    recording_id: z.string(),
    recording_title: z.string(),
    recorded_at: z.string().nullable(),
    language: z.string().nullable().openapi({ description: "The recording's language as ingest was given it (null: the archive's default language)" }),
    start: z.number(),
    end: z.number(),
    at: z.number().openapi({ description: 'Where the citation opens (seconds): the best-matching sentence of the passage\'s best moment' }),
    speaker: z.string().nullable(),
    text: z.string().openapi({ description: 'The cited transcript passage, verbatim' }),
    url: z.string().openapi({ description: 'Deep link /r/<id>?t=<at, to the millisecond>' }),
    moment_ids: z.array(z.string()),
    quote: z.string().optional().openapi({ description: 'In an extractive answer: the sentence of `text` this citation quotes (absent from a model\'s answer, which quotes nothing verbatim)' }),
  })
  .openapi('Citation');

const AskResponse = z
  .object({
    answer: z.string().openapi({ description: 'Verified answer: every [n] names a citation; unsupported sentences and invented citations are removed' }),
    kind: z.enum(['generative', 'extractive', 'no_answer']).openapi({
      description: 'generative: written by the configured model; extractive: quoted transcript (no model configured); no_answer: nothing relevant in the archive, no model was asked',
    }),
    citations: z.array(CitationSchema),
    nearest: z.array(CitationSchema).openapi({
      description: 'With kind no_answer: the passages retrieved nearest to the question (at most 3, best first), none close enough to answer from; empty otherwise',
    }),
    unsupported: z
      .array(
        z.object({
          sentence: z.string(),
          reason: z.enum(['not_supported', 'uncited', 'invented_citation']),
          citations: z.array(z.number()),
          lexical: z.number().optional(),
          semantic: z.number().nullable().optional(),
          missing_numbers: z.array(z.string()).optional(),
        }),
      )
      .openapi({ description: 'Sentences of the model output that were dropped, and why' }),
    removed_citations: z.array(z.number()).openapi({ description: 'Citation numbers the model invented (no such excerpt), removed from the answer' }),
    routing: Routing,
    language: QuestionLanguage,
    truncated: z.boolean().openapi({ description: 'The model output stopped early; the answer is what arrived, verified' }),
    model: z.string().nullable(),
    warnings: z.array(z.string()),
    degraded: z.boolean().openapi({ description: 'True when a retrieval leg failed and the excerpts come from the other alone (never cached)' }),
    degraded_legs: z.array(z.enum(['bm25', 'vector'])).openapi({ description: 'The retrieval legs that failed; empty unless degraded' }),
    cached: z.boolean(),
    took_ms: z.number(),
  })
  .openapi('AskResponse');

const route = createRoute({
  method: 'post',
  path: '/v1/ask',
  summary: 'Answer a question from the archive, citing verified moments',
  description:
    'Retrieves moments (hybrid search), answers from them with the configured model (or by quoting them when none is ' +
    'configured) and verifies every citation before responding. With `Accept: text/event-stream` the response is SSE: ' +
    '`token` events carry the raw model output ({"text"}) as it arrives, UNVERIFIED (it may contain citations that are ' +
    'later removed); then one `done` event carries the AskResponse JSON, which is authoritative; or one `error` event ' +
    '({"error":{"code","message"}}).',
  request: { body: { content: { 'application/json': { schema: AskBody } }, required: true } },
  responses: {
    200: {
      content: {
        'application/json': { schema: AskResponse },
        'text/event-stream': { schema: z.string().openapi({ description: 'event: token | done | error' }) },
      },
      description: 'The verified answer',
    },
    400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Bad request body' },
    413: { content: { 'application/json': { schema: ErrorBody } }, description: 'Body over MAX_JSON_KB' },
    415: { content: { 'application/json': { schema: ErrorBody } }, description: 'The body is not sent as application/json' },
    502: { content: { 'application/json': { schema: ErrorBody } }, description: 'The model endpoint failed before answering' },
    503: { content: { 'application/json': { schema: ErrorBody } }, description: 'The local model cannot load, or no index can answer (engine_unavailable)' },
  },
});

export function registerAsk(app: OpenAPIHono<AppEnv>, s: Services): void {
  const llm = createLlm(s.cfg);

  // The body validator would otherwise see no JSON at all: say what to send instead.
  app.use('/v1/ask', async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (c.req.method === 'POST' && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
      throw new AppError('unsupported_format', `send the question as JSON with Content-Type: application/json (got ${type ? `"${type}"` : 'no Content-Type'})`);
    }
    await next();
  });

  app.openapi(route, async (c) => {
    const t0 = performance.now();
    const body = c.req.valid('json');
    const req: AskRequest = {
      question: body.question,
      limit: body.limit,
      filters: { recording: body.recording, collection: body.collection, speaker: body.speaker, from: body.from, to: body.to, kind: body.kind },
      temporal: body.temporal,
      language: body.lang,
    };
    const took = () => Math.round((performance.now() - t0) * 100) / 100;

    if ((c.req.header('accept') ?? '').includes('text/event-stream')) {
      c.set('cost', askCost(s.cfg, false));
      const ctrl = new AbortController();
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => ctrl.abort());
        try {
          const result = await ask(s, llm, req, {
            stream: true,
            signal: ctrl.signal,
            onToken: (text) => stream.writeSSE({ event: 'token', data: JSON.stringify({ text }) }),
          });
          await stream.writeSSE({ event: 'done', data: JSON.stringify({ ...result, cached: false, took_ms: took() }) });
        } catch (err) {
          if (ctrl.signal.aborted) return;
          const e = err instanceof AppError ? err : new AppError('internal', 'internal error; see the server log');
          if (!(err instanceof AppError)) c.get('log').error({ err }, 'ask stream failed');
          else if (err.status >= 500) c.get('log').warn({ code: err.code, details: err.details }, err.message);
          await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: { code: e.code, message: e.message } }) });
        }
      });
    }

    // Charged as uncached unless it turns out cached: a failed answer did its retrieval all the same.
    c.set('cost', askCost(s.cfg, false));
    // An incomplete or degraded answer must not be served again.
    const { value, cached: hit } = await cached(s.cache, 'answer', [req, llm?.name ?? 'extractive'], s.cfg.CACHE_TTL_S,
      () => ask(s, llm, req, { signal: c.req.raw.signal }), { keep: (r) => !r.truncated && !r.degraded });
    c.set('cost', askCost(s.cfg, hit));
    return c.json({ ...value, cached: hit, took_ms: took() }, 200);
  });
}
