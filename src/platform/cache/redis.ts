import { Redis } from 'ioredis';
import { Counters, bufferToF32, f32ToBuffer, hashKey, isVersioned, ttlMs } from './keys.js';
import type { Cache, CacheLogger, CacheStats, SetOptions } from './port.js';

export interface RedisCacheOptions {
  url: string;
  ttlS: number;
  logger: CacheLogger;
  /** Prepended to every key; tests use a unique one per run. */
  keyPrefix?: string;
  /** Longest a request waits on a Redis that accepts connections but does not answer. */
  commandTimeoutMs?: number;
  /** While degraded, how often a PING checks whether a hung (still connected) Redis answers again. */
  probeIntervalMs?: number;
}

/*
 * The generation is read inside the same Lua script as the value, on every call: one round trip, and no window
 * in which a process serves a pre-bump entry (a local memo would allow one for the length of the memo).
 *
 * If the generation key is missing (Redis restarted, key evicted or deleted) it is seeded from the server clock
 * in milliseconds instead of starting again at 1, so it can never fall back to a generation whose entries still
 * exist. Keys are built inside the scripts, which is fine on a single Redis but not Redis Cluster.
 */
const GEN_FN = `
local function gen(k)
  local g = redis.call('GET', k)
  if not g then
    if redis.replicate_commands then redis.replicate_commands() end
    local t = redis.call('TIME')
    g = tostring(t[1] * 1000 + math.floor(t[2] / 1000))
    redis.call('SET', k, g, 'NX')
    g = redis.call('GET', k)
  end
  return g
end
`;
// KEYS[1] generation key; ARGV: namespace prefix, hashed key. Returns {generation, value-or-nil}.
const GET_LUA = `${GEN_FN}
local g = gen(KEYS[1])
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}`;
// ARGV: namespace prefix, hashed key, value, ttl ms, expected generation ('' = any). Returns 1 if written.
const SET_LUA = `${GEN_FN}
local g = gen(KEYS[1])
if ARGV[5] ~= '' and ARGV[5] ~= g then return 0 end
redis.call('SET', ARGV[1] .. g .. ':' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
return 1`;
const BUMP_LUA = `${GEN_FN}
gen(KEYS[1])
return redis.call('INCR', KEYS[1])`;
const GEN_LUA = `${GEN_FN}
return gen(KEYS[1])`;

/** Longest the first requests wait for the initial connection. */
const START_WAIT_MS = 200;

type Value = string | Buffer;
interface Scripts {
  saGetBuffer(genKey: string, nsPrefix: string, hash: string): Promise<[Buffer, Buffer | null]>;
  saSet(genKey: string, nsPrefix: string, hash: string, value: Value, ttlMs: number, ifGen: string): Promise<number>;
  saBump(genKey: string): Promise<number>;
  saGen(genKey: string): Promise<string>;
}

/** Answered by Redis itself (WRONGTYPE, OOM...): Redis is up, so the cache is not degraded by it. */
function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

export class RedisCache implements Cache {
  private readonly client: Redis & Scripts;
  private readonly prefix: string;
  private readonly genKey: string;
  private readonly counters = new Counters();
  private readonly where: string;
  private lastGen = 0;
  private degraded = false;
  /** A bump that failed while Redis was away; applied before caching turns back on, so no stale entry is served. */
  private pendingBump = false;
  private probing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private everReady = false;

  constructor(private readonly opts: RedisCacheOptions) {
    this.prefix = opts.keyPrefix ?? 'sa:';
    this.genKey = `${this.prefix}gen`;
    this.client = new Redis(opts.url, {
      // Fail fast instead of queueing while disconnected: a dead Redis must cost a request ~nothing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: opts.commandTimeoutMs ?? 150,
      connectTimeout: 1000,
      // Keep trying for ever, at most once a second, so caching resumes soon after Redis returns.
      retryStrategy: (times) => Math.min(50 * 2 ** times, 1000),
    }) as Redis & Scripts;
    // Host and port as ioredis parsed them: never log the URL itself, it may hold a password.
    this.where = `${this.client.options.host}:${this.client.options.port}`;
    this.client.defineCommand('saGet', { numberOfKeys: 1, lua: GET_LUA });
    this.client.defineCommand('saSet', { numberOfKeys: 1, lua: SET_LUA });
    this.client.defineCommand('saBump', { numberOfKeys: 1, lua: BUMP_LUA });
    this.client.defineCommand('saGen', { numberOfKeys: 1, lua: GEN_LUA });
    // Without an 'error' listener ioredis prints every failed reconnect; one warning per outage is enough.
    this.client.on('error', (err: Error) => this.markDown(err));
    this.client.on('close', () => this.markDown(new Error('connection closed')));
    this.client.on('ready', () => {
      this.everReady = true;
      void this.probe();
    });
  }

  private nsPrefix(namespace: string): string {
    return `${this.prefix}${namespace}:`;
  }

  /**
   * Runs one Redis operation, or answers `fallback` at once when Redis is known to be away. Never throws.
   * While degraded nothing is sent; only probe() decides when to turn caching back on.
   */
  private async run<R>(op: () => Promise<R>, fallback: R): Promise<R> {
    // Only the very first connection is waited for (bounded), so the first requests after start-up can use
    // the cache; after an outage nothing waits, degraded short-circuits until probe() succeeds.
    if (!this.everReady && !this.degraded) await this.waitReady(START_WAIT_MS);
    if (this.closed || this.degraded || this.client.status !== 'ready') return fallback;
    try {
      return await op();
    } catch (err) {
      this.counters.errors++;
      if (isReplyError(err)) this.opts.logger.debug({ err }, 'redis cache command failed');
      else this.markDown(err);
      return fallback;
    }
  }

  private markDown(err: unknown): void {
    if (this.closed || this.degraded) return;
    this.degraded = true;
    const reason = err instanceof Error ? err.message : String(err);
    this.opts.logger.warn({ redis: this.where, reason }, 'redis cache unavailable; caching is off until it returns');
    this.probeTimer = setInterval(() => void this.probe(), this.opts.probeIntervalMs ?? 1000);
    this.probeTimer.unref(); // the probe must not keep a finished process alive
  }

  /** Turns caching back on once Redis answers, after first applying any bump that was missed meanwhile. */
  private async probe(): Promise<void> {
    if (this.closed || this.probing || this.client.status !== 'ready') return;
    this.probing = true;
    try {
      if (this.pendingBump) {
        this.lastGen = await this.client.saBump(this.genKey);
        this.pendingBump = false;
      } else {
        this.lastGen = Number(await this.client.saGen(this.genKey));
      }
      if (this.degraded) {
        this.degraded = false;
        clearInterval(this.probeTimer);
        this.opts.logger.info({ redis: this.where, generation: this.lastGen }, 'redis cache is back; caching is on');
      }
    } catch (err) {
      this.markDown(err);
    } finally {
      this.probing = false;
    }
  }

  private async getRaw(namespace: string, key: string): Promise<Buffer | undefined> {
    const h = hashKey(key);
    const raw = await this.run(async () => {
      if (!isVersioned(namespace)) return this.client.getBuffer(`${this.nsPrefix(namespace)}${h}`);
      const [g, v] = await this.client.saGetBuffer(this.genKey, this.nsPrefix(namespace), h);
      this.lastGen = Number(g.toString());
      return v;
    }, null);
    return raw ?? undefined;
  }

  private async setRaw(namespace: string, key: string, value: Value, ttlS?: number, opts?: SetOptions): Promise<void> {
    const h = hashKey(key);
    const ms = ttlMs(ttlS, this.opts.ttlS);
    await this.run(async () => {
      if (!isVersioned(namespace)) await this.client.set(`${this.nsPrefix(namespace)}${h}`, value, 'PX', ms);
      else await this.client.saSet(this.genKey, this.nsPrefix(namespace), h, value, ms, opts?.ifGeneration?.toString() ?? '');
    }, undefined);
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    const raw = await this.getRaw(namespace, key);
    if (raw === undefined) return this.counters.record<T>(undefined);
    try {
      return this.counters.record(JSON.parse(raw.toString('utf8')) as T);
    } catch {
      this.counters.errors++; // a foreign or truncated value: treat as a miss, the next set overwrites it
      return this.counters.record<T>(undefined);
    }
  }

  async set<T>(namespace: string, key: string, value: T, ttlS?: number, opts?: SetOptions): Promise<void> {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      this.counters.errors++;
      return;
    }
    if (json !== undefined) await this.setRaw(namespace, key, json, ttlS, opts);
  }

  async getBinary(namespace: string, key: string): Promise<Float32Array | undefined> {
    const raw = await this.getRaw(namespace, key);
    const v = raw === undefined ? undefined : bufferToF32(raw);
    if (raw !== undefined && v === undefined) this.counters.errors++;
    return this.counters.record(v);
  }

  async setBinary(namespace: string, key: string, value: Float32Array, ttlS?: number, opts?: SetOptions): Promise<void> {
    // No copy: the bytes are written to the socket before this resolves, and callers await it.
    await this.setRaw(namespace, key, f32ToBuffer(value), ttlS, opts);
  }

  async getBytes(namespace: string, key: string): Promise<Uint8Array | undefined> {
    return this.counters.record(await this.getRaw(namespace, key));
  }

  async setBytes(namespace: string, key: string, value: Uint8Array, ttlS?: number, opts?: SetOptions): Promise<void> {
    await this.setRaw(namespace, key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), ttlS, opts);
  }

  /** Waits (bounded) until the connection is up or has just failed: a failed connect must not cost the full wait. */
  private async waitReady(ms: number): Promise<void> {
    if (this.closed || this.client.status === 'ready') return;
    const events = ['ready', 'error', 'close', 'end'] as const;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        for (const e of events) this.client.off(e, done);
        resolve();
      };
      const t = setTimeout(done, ms);
      for (const e of events) this.client.once(e, done);
    });
  }

  async bumpGeneration(): Promise<number> {
    // A bump right after start-up (e.g. from a CLI ingest) must not be lost to a connection still opening.
    if (!this.degraded) await this.waitReady(1000);
    // Sent even while degraded (if connected): a bump is rare and is what keeps other processes correct.
    if (!this.closed && this.client.status === 'ready') {
      try {
        this.lastGen = await this.client.saBump(this.genKey);
        this.pendingBump = false;
        return this.lastGen;
      } catch (err) {
        this.counters.errors++;
        this.markDown(err); // even a ReplyError (e.g. OOM): degraded is what makes probe() retry the bump
      }
    }
    // Redis is away: this process serves no cache until the bump is applied (see probe). Other processes that
    // still reach Redis may serve pre-bump entries until then, which is why this is worth a warning of its own.
    this.pendingBump = true;
    this.opts.logger.warn({ redis: this.where }, 'redis cache: generation bump deferred until Redis returns');
    return this.lastGen;
  }

  async generation(): Promise<number> {
    const g = await this.run(() => this.client.saGen(this.genKey), undefined);
    if (g !== undefined) this.lastGen = Number(g);
    return this.lastGen;
  }

  seenGeneration(): number {
    return this.lastGen;
  }

  stats(): CacheStats {
    return this.counters.snapshot('redis', this.lastGen, this.degraded);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probeTimer);
    if (this.pendingBump) this.opts.logger.warn({ redis: this.where }, 'redis cache closed with a generation bump not applied');
    // No writes are pending that matter for a cache, so dropping the socket beats waiting on QUIT.
    this.client.disconnect();
  }
}
