import type { MiddlewareHandler } from 'hono';
import { allows, type ApiKey, type KeyStore, type Role } from '../../src/auth/keys.js';
import { AppError } from '../../src/errors.js';

export interface AuthPolicy {
  /** Anyone may read (search, ask, browse) without a key. */
  publicRead: boolean;
  /** Anyone may ingest without a key: for a private single-user machine or tests, never the default. */
  publicWrite: boolean;
}

/** The role a request needs, from its method and path: one table instead of a check in every route. */
export function requiredRole(method: string, path: string): Role {
  if (path.startsWith('/v1/keys') || path.startsWith('/v1/audit')) return 'admin';
  if (method === 'DELETE') return 'admin';
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

/**
 * Checks the API key against the role the route needs. A missing or unknown key is 401, a key whose role
 * is too low is 403. The key's record is put on the context for audit entries and rate limits.
 */
export function authenticate(keys: KeyStore, policy: AuthPolicy): MiddlewareHandler<{ Variables: { apiKey: ApiKey | null } }> {
  return async (c, next) => {
    const need = requiredRole(c.req.method, c.req.path);
    const presented = presentedKey((n) => c.req.header(n));
    const key = presented ? await keys.verify(presented) : null;
    if (presented && !key) throw new AppError('unauthorized', 'the API key is not valid (unknown, malformed or revoked)');
    c.set('apiKey', key);
    if (key) {
      if (!allows(key.role, need)) throw new AppError('forbidden', `this needs the ${need} role; the key "${key.name}" is ${key.role}`);
    } else if (!(need === 'reader' && policy.publicRead) && !(need === 'archivist' && policy.publicWrite)) {
      throw new AppError('unauthorized', `this needs an API key with the ${need} role (Authorization: Bearer <key>); create one with \`npm run cli -- keys create --role ${need}\``);
    }
    await next();
  };
}
