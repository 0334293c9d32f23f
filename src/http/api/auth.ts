import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { allows, type ApiKey, type KeyStore, type Role } from '../../archive/index.js';
import { AppError } from '../../core/index.js';

export interface AuthPolicy {
  /** Anyone may read (search, ask, browse) without a key. */
  publicRead: boolean;
  /** Anyone may ingest without a key: for a private single-user machine or tests, never the default. */
  publicWrite: boolean;
}

/** The cookie the web pages' sign-in keeps the key in (HttpOnly, SameSite=Strict). */
export const KEY_COOKIE = 'sa_key';

/** The role a request needs, from its method and path: one table instead of a check in every route. */
export function requiredRole(method: string, path: string): Role {
  if (path.startsWith('/v1/keys') || path.startsWith('/v1/audit') || path.startsWith('/v1/admin/')) return 'admin';
  if (method === 'DELETE') return 'admin';
  // Jobs show who ingested what and why it failed: the archivists' business, not the readers'.
  if (path === '/v1/jobs' || path.startsWith('/v1/jobs/')) return 'archivist';
  // A recording's corrections name the keys that made them.
  if (/^\/v1\/recordings\/[^/]+\/history(\/|$)/.test(path)) return 'archivist';
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'reader';
  // Asking and searching are reads even when the question comes as a body.
  if (path === '/v1/search' || path === '/v1/ask') return 'reader';
  return 'archivist';
}

export function presentedKey(header: (name: string) => string | undefined): string | null {
  const auth = header('authorization');
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  return header('x-api-key')?.trim() || null;
}

export interface Identity {
  /** The verified key, or null (none presented, or not valid). */
  key: ApiKey | null;
  /** The key as presented, valid or not. */
  presented: string | null;
  /** Where it was presented. */
  from: 'header' | 'cookie' | null;
}

/**
 * Who a request is: the key in its Authorization (or X-API-Key) header, or else the one the web sign-in keeps in a
 * cookie. Verified once per request (the rate limit and the role check both ask).
 */
export async function identify(c: Context, keys: KeyStore): Promise<Identity> {
  const known = c.get('identity' as never) as Identity | undefined;
  if (known) return known;
  const header = presentedKey((n) => c.req.header(n));
  const cookie = header ? null : getCookie(c, KEY_COOKIE)?.trim() || null;
  const presented = header ?? cookie;
  const id: Identity = { key: presented ? await keys.verify(presented) : null, presented, from: header ? 'header' : cookie ? 'cookie' : null };
  c.set('identity' as never, id as never);
  return id;
}

/**
 * Checks the API key against the role the route needs. A missing or unknown key is 401, a key whose role
 * is too low is 403. The key's record is put on the context for audit entries and rate limits. A sign-in cookie
 * whose key is no longer valid counts as no key (the public may still read), a bad key in a header as a 401.
 */
export function authenticate(keys: KeyStore, policy: AuthPolicy): MiddlewareHandler<{ Variables: { apiKey: ApiKey | null } }> {
  return async (c, next) => {
    const need = requiredRole(c.req.method, c.req.path);
    const { key, from } = await identify(c as unknown as Context, keys);
    if (from === 'header' && !key) throw new AppError('unauthorized', 'the API key is not valid (unknown, malformed or revoked)');
    c.set('apiKey', key);
    if (key) {
      if (!allows(key.role, need)) throw new AppError('forbidden', `this needs the ${need} role; the key "${key.name}" is ${key.role}`);
    } else if (!(need === 'reader' && policy.publicRead) && !(need === 'archivist' && policy.publicWrite)) {
      throw new AppError('unauthorized', `this needs an API key with the ${need} role (Authorization: Bearer <key>); create one with \`npm run cli -- keys create --role ${need}\``);
    }
    await next();
  };
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return !!host && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Refuses state-changing requests that another site's page made a browser send (cross-site request forgery):
 * Sec-Fetch-Site must be same-origin or, from older browsers, Origin must match the Host the request was sent to.
 * This holds whatever the Content-Type (hono/csrf checks form and text bodies only): that a JSON write needs a CORS
 * preflight is the browser's rule, which a proxy adding CORS headers in front of the server would undo. Two kinds of
 * request are not at risk and pass: those with a key in a header (another site's page cannot add one without a CORS
 * preflight, which this server does not answer), and those with neither header, which no browser sends with a
 * POST (curl, the command line, scripts).
 */
export function sameOrigin(refuse: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    if (/^(GET|HEAD|OPTIONS)$/.test(c.req.method)) return next();
    if (presentedKey((n) => c.req.header(n))) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (origin === undefined && site === undefined) return next();
    if (site === 'same-origin' || (origin !== undefined && sameHost(origin, c.req.header('host')))) return next();
    return refuse(c);
  };
}
