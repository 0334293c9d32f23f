import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cached, createCache, RedisCache } from '../../src/platform/cache/index.js';
import { cacheContract } from './contract.js';
import { captureLogger, cleanupPrefix, REDIS_URL, runPrefix } from './helpers.js';

const run = runPrefix('redis');
let n = 0;
const make = (tag = `t${n++}`) => new RedisCache({ url: REDIS_URL, ttlS: 600, logger: captureLogger().logger, keyPrefix: `${run}${tag}:` });

afterAll(async () => {
  await cleanupPrefix(REDIS_URL, run);
});

cacheContract('redis', () => make());

describe('redis cache', () => {
  it('is what createCache gives when REDIS_URL is set', async () => {
    const c = createCache({ REDIS_URL, CACHE_TTL_S: 60, CACHE_MAX_ENTRIES: 10, CACHE_MAX_MB: 1 }, captureLogger().logger, {
      keyPrefix: `${run}factory:`,
    });
    expect(c).toBeInstanceOf(RedisCache);
    await c.set('search', 'k', 'v');
    expect(await c.get('search', 'k')).toBe('v');
    expect(c.stats().backend).toBe('redis');
    await c.close();
  });

  it('shares the generation between processes (two clients)', async () => {
    const a = make('shared');
    const b = make('shared');
    try {
      await a.set('search', 'q', ['from A']);
      expect(await b.get('search', 'q')).toEqual(['from A']);
      const g = await a.bumpGeneration();
      // Right after A's bump returns, B must not see the pre-bump entry: no memo, no window.
      expect(await b.get('search', 'q')).toBeUndefined();
      expect(await b.generation()).toBe(g);
      await b.set('search', 'q', ['from B']);
      expect(await a.get('search', 'q')).toEqual(['from B']);
      await b.bumpGeneration();
      expect(await a.generation()).toBe(g + 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a miss read through cached() asks Redis twice: the lookup (which reads the generation) and the store', async () => {
    const c = make('trips');
    const other = make('trips');
    // Every command a client of this process sends, in the order sent (Redis's MONITOR would show the same, but
    // ioredis can take its first lines for replies when they arrive together with MONITOR's own OK).
    const spy = vi.spyOn(Redis.prototype, 'sendCommand');
    try {
      await c.generation(); // connected, scripts loaded
      const g = await other.bumpGeneration(); // another process ingests: this one has not read the generation since
      spy.mockClear();
      const r = await cached(c, 'search', ['q'], 60, async () => 'computed');
      expect(r).toEqual({ value: 'computed', cached: false });
      const trips = spy.mock.calls.map(([command]) => command.name);
      expect(trips).toHaveLength(2);
      expect(c.seenGeneration()).toBe(g); // read with the lookup
      expect(await other.get('search', JSON.stringify(['q']))).toBe('computed'); // stored under the new generation
    } finally {
      spy.mockRestore();
      await Promise.all([c.close(), other.close()]);
    }
  });

  it('stores short, prefixed keys with a TTL, and raw bytes for embeddings', async () => {
    const prefix = `${run}layout:`;
    const c = new RedisCache({ url: REDIS_URL, ttlS: 60, logger: captureLogger().logger, keyPrefix: prefix });
    const r = new Redis(REDIS_URL);
    try {
      await c.set('search', 'x'.repeat(10_000), 1);
      await c.setBinary('qemb', 'model\u0000text', new Float32Array(512));
      const keys = (await r.keys(`${prefix}*`)).sort();
      const g = await c.generation();
      expect(keys).toHaveLength(3); // generation, one search entry, one embedding
      expect(keys).toContain(`${prefix}gen`);
      const search = keys.find((k) => k.startsWith(`${prefix}search:`))!;
      expect(search).toMatch(new RegExp(`^${prefix}search:${g}:[0-9a-f]{40}$`));
      const qemb = keys.find((k) => k.startsWith(`${prefix}qemb:`))!;
      expect(qemb).toMatch(new RegExp(`^${prefix}qemb:[0-9a-f]{40}$`)); // no generation: survives ingests
      expect(await r.strlen(qemb)).toBe(512 * 4);
      const ttl = await r.pttl(search);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await c.close();
      r.disconnect();
    }
  });

  it('never falls back to an older generation when the generation key is lost', async () => {
    const prefix = `${run}lost:`;
    const c = new RedisCache({ url: REDIS_URL, ttlS: 60, logger: captureLogger().logger, keyPrefix: prefix });
    const r = new Redis(REDIS_URL);
    try {
      await c.set('search', 'q', 'before');
      const g = await c.generation();
      await r.del(`${prefix}gen`); // e.g. evicted, or deleted by an operator; the entries are still there
      await new Promise((res) => setTimeout(res, 5)); // the reseed is clock-based: let a millisecond pass
      expect(await c.get('search', 'q')).toBeUndefined();
      expect(await c.generation()).toBeGreaterThan(g);
    } finally {
      await c.close();
      r.disconnect();
    }
  });
});
