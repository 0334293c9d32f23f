/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { allows, type KeyStore, type Services } from '../../archive/index.js';
import type { AppEnv, Runtime } from '../api/app.js';
import { identify } from '../api/auth.js';
import { IN_PROCESS } from '../api/limits.js';
import { malformedQueryParam } from '../api/query-string.js';
import { Api } from './api.js';
import { getAsset } from './assets.js';
import { ErrorPage, sendPage } from './layout.js';
import { askPage, renderAnswer } from './pages/ask.js';
import { editLinePost, editPage, editRecordingPost, revertPost } from './pages/corrections.js';
import { ingestPage, ingestPost, jobPage, renderResult, retryJobPost } from './pages/ingest.js';
import { recordingPage } from './pages/recording.js';
import { searchPage } from './pages/search.js';
import { speakerPage, speakersPage, speakersPost } from './pages/speakers.js';
import { signInPage, signInPost, signOutPost } from './pages/signin.js';

/** The page answering a request the server refuses before any page runs: over the rate limit, or cross-site. */
export function webRefusal(c: Context<AppEnv>, status: 403 | 429, retryAfterS?: number): Promise<Response> {
  if (status === 429) {
    const wait = retryAfterS ? ` Try again in ${retryAfterS} second${retryAfterS === 1 ? '' : 's'}.` : '';
    return sendPage(c, <ErrorPage status={429} title="Too many requests" message={`This address or key has used its share of the server for this minute.${wait}`} />, 429);
  }
  return sendPage(
    c,
    <ErrorPage status={403} title="Refused" message="This form was sent from another site's page, so it was refused. Open the page on this site and send it again." />,
    403,
  );
}

/**
 * What a browser is shown at an address no route answers ("/search" typed for "/?q="): a page with the way back
 * to search. Null for a client that does not ask for HTML, which keeps the JSON error (as API paths do: app.ts).
 */
export function webNotFound(c: Context<AppEnv>): Promise<Response> | null {
  if (!c.req.header('accept')?.includes('text/html')) return null;
  return sendPage(c, <ErrorPage status={404} title="Page not found" message={`There is no page at ${c.req.path}.`} />, 404);
}

/**
 * The web interface: server-rendered pages over the JSON API (called in-process), a stylesheet and a few
 * small scripts that enhance the pages when JavaScript runs. Nothing is loaded from elsewhere.
 */
export function registerWeb(app: OpenAPIHono<AppEnv>, s: Services, _rt: Runtime, keys: KeyStore): void {
  // The page's key goes to the API with each call it makes: the signed-in key (cookie) or the request's own
  // Authorization header (kept even when it is not valid, so that the API's 401 explains it).
  const api = (c: Context<AppEnv>) => {
    const id = c.get('identity');
    const authorization = id?.key && id.presented ? `Bearer ${id.presented}` : c.req.header('authorization');
    return new Api(app, c.get('requestId'), authorization, { [IN_PROCESS]: c.get('client') }, s.cache);
  };
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

  app.get('/signin', (c) => signInPage(c, { next: c.req.query('next') }));
  app.post('/signin', limit, (c) => signInPost(c, keys));
  app.post('/signout', (c) => signOutPost(c));

  // With AUTH_PUBLIC_READ=off every page asks for a key first: no page reads the archive for the public.
  const signedInOrPublic = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    if (s.cfg.AUTH_PUBLIC_READ || (await identify(c, keys)).key) return next();
    const url = new URL(c.req.url);
    return signInPage(c, { next: c.req.method === 'GET' ? url.pathname + url.search : url.pathname, status: 401 });
  };
  const pages = ['/', '/r/*', '/ask', '/ask/*', '/ingest', '/ingest/*', '/speakers', '/speakers/*'];
  for (const p of pages) app.use(p, signedInOrPublic);
  // As the API does: a page would otherwise search for "%ED%A0%80" as typed, or fill a form with it.
  const wellEncoded = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const bad = malformedQueryParam(c.req.url);
    if (!bad) return next();
    const message = `${bad.name}: malformed percent-encoding (not UTF-8): "${bad.raw}"`;
    return sendPage(c, <ErrorPage status={400} title="This address cannot be read" message={message} />, 400);
  };
  for (const p of [...pages, '/signin']) app.use(p, wellEncoded);

  app.get('/', page((c) => searchPage(c, api(c), s.cfg.DEFAULT_LANGUAGE)));
  // Forms that write are shown to keys that may write (archivist), or to everyone with AUTH_PUBLIC_WRITE=on.
  const canWrite = async (c: Context<AppEnv>) => {
    const { key } = await identify(c, keys);
    return key ? allows(key.role, 'archivist') : s.cfg.AUTH_PUBLIC_WRITE;
  };
  app.get('/r/:id', page(async (c) => recordingPage(c, api(c), { canWrite: await canWrite(c), defaultLanguage: s.cfg.DEFAULT_LANGUAGE })));
  app.get('/r/:id/edit', page((c) => editPage(c, api(c))));
  app.post('/r/:id/edit', limit, page((c) => editRecordingPost(c, api(c))));
  app.post('/r/:id/lines/:seq', limit, page((c) => editLinePost(c, api(c))));
  app.post('/r/:id/history/:rev/revert', page((c) => revertPost(c, api(c))));
  app.post('/r/:id/speakers', limit, page((c) => speakersPost(c, api(c))));
  app.get('/speakers', page((c) => speakersPage(c, api(c))));
  app.get('/speakers/:name', page((c) => speakerPage(c, api(c))));
  app.get('/ask', page((c) => askPage(c, api(c), s.cfg.DEFAULT_LANGUAGE)));
  app.post('/ask', limit, page((c) => askPage(c, api(c), s.cfg.DEFAULT_LANGUAGE)));
  app.post('/ask/render', limit, (c) => renderAnswer(c, s.cfg.DEFAULT_LANGUAGE));
  app.get('/ingest', page((c) => ingestPage(c)));
  app.post('/ingest', limit, page((c) => ingestPost(c, api(c))));
  app.post('/ingest/render', limit, (c) => renderResult(c, api(c)));
  app.get('/ingest/jobs/:id', page((c) => jobPage(c, api(c))));
  app.post('/ingest/jobs/:id/retry', page((c) => retryJobPost(c, api(c))));
}
