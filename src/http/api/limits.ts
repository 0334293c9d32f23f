import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Redis } from 'ioredis';
import { type Config, AppError, type Logger } from '../../core/index.js';

/**
 * Fairness: every client has a budget of cost units a minute (RATE_LIMIT_PER_MIN). A request costs one unit when
 * it comes in; a route that did costly work (a search or an answer not served from the cache) says so with
 * `c.set('cost', n)` and the rest is charged when it is done, so the client's next requests are refused sooner.
 * A client is its API key when it presents a valid one, its address otherwise: requests with an unknown or
 * revoked key count against the address, so guessing keys is limited like any other anonymous traffic.
 */

export const WINDOW_MS = 60_000;

/** Where an in-process request (a web page calling the API) carries the client of the page that made it. */
export const IN_PROCESS = Symbol('in-process client');
export type InProcessEnv = { [IN_PROCESS]?: string };

/** Units of a search: 1 from the cache; otherwise RATE_COST_SEARCH per started 100 characters of the query. */
export function searchCost(cfg: Pick<Config, 'RATE_COST_SEARCH'>, q: string, cached: boolean): number {
  return cached ? 1 : cfg.RATE_COST_SEARCH * Math.max(1, Math.ceil(q.length / 100));
}

/** An export ranks and reads up to 1,000 passages, ten pages of the largest size: it costs as ten uncached searches. */
export const EXPORT_COST_FACTOR = 10;

/** Units of an export of a search's passages (never cached). */
export function exportCost(cfg: Pick<Config, 'RATE_COST_SEARCH'>, q: string): number {
  return EXPORT_COST_FACTOR * searchCost(cfg, q, false);
}

/** Units of an answer: 1 from the cache; otherwise RATE_COST_ASK. */
export function askCost(cfg: Pick<Config, 'RATE_COST_ASK'>, cached: boolean): number {
  return cached ? 1 : cfg.RATE_COST_ASK;
}

export interface Budget {
  /** Units spent in the current window. */
  used: number;
  /** When the window ends (epoch ms). */
  resetAt: number;
}

interface Counter {
  add(key: string, units: number): Promise<Budget>;
}

/** Fixed windows in this process; ended windows are swept once a window. */
class MemoryCounter implements Counter {
  private readonly windows = new Map<string, Budget>();
  private sweptAt = Date.now();
  constructor(private readonly windowMs: number) {}
  async add(key: string, units: number): Promise<Budget> {
    const now = Date.now();
    if (now - this.sweptAt > this.windowMs) {
      this.sweptAt = now;
      for (const [k, b] of this.windows) if (b.resetAt <= now) this.windows.delete(k);
    }
    let b = this.windows.get(key);
    if (!b || b.resetAt <= now) this.windows.set(key, (b = { used: 0, resetAt: now + this.windowMs }));
    b.used += units;
    return { ...b };
  }
}

// One round trip: add the units, start the window's expiry on its first charge, answer the total and time left.
const ADD = `local used = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
return {used, ttl}`;

/** Fixed windows in Redis, shared by every API process. */
class RedisCounter implements Counter {
  constructor(
    private readonly r: Redis,
    private readonly windowMs: number,
  ) {
    r.defineCommand('saBudgetAdd', { numberOfKeys: 1, lua: ADD });
  }
  async add(key: string, units: number): Promise<Budget> {
    const add = (this.r as unknown as { saBudgetAdd(k: string, u: number, w: number): Promise<[number, number]> }).saBudgetAdd;
    const [used, ttl] = await add.call(this.r, `sa:budget:${key}`, units, this.windowMs);
    return { used: Number(used), resetAt: Date.now() + Number(ttl) };
  }
}

/**
 * Counts in Redis while it answers and in memory when it does not: losing Redis must not turn every
 * request into an error (caching behaves the same way).
 */
class FallbackCounter implements Counter {
  private warned = false;
  constructor(
    private readonly primary: Counter,
    private readonly fallback: Counter,
    private readonly log: Logger,
  ) {}
  async add(key: string, units: number): Promise<Budget> {
    try {
      const out = await this.primary.add(key, units);
      this.warned = false;
      return out;
    } catch (err) {
      if (!this.warned) this.log.warn({ err }, 'rate limit store unavailable; counting in memory');
      this.warned = true;
      return this.fallback.add(key, units);
    }
  }
}

export interface LimiterOptions {
  /** Cost units a client may spend per window; 0 switches limiting off. */
  perMinute: number;
  /** Shared counters across API processes when set; in-process counters otherwise. */
  redisUrl?: string;
  log: Logger;
}

export class Limiter {
  private readonly counter: Counter | null;
  private readonly redis: Redis | null = null;
  private readonly ready: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: LimiterOptions) {
    if (o.perMinute <= 0) {
      this.counter = null;
      return;
    }
    if (o.redisUrl) {
      // Fail fast instead of queueing commands while Redis is away, so the fallback takes over at once.
      const r = new Redis(o.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      r.on('error', () => {});
      this.redis = r;
      // The first requests wait (at most a second) for the connection instead of being counted in memory.
      this.ready = Promise.race([r.connect().catch(() => {}), new Promise<void>((res) => setTimeout(res, 1000).unref())]);
      this.counter = new FallbackCounter(new RedisCounter(r, WINDOW_MS), new MemoryCounter(WINDOW_MS), o.log);
    } else {
      this.counter = new MemoryCounter(WINDOW_MS);
    }
  }

  get limit(): number {
    return this.o.perMinute;
  }

  /** Charges `units` to a client; null when limiting is off. */
  async charge(client: string, units: number): Promise<Budget | null> {
    if (!this.counter || units <= 0) return null;
    await this.ready;
    return this.counter.add(client, units);
  }

  close(): void {
    this.redis?.disconnect();
  }
}

/** The address a request came from (loopback test requests without a socket count as one "unknown" address). */
export function addressOf(c: Context): string {
  try {
    return `ip:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    return 'ip:unknown';
  }
}

export interface RateLimitHooks {
  limiter: Limiter;
  /** The client a request counts against (its key's id, or its address); resolved once per request. */
  client(c: Context): Promise<string>;
  /** The 429 response: JSON for the API, a page for the web interface. */
  tooMany(c: Context, retryAfterS: number): Response | Promise<Response>;
}

/**
 * The limit as middleware. It runs before authentication, so a request with a bad key is counted (against its
 * address) before it is refused. An in-process request from a web page was admitted as that page and is
 * charged only what its work costs beyond one unit, to the page's client.
 */
export function rateLimit(h: RateLimitHooks): MiddlewareHandler {
  return async (c, next) => {
    const parent = (c.env as InProcessEnv | undefined)?.[IN_PROCESS];
    const client = parent ?? (await h.client(c));
    c.set('client' as never, client as never);
    if (!parent) {
      const b = await h.limiter.charge(client, 1);
      if (b) {
        const retryAfter = Math.max(1, Math.ceil((b.resetAt - Date.now()) / 1000));
        if (b.used > h.limiter.limit) {
          c.header('Retry-After', String(retryAfter));
          c.header('RateLimit-Limit', String(h.limiter.limit));
          c.header('RateLimit-Remaining', '0');
          c.header('RateLimit-Reset', String(retryAfter));
          return h.tooMany(c, retryAfter);
        }
        c.header('RateLimit-Limit', String(h.limiter.limit));
        c.header('RateLimit-Remaining', String(h.limiter.limit - b.used));
        c.header('RateLimit-Reset', String(retryAfter));
      }
    }
    await next();
    const cost = Number(c.get('cost' as never) ?? 1);
    if (cost > 1) await h.limiter.charge(client, cost - 1);
  };
}

/** Open event streams per client, in this process (a stream lives on one connection to one process). */
export class StreamSlots {
  private readonly open = new Map<string, number>();
  constructor(readonly max: number) {}
  acquire(client: string): boolean {
    const n = this.open.get(client) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(client, n + 1);
    return true;
  }
  release(client: string): void {
    const n = (this.open.get(client) ?? 1) - 1;
    if (n > 0) this.open.set(client, n);
    else this.open.delete(client);
  }
}

/**
 * Caps the event streams (`wants` says which requests open one) a client holds open: over SSE_MAX_PER_CLIENT is
 * 429. The place is given back when the stream ends or the client goes away, or at once for an answer that is
 * not a stream (an error).
 */
export function streamCap(slots: StreamSlots, wants: (c: Context) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (slots.max <= 0 || !wants(c)) return next();
    const client = String(c.get('client' as never) ?? 'ip:unknown');
    if (!slots.acquire(client)) {
      throw new AppError('rate_limited', `more than ${slots.max} open event streams from this client (SSE_MAX_PER_CLIENT); close one first`);
    }
    let held = true;
    const release = () => {
      if (held) slots.release(client);
      held = false;
    };
    try {
      await next();
    } catch (err) {
      release();
      throw err;
    }
    const res = c.res;
    if (!res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return release();
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            release();
            ctrl.close();
          } else ctrl.enqueue(value);
        } catch (err) {
          release();
          ctrl.error(err);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    });
    c.res = new Response(body, { status: res.status, headers: res.headers });
  };
}
