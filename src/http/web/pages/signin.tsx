/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { KeyStore } from '../../../archive/index.js';
import { KEY_COOKIE } from '../../api/auth.js';
import { Field, Layout, sendPage } from '../layout.js';

/** A page of this site to go back to after signing in: a local path, never another site (`//host`, `/\host`). */
export function localPath(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])/.test(v) && !/[\r\n]/.test(v) ? v : '/';
}

/**
 * The sign-in page: an API key typed once, kept by the browser in an HttpOnly, SameSite=Strict cookie for the
 * session, which the pages send to the API in-process (scripts on the page cannot read it).
 */
export function signInPage(c: Context, o: { next?: string; message?: string; error?: string; status?: number } = {}): Promise<Response> {
  return sendPage(
    c,
    <Layout title="Sign in" page="signin">
      <section class="signin">
        <h1>Sign in</h1>
        <p>{o.message ?? 'This archive is open to the holders of an API key.'}</p>
        {o.error ? (
          <p class="notice error" role="alert">
            {o.error}
          </p>
        ) : null}
        <form class="card" action="/signin" method="post">
          <input type="hidden" name="next" value={localPath(o.next)} />
          <Field name="key" label="API key" type="password" id="signin-key" hint="A key from the archive's keeper (npm run cli -- keys create --role reader). It is kept for this browser session only." />
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>,
    (o.status ?? 200) as ContentfulStatusCode,
  );
}

export async function signInPost(c: Context, keys: KeyStore): Promise<Response> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const presented = typeof body.key === 'string' ? body.key.trim() : '';
  const next = localPath(body.next);
  const key = presented ? await keys.verify(presented) : null;
  if (!key) return signInPage(c, { next, error: presented ? 'That key is not valid (unknown, mistyped or revoked).' : 'Enter an API key.', status: 401 });
  setCookie(c, KEY_COOKIE, presented, { path: '/', httpOnly: true, sameSite: 'Strict', secure: new URL(c.req.url).protocol === 'https:' });
  return c.redirect(next, 303);
}

export function signOutPost(c: Context): Response {
  deleteCookie(c, KEY_COOKIE, { path: '/' });
  return c.redirect('/', 303);
}
