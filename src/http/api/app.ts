import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiKey, KeyStore, Services } from '../../archive/index.js';
import { AppError, asQueryWork, embeddingLanguages, problemsOf, type Logger } from '../../core/index.js';
import { Metrics } from '../../platform/index.js';
import { asrEngineName, createJobRuntime, type JobRuntime } from '../../ingest/index.js';
import { authenticate, identify, sameOrigin, type Identity } from './auth.js';
import { addressOf, Limiter, rateLimit, StreamSlots, streamCap } from './limits.js';
import { registerAdmin } from './routes/admin.js';
import { registerAsk } from './routes/ask.js';
import { registerChapters } from './routes/chapters.js';
import { registerCorrections } from './routes/corrections.js';
import { registerFrames } from './routes/frames.js';
import { registerIngest } from './routes/ingest.js';
import { registerJobs } from './routes/jobs.js';
import { registerMedia } from './routes/media.js';
import { registerRecordings } from './routes/recordings.js';
import { registerSearch } from './routes/search.js';
import { registerSpeakers } from './routes/speakers.js';
import { registerWeb, webNotFound, webRefusal } from '../web/index.js';
import { malformedQueryParam } from './query-string.js';

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    apiKey: ApiKey | null;
    /** The key presented with the request (header or sign-in cookie), verified: see auth.ts. */
    identity: Identity;
    /** Who the request counts against for rate limits and stream caps: `key:<id>` or `ip:<address>`. */
    client: string;
    /** Cost units of the work done, when more than one (see limits.ts). */
    cost: number;
  };
};

/** Paths of the JSON API; the rest are web pages, answered with pages. */
export const isApiPath = (p: string) => p === '/v1' || p.startsWith('/v1/') || p === '/metrics' || p === '/openapi.json';

/**
 * What the routes share beyond the stores: the job table, the queue (in-process, or BullMQ with workers
 * elsewhere) and the ingest pipeline that feeds it. See src/ingest/pipeline/runtime.ts.
 */
export type Runtime = JobRuntime;

/**
 * The app. Without a runtime one is made from config and started (in-process by default: the tests and the
 * embedded setup); `serve` passes its own, started before the port opens and closed on shutdown.
 */
export function createApp(s: Services, given?: Runtime): { app: OpenAPIHono<AppEnv>; runtime: Runtime; keys: KeyStore; close(): Promise<void> } {
  const runtime: Runtime = given ?? createJobRuntime(s);
  const keys = s.keys;
  const metrics = new Metrics({
    cache: () => s.cache.stats(),
    queueDepth: () => runtime.jobs.countsByStatus(),
  });
  const limiter = new Limiter({ perMinute: s.cfg.RATE_LIMIT_PER_MIN, redisUrl: s.cfg.REDIS_URL, log: s.log });
  const streams = new StreamSlots(s.cfg.SSE_MAX_PER_CLIENT);
  if (!given) runtime.start().catch((err: unknown) => s.log.error({ err }, 'job runtime failed to start'));
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures get the same JSON error shape as everything else.
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json({ error: { code: 'bad_request', message: problemsOf(result.error) } }, 400);
      }
    },
  });

  app.use(requestId());
  app.use(async (c, next) => {
    const log = s.log.child({ reqId: c.get('requestId') });
    c.set('log', log);
    const t0 = performance.now();
    await next();
    const ms = performance.now() - t0;
    // The matched route pattern, not the path: one series per route, not per recording id.
    const route = c.res.status === 404 && routePath(c) === '/*' ? 'unmatched' : routePath(c);
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, ms / 1000);
    // The key the request came with (the API's check, or a page's sign-in), never the key itself.
    const key = c.get('apiKey') ?? c.get('identity')?.key;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms), key: key?.id }, 'request');
  });
  // Searches, answers and pages are query-time work from arrival to answer: the embedded database holds
  // ingest statements back meanwhile (src/platform/db/lanes.ts). Event streams and media stay open for minutes and are
  // not; neither are uploads and other writes.
  app.use((c, next) => (isQueryWork(c.req.method, c.req.path) ? asQueryWork(next) : next()));
  const limits = rateLimit({
    limiter,
    client: async (c) => {
      const { key } = await identify(c, keys);
      return key ? `key:${key.id}` : addressOf(c);
    },
    tooMany: (c, retryAfter) => {
      const message = `over the request budget of ${s.cfg.RATE_LIMIT_PER_MIN} units a minute (RATE_LIMIT_PER_MIN); retry after the time in the Retry-After header`;
      return isApiPath(c.req.path) ? c.json({ error: { code: 'rate_limited', message } }, 429) : webRefusal(c as never, 429, retryAfter);
    },
  });
  // How often, before who: a request with a bad key is counted (against its address) before it is refused.
  // Static assets and the health check are free.
  app.use(async (c, next) => {
    const p = c.req.path;
    if (p.startsWith('/static/') || p === '/favicon.ico' || p === '/healthz') return next();
    return limits(c, next);
  });
  // State-changing requests that another site made a browser send are refused (CSRF).
  app.use(
    sameOrigin((c) =>
      isApiPath(c.req.path)
        ? c.json({ error: { code: 'forbidden', message: `${c.req.method} ${c.req.path} was sent from another site's page; it is refused (cross-site request)` } }, 403)
        : webRefusal(c as never, 403),
    ),
  );
  const limitBody = bodyLimit({
    maxSize: s.cfg.MAX_UPLOAD_MB * 1024 * 1024,
    onError: (c) => c.json({ error: { code: 'payload_too_large', message: `request body over ${s.cfg.MAX_UPLOAD_MB} MB` } }, 413),
  });
  const limitJson = bodyLimit({
    maxSize: s.cfg.MAX_JSON_KB * 1024,
    onError: (c) => c.json({ error: { code: 'payload_too_large', message: `JSON body over ${s.cfg.MAX_JSON_KB} KB (MAX_JSON_KB)` } }, 413),
  });
  // POST /v1/recordings streams its body to storage and enforces the limit itself (bodyLimit buffers a chunked body).
  app.use('/v1/*', (c, next) => {
    if (c.req.method === 'POST' && c.req.path === '/v1/recordings') return next();
    return /json/i.test(c.req.header('content-type') ?? '') ? limitJson(c, next) : limitBody(c, next);
  });
  // Who may do what (API keys and roles: src/archive/keys.ts, auth.ts).
  const auth = authenticate(keys, { publicRead: s.cfg.AUTH_PUBLIC_READ, publicWrite: s.cfg.AUTH_PUBLIC_WRITE });
  app.use('/v1/*', auth);
  app.use('/v1/*', async (c, next) => {
    const bad = malformedQueryParam(c.req.url);
    if (bad) throw new AppError('bad_request', `${bad.name}: malformed percent-encoding (not UTF-8): "${bad.raw}"`);
    await next();
  });
  app.use('/metrics', auth);
  // Open event streams per client (SSE_MAX_PER_CLIENT): job events and streamed answers.
  app.use(
    '/v1/*',
    streamCap(streams, (c) =>
      c.req.method === 'GET'
        ? /^\/v1\/jobs\/[^/]+\/events$/.test(c.req.path)
        : c.req.method === 'POST' && c.req.path === '/v1/ask' && (c.req.header('accept') ?? '').includes('text/event-stream'),
    ),
  );
  app.get('/metrics', async (c) => {
    await metrics.observeFinishedStages(s.stages, asrEngineName()).catch((err: unknown) => c.get('log').warn({ err }, 'stage metrics unavailable'));
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { 'content-type': contentType });
  });

  app.get('/healthz', async (c) => {
    const counts = await s.archive.counts();
    // The archive's size is archive data: shown to the public only when reading is public.
    const shown = s.cfg.AUTH_PUBLIC_READ || (await identify(c, keys)).key ? counts : {};
    return c.json({ status: 'ok', db: s.archive.dbKind, lexical: s.lexical.engine, embedder: s.embedder?.model ?? null, ...shown });
  });
  app.get('/v1/stats', async (c) => {
    const counts = await s.archive.counts();
    // Whether the vector leg reads only English: questions in other languages are then answered by BM25 alone.
    const vectorLanguages = s.embedder ? embeddingLanguages(s.cfg) : null;
    return c.json({
      ...counts,
      cache: s.cache.stats(),
      lexical: s.lexical.engine,
      lexical_languages: ['en', 'es', 'de'],
      embedder: s.embedder?.model ?? null,
      vector_languages: vectorLanguages,
      vector_english_only: vectorLanguages === 'en',
    });
  });

  registerSearch(app, s);
  registerRecordings(app, s);
  registerSpeakers(app, s);
  registerChapters(app, s);
  registerCorrections(app, s);
  registerFrames(app, s);
  registerMedia(app, s, runtime);
  registerIngest(app, s, runtime);
  registerJobs(app, s, runtime);
  registerAsk(app, s);
  registerAdmin(app, s);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    security: [{ apiKey: [] }],
    info: { title: 'Speech archive API', version: '0.1.0', description: 'Find timestamped moments in recorded speech.' },
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from `npm run cli -- keys create --role reader|archivist|admin`, sent as `Authorization: Bearer <key>` (or `X-API-Key`).',
  });
  registerWeb(app, s, runtime, keys);
  app.notFound((c) => (isApiPath(c.req.path) ? null : webNotFound(c)) ?? c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      // A dependency's failure is told to the client in general terms; what failed is for the log.
      if (err.status >= 500) (c.get('log') ?? s.log).warn({ code: err.code, details: err.details }, err.message);
      return c.json({ error: { code: err.code, message: err.message } }, err.status as ContentfulStatusCode);
    }
    // Malformed multipart or JSON bodies surface as errors from the body parser.
    if (/multipart|boundary|form data|JSON/i.test(err.message) && !(err instanceof TypeError && /fetch/.test(err.message))) {
      return c.json({ error: { code: 'bad_request', message: `cannot read the request body: ${err.message}` } }, 400);
    }
    // Other client errors raised by middleware (e.g. a body of the wrong media type) keep their 4xx status.
    if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
      const code = err.status === 415 ? 'unsupported_format' : err.status === 413 ? 'payload_too_large' : 'bad_request';
      const type = c.req.header('content-type');
      const message = err.status === 415 ? `${c.req.method} ${c.req.path} does not take ${type ? `Content-Type "${type}"` : 'a body without a Content-Type'}` : err.message;
      return c.json({ error: { code, message } }, err.status as ContentfulStatusCode);
    }
    (c.get('log') ?? s.log).error({ err }, 'unhandled error');
    return c.json({ error: { code: 'internal', message: 'internal error; see the server log for the request id' } }, 500);
  });
  return { app, runtime, keys, close: async () => limiter.close() };
}

/** Requests that a person waits on to read: searches, answers, pages (see the middleware above). */
function isQueryWork(method: string, path: string): boolean {
  if (method === 'POST') return path === '/v1/ask' || path === '/ask' || path === '/ask/render';
  if (method !== 'GET' && method !== 'HEAD') return false;
  return !(path.endsWith('/events') || path.endsWith('/media') || path.startsWith('/static/'));
}
