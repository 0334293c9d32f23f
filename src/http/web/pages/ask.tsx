/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CitationSchema } from '../../api/routes/ask.js';
import { QuestionLanguage, Routing } from '../../api/schemas.js';
import type { Api } from '../api.js';
import { type Answer, AnswerView } from '../answer.js';
import { Field, Layout, sendPage } from '../layout.js';
import { qs, rangeDay } from '../format.js';

const FILTERS = ['from', 'to', 'collection', 'speaker', 'recording'] as const;
type Form = { question?: string } & Partial<Record<(typeof FILTERS)[number], string>>;

/** The Ask page for `question`, filled in with the filters of `f` that the page has (a link to the answer: its script asks). */
export const askHref = (question: string, f: Partial<Record<string, string>>): string =>
  `/ask${qs({ question, ...Object.fromEntries(FILTERS.map((k) => [k, f[k]])) })}`;

/** The JSON body for POST /v1/ask: the question and the filters that are set. */
export function askBody(f: Form): Record<string, string> {
  const body: Record<string, string> = { question: f.question ?? '' };
  for (const k of FILTERS) if (f[k]) body[k] = f[k]!;
  return body;
}

function readForm(src: Record<string, unknown>): Form {
  const f: Form = {};
  for (const k of ['question', ...FILTERS] as const) {
    const v = src[k];
    if (typeof v === 'string' && v.trim()) f[k] = v.trim();
  }
  return f;
}

/**
 * GET /ask shows the form; POST /ask (the form without JS) asks in-process and renders the answer.
 * `defaultLanguage`: the language of recordings that name none, for the sources' `lang`.
 */
export async function askPage(c: Context, api: Api, defaultLanguage: string): Promise<Response> {
  let error: { status: number; message: string } | null = null;
  const sent = c.req.method === 'POST' ? await c.req.parseBody().catch((err: Error) => ((error = { status: 400, message: `cannot read the form: ${err.message}` }), {})) : c.req.query();
  // GET /ask?question=… (or the search's own q=…) fills the form in; asking is the form's to do.
  const f = readForm(c.req.method === 'POST' ? sent : { question: (sent as Record<string, string>).q, ...sent });
  let answer: Answer | null = null;
  if (c.req.method === 'POST' && f.question && !error) {
    const r = await api.call<Answer>('/v1/ask', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(askBody(f)) });
    if (r.ok) answer = r.data;
    else error = { status: r.status, message: r.status === 404 ? 'Answering is not available on this server.' : r.message };
  }
  return sendPage(
    c,
    <Layout title={f.question ? `Ask: ${f.question}` : 'Ask the archive'} page="ask" script="ask.js">
      <h1>Ask the archive</h1>
      <p class="muted">The answer is written from the passages the search finds, and every sentence is checked against the passages it cites.</p>
      <form class="ask" id="ask-form" action="/ask" method="post">
        <div class="field">
          <label for="question">Question</label>
          <textarea id="question" name="question" rows={3} required maxlength={1000} placeholder="What did the team decide about the remote control's price?">
            {f.question ?? ''}
          </textarea>
        </div>
        <details class="filters" open={FILTERS.some((k) => f[k]) || undefined}>
          <summary>Filters</summary>
          <div class="grid">
            <Field name="from" label="From date" type="date" value={rangeDay(f.from, 'from')} id="a-from" />
            <Field name="to" label="To date" type="date" value={rangeDay(f.to, 'to')} id="a-to" />
            <Field name="collection" label="Collection" value={f.collection} id="a-collection" />
            <Field name="speaker" label="Speaker" value={f.speaker} id="a-speaker" />
            <Field name="recording" label="Recording" value={f.recording} id="a-recording" placeholder="recording id" />
          </div>
        </details>
        <div class="actions">
          <button type="submit" id="ask-submit">
            Ask
          </button>
          <button type="button" id="ask-stop" class="secondary" hidden>
            Stop
          </button>
        </div>
      </form>
      <section id="answer" class="answer" aria-live="polite" aria-label="Answer">
        {error ? (
          <p class="notice error" role="alert">
            {error.message}
          </p>
        ) : null}
        {answer ? <AnswerView a={answer} question={f.question} defaultLanguage={defaultLanguage} /> : null}
      </section>
    </Layout>,
    (error?.status ?? 200) as ContentfulStatusCode,
  );
}

/** What /ask/render takes: the `done` event's answer (checked like any input: it comes from the browser). */
const RenderBody = z.object({
  answer: z
    .object({
      answer: z.string(),
      kind: z.enum(['generative', 'extractive', 'no_answer']),
      // Answers cached before citations had `at` open at the passage's start, and named no language.
      citations: z.array(CitationSchema.partial({ at: true, language: true })),
      nearest: z.array(CitationSchema.partial({ language: true })).default([]),
      unsupported: z.array(z.object({ sentence: z.string(), reason: z.string(), citations: z.array(z.number()).optional() })).default([]),
      routing: Routing.default(null),
      // Answers cached before they said how the question was read.
      language: QuestionLanguage.optional(),
      warnings: z.array(z.string()).optional(),
      truncated: z.boolean().optional(),
      took_ms: z.number().optional(),
    })
    .passthrough(),
  question: z.string().max(1000).optional(),
});

/** POST /ask/render: the final answer from the stream's `done` event as an HTML fragment, rendered like the page. */
export async function renderAnswer(c: Context, defaultLanguage: string): Promise<Response> {
  const raw: unknown = await c.req.json().catch(() => undefined);
  if (raw === undefined) return c.json({ error: { code: 'bad_request', message: 'expected a JSON body {answer, question}' } }, 400);
  const body = RenderBody.safeParse(raw);
  if (!body.success) {
    const message = body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return c.json({ error: { code: 'bad_request', message } }, 400);
  }
  return c.html(String(await (<AnswerView a={body.data.answer as Answer} question={body.data.question} defaultLanguage={defaultLanguage} />)));
}
