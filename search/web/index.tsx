/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Services } from '../../src/services.js';
import type { AppEnv, Runtime } from '../api/app.js';
import { Api } from './api.js';
import { getAsset } from './assets.js';
import { ErrorPage, sendPage } from './layout.js';
import { askPage, renderAnswer } from './pages/ask.js';
import { ingestPage, ingestPost, jobPage, renderResult, retryJobPost } from './pages/ingest.js';
import { recordingPage } from './pages/recording.js';
import { searchPage } from './pages/search.js';

/**
 * The web interface: server-rendered pages over the JSON API (called in-process), a stylesheet and a few
 * small scripts that enhance the pages when JavaScript runs. Nothing is loaded from elsewhere.
 */
export function registerWeb(app: OpenAPIHono<AppEnv>, s: Services, _rt: Runtime): void {
  const api = (c: Context<AppEnv>) => new Api(app, c.get('requestId'), c.req.header('authorization'));
  const page = (handler: (c: Context<AppEnv>) => Promise<Response>) => async (c: Context<AppEnv>) => {
    try {
      return await handler(c);
    } catch (err) {
      (c.get('log') ?? s.log).error({ err }, 'page failed');
      return sendPage(c, <ErrorPage status={500} title="Something went wrong" message="The page could not be built; the server log has the details." />, 500);
    }
  };
  const limit = bodyLimit({
    maxSize: s.cfg.MAX_UPLOAD_MB * 1024 * 1024,
    onError: (c) => sendPage(c, <ErrorPage status={413} title="Upload too large" message={`Uploads are limited to ${s.cfg.MAX_UPLOAD_MB} MB.`} />, 413),
  });

  app.get('/static/:name', (c) => {
    const asset = getAsset(c.req.param('name'));
    if (!asset) return c.text('not found', 404);
    const etag = `"${asset.hash}"`;
    c.header('ETag', etag);
    c.header('Cache-Control', c.req.query('v') === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (c.req.header('If-None-Match') === etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(asset.body);
  });
  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.get('/', page((c) => searchPage(c, api(c), s)));
  app.get('/r/:id', page((c) => recordingPage(c, api(c))));
  app.get('/ask', page((c) => askPage(c, api(c))));
  app.post('/ask', limit, page((c) => askPage(c, api(c))));
  app.post('/ask/render', limit, (c) => renderAnswer(c));
  app.get('/ingest', page((c) => ingestPage(c)));
  app.post('/ingest', limit, page((c) => ingestPost(c, api(c))));
  app.post('/ingest/render', limit, (c) => renderResult(c, api(c)));
  app.get('/ingest/jobs/:id', page((c) => jobPage(c, api(c))));
  app.post('/ingest/jobs/:id/retry', page((c) => retryJobPost(c, api(c))));
}
