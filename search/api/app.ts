import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../../src/errors.js';
import { createJobRuntime, type JobRuntime } from '../../ingest/pipeline/runtime.js';
import type { Logger } from '../../src/log.js';
import type { Services } from '../../src/services.js';
import { registerAsk } from './routes/ask.js';
import { registerChapters } from './routes/chapters.js';
import { registerIngest } from './routes/ingest.js';
import { registerJobs } from './routes/jobs.js';
import { registerMedia } from './routes/media.js';
import { registerRecordings } from './routes/recordings.js';
import { registerSearch } from './routes/search.js';
import { registerWeb } from '../web/index.js';

export type AppEnv = { Variables: { requestId: string; log: Logger } };

/**
 * What the routes share beyond the stores: the job table, the queue (in-process, or BullMQ with workers
 * elsewhere) and the ingest pipeline that feeds it. See ingest/pipeline/runtime.ts.
 */
export type Runtime = JobRuntime;

/**
 * The app. Without a runtime one is made from config and started (in-process by default: the tests and the
 * embedded setup); `serve` passes its own, started before the port opens and closed on shutdown.
 */
export function createApp(s: Services, given?: Runtime): { app: OpenAPIHono<AppEnv>; runtime: Runtime } {
  const runtime: Runtime = given ?? createJobRuntime(s);
  if (!given) runtime.start().catch((err: unknown) => s.log.error({ err }, 'job runtime failed to start'));
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures get the same JSON error shape as everything else.
    defaultHook: (result, c) => {
      if (!result.success) {
        const message = result.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
        return c.json({ error: { code: 'bad_request', message } }, 400);
      }
    },
  });

  app.use(requestId());
  app.use(async (c, next) => {
    const log = s.log.child({ reqId: c.get('requestId') });
    c.set('log', log);
    const t0 = performance.now();
    await next();
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - t0) }, 'request');
  });
  const limitBody = bodyLimit({
    maxSize: s.cfg.MAX_UPLOAD_MB * 1024 * 1024,
    onError: (c) => c.json({ error: { code: 'payload_too_large', message: `request body over ${s.cfg.MAX_UPLOAD_MB} MB` } }, 413),
  });
  // POST /v1/recordings streams its body to storage and enforces the limit itself (bodyLimit buffers a chunked body).
  app.use('/v1/*', (c, next) => (c.req.method === 'POST' && c.req.path === '/v1/recordings' ? next() : limitBody(c, next)));

  app.get('/healthz', async (c) => {
    const counts = await s.archive.counts();
    return c.json({ status: 'ok', db: s.db.kind, lexical: s.lexical.engine, embedder: s.embedder?.model ?? null, ...counts });
  });
  app.get('/v1/stats', async (c) => {
    const counts = await s.archive.counts();
    return c.json({ ...counts, cache: s.cache.stats(), lexical: s.lexical.engine, embedder: s.embedder?.model ?? null });
  });

  registerSearch(app, s);
  registerRecordings(app, s);
  registerChapters(app, s);
  registerMedia(app, s, runtime);
  registerIngest(app, s, runtime);
  registerJobs(app, s, runtime);
  registerAsk(app, s);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Speech archive API', version: '0.1.0', description: 'Find timestamped moments in recorded speech.' },
  });

  registerWeb(app, s, runtime);
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      return c.json({ error: { code: err.code, message: err.message } }, err.status as ContentfulStatusCode);
    }
    // Malformed multipart or JSON bodies surface as errors from the body parser.
    if (/multipart|boundary|form data|JSON/i.test(err.message) && !(err instanceof TypeError && /fetch/.test(err.message))) {
      return c.json({ error: { code: 'bad_request', message: `cannot read the request body: ${err.message}` } }, 400);
    }
    (c.get('log') ?? s.log).error({ err }, 'unhandled error');
    return c.json({ error: { code: 'internal', message: 'internal error; see the server log for the request id' } }, 500);
  });
  return { app, runtime };
}
