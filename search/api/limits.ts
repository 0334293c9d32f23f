import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { MemoryStore, RedisStore, rateLimiter, type Store } from 'hono-rate-limiter';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/log.js';
import type { ApiKey } from '../../src/auth/keys.js';

export interface RateLimitOptions {
  /** Requests a client may make per window; 0 switches limiting off. */
  perMinute: number;
  /** Shared counters across API processes when set; in-process counters otherwise. */
  redisUrl?: string;
  log: Logger;
}

/**
 * Counts in Redis while it answers and in memory when it does not: losing Redis must not turn every
 * request into an error (caching behaves the same way).
 */
class FallbackStore implements Store {
  private warned = false;
  constructor(
    private readonly primary: Store,
    private readonly fallback: Store,
    private readonly log: Logger,
  ) {}
  init(options: Parameters<NonNullable<Store['init']>>[0]) {
    this.primary.init?.(options);
    this.fallback.init?.(options);
  }
  private async either<T>(fn: (s: Store) => T | Promise<T>): Promise<T> {
    try {
      const out = await fn(this.primary);
      this.warned = false;
      return out;
    } catch (err) {
      if (!this.warned) this.log.warn({ err }, 'rate limit store unavailable; counting in memory');
      this.warned = true;
      return fn(this.fallback);
    }
  }
  increment = (key: string) => this.either((s) => s.increment(key));
  decrement = (key: string) => this.either((s) => s.decrement(key));
  resetKey = (key: string) => this.either((s) => s.resetKey(key));
}

function redisClient(url: string) {
  // Fail fast instead of queueing commands while Redis is away, so the fallback takes over at once.
  const r = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  // The first requests wait (at most a second) for the connection instead of being counted in memory.
  const ready = Promise.race([r.connect().catch(() => {}), new Promise<void>((res) => setTimeout(res, 1000).unref())]);
  return {
    client: r,
    ready,
    adapter: {
      scriptLoad: (script: string) => r.script('LOAD', script) as Promise<string>,
      evalsha: <TArgs extends unknown[], TData = unknown>(sha: string, keys: string[], args: TArgs) =>
        r.evalsha(sha, keys.length, ...keys, ...(args as (string | number)[])) as Promise<TData>,
      decr: (key: string) => r.decr(key),
      del: (key: string) => r.del(key),
    },
  };
}

/** Who a request counts against: its API key when it has one, its address otherwise. */
export function clientKey(c: Context): string {
  const key = c.get('apiKey' as never) as ApiKey | null | undefined;
  if (key) return `key:${key.id}`;
  try {
    return `ip:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    return 'ip:unknown';
  }
}

export function createRateLimit(o: RateLimitOptions): { middleware: MiddlewareHandler; close(): Promise<void> } {
  if (o.perMinute <= 0) return { middleware: async (_c, next) => next(), close: async () => {} };
  const redis = o.redisUrl ? redisClient(o.redisUrl) : null;
  const store = redis
    ? new FallbackStore(new RedisStore({ client: redis.adapter, prefix: 'sa:rl:' }), new MemoryStore(), o.log)
    : new MemoryStore();
  const middleware = rateLimiter({
    windowMs: 60_000,
    limit: o.perMinute,
    standardHeaders: 'draft-6',
    keyGenerator: clientKey,
    store,
    handler: (c) =>
      c.json({ error: { code: 'rate_limited', message: `more than ${o.perMinute} requests a minute; retry after the time in the Retry-After header` } }, 429),
  });
  const limit = middleware as unknown as MiddlewareHandler;
  return {
    middleware: redis ? async (c, next) => (await redis.ready, limit(c, next)) : limit,
    close: async () => {
      redis?.client.disconnect();
    },
  };
}
