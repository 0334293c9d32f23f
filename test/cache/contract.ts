import { afterEach, describe, expect, it, vi } from 'vitest';
import { cached, type Cache } from '../../src/platform/cache/index.js';
import { sleep } from './helpers.js';

/**
 * The behaviour every adapter must share. `make` returns a fresh, empty cache (own key prefix for Redis),
 * so stats start at zero in each test.
 */
export function cacheContract(name: string, make: () => Cache): void {
  describe(`${name}: Cache contract`, () => {
    const open: Cache[] = [];
    const fresh = () => {
      const c = make();
      open.push(c);
      return c;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });

    it('round-trips JSON values and returns copies', async () => {
      const c = fresh();
      const value = { hits: [{ id: 'm1', score: 0.5, text: 'héllo “world”' }], total: 1, next: null };
      await c.set('search', 'q=hello', value);
      const got = await c.get<typeof value>('search', 'q=hello');
      expect(got).toEqual(value);
      expect(got).not.toBe(value);
      await c.set('answer', 'null', null);
      expect(await c.get('answer', 'null')).toBeNull();
      expect(await c.get('search', 'never-set')).toBeUndefined();
      // Namespaces are separate key spaces.
      expect(await c.get('answer', 'q=hello')).toBeUndefined();
    });

    it('accepts very long keys', async () => {
      const c = fresh();
      const long = 'why did the committee '.repeat(2000);
      await c.set('search', long, 42);
      expect(await c.get('search', long)).toBe(42);
      expect(await c.get('search', long + '?')).toBeUndefined();
    });

    it('expires entries after their TTL', async () => {
      const c = fresh();
      await c.set('search', 'short', 'v', 0.3);
      await c.set('search', 'long', 'v', 30);
      await c.setBinary('qemb', 'short', new Float32Array([1, 2]), 0.3);
      expect(await c.get('search', 'short')).toBe('v');
      await sleep(600);
      expect(await c.get('search', 'short')).toBeUndefined();
      expect(await c.getBinary('qemb', 'short')).toBeUndefined();
      expect(await c.get('search', 'long')).toBe('v');
    });

    it('round-trips Float32Array embeddings exactly, as independent copies', async () => {
      const c = fresh();
      const v = new Float32Array(512).map((_, i) => Math.sin(i) * 1e-3 * (i % 7 ? 1 : -1e6));
      v[3] = Number.NaN;
      v[4] = -0;
      await c.setBinary('qemb', 'use-lite-512\u0000what is RRF', v);
      const snapshot = v.slice();
      v[0] = 99; // mutating the caller's array after set must not change the cache
      const got = await c.getBinary('qemb', 'use-lite-512\u0000what is RRF');
      expect(got).toBeInstanceOf(Float32Array);
      expect(Buffer.from(got!.buffer)).toEqual(Buffer.from(snapshot.buffer));
      got![1] = 7;
      expect((await c.getBinary('qemb', 'use-lite-512\u0000what is RRF'))![1]).toBe(snapshot[1]);
      // A view at an offset into a bigger buffer stores only its own elements.
      const big = new Float32Array([9, 8, 7, 6, 5]);
      await c.setBinary('qemb', 'view', big.subarray(1, 3));
      expect(Array.from((await c.getBinary('qemb', 'view'))!)).toEqual([8, 7]);
    });

    it('round-trips bytes as stored, independent of the buffer given to set', async () => {
      const c = fresh();
      const body = Buffer.from('{"results":["Grüße — ünïcode"]}');
      await c.setBytes('search', 'page', body);
      body[0] = 0; // the caller's buffer changing after set must not change the cache
      const got = await c.getBytes('search', 'page');
      expect(Buffer.from(got!).toString('utf8')).toBe('{"results":["Grüße — ünïcode"]}');
      // A view at an offset stores only its own bytes.
      await c.setBytes('search', 'view', Buffer.from('xxabcxx').subarray(2, 5));
      expect(Buffer.from((await c.getBytes('search', 'view'))!).toString()).toBe('abc');
      await c.bumpGeneration();
      expect(await c.getBytes('search', 'page')).toBeUndefined();
    });

    it('bumpGeneration makes earlier entries unreachable but keeps query embeddings', async () => {
      const c = fresh();
      const g0 = await c.generation();
      await c.set('search', 'q', { n: 1 });
      await c.set('answer', 'q', 'old answer');
      await c.setBinary('qemb', 'q', new Float32Array([1, 2, 3]));
      const g1 = await c.bumpGeneration();
      expect(g1).toBe(g0 + 1);
      expect(await c.generation()).toBe(g1);
      expect(c.stats().generation).toBe(g1);
      expect(await c.get('search', 'q')).toBeUndefined();
      expect(await c.get('answer', 'q')).toBeUndefined();
      expect(Array.from((await c.getBinary('qemb', 'q'))!)).toEqual([1, 2, 3]);
      await c.set('search', 'q', { n: 2 });
      expect(await c.get('search', 'q')).toEqual({ n: 2 });
    });

    it('seenGeneration is the generation last read or made, without asking the backend', async () => {
      const c = fresh();
      const g0 = await c.generation();
      expect(c.seenGeneration()).toBe(g0);
      const g1 = await c.bumpGeneration();
      expect(c.seenGeneration()).toBe(g1);
      await c.get('search', 'q');
      expect(c.seenGeneration()).toBe(g1);
    });

    it('set with a stale ifGeneration stores nothing', async () => {
      const c = fresh();
      const g = await c.generation();
      await c.bumpGeneration();
      await c.set('search', 'q', 'computed from the old index', undefined, { ifGeneration: g });
      expect(await c.get('search', 'q')).toBeUndefined();
      await c.set('search', 'q', 'fresh', undefined, { ifGeneration: g + 1 });
      expect(await c.get('search', 'q')).toBe('fresh');
    });

    it('counts hits, misses and hit rate', async () => {
      const c = fresh();
      expect(c.stats()).toMatchObject({ hits: 0, misses: 0, hitRate: 0, errors: 0, degraded: false });
      await c.set('search', 'a', 1);
      await c.setBinary('qemb', 'a', new Float32Array([1]));
      await c.get('search', 'a');
      await c.getBinary('qemb', 'a');
      await c.get('search', 'b');
      await c.getBinary('qemb', 'b');
      await c.get('search', 'a');
      expect(c.stats()).toMatchObject({ hits: 3, misses: 2, hitRate: 0.6, errors: 0, degraded: false });
    });

    it('does not throw on values JSON cannot encode', async () => {
      const c = fresh();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(c.set('search', 'cyclic', cyclic)).resolves.toBeUndefined();
      await expect(c.set('search', 'big', 10n)).resolves.toBeUndefined();
      await c.set('search', 'undef', undefined);
      expect(await c.get('search', 'undef')).toBeUndefined();
      expect(c.stats().errors).toBe(2);
    });

    it('cached() computes once, then serves from cache', async () => {
      const c = fresh();
      const compute = vi.fn(async () => ({ hits: ['m1'] }));
      expect(await cached(c, 'search', ['hello', { limit: 10 }], undefined, compute)).toEqual({
        value: { hits: ['m1'] },
        cached: false,
      });
      expect(await cached(c, 'search', ['hello', { limit: 10 }], undefined, compute)).toEqual({
        value: { hits: ['m1'] },
        cached: true,
      });
      expect(compute).toHaveBeenCalledTimes(1);
      // Different key parts are a different entry.
      expect((await cached(c, 'search', ['hello', { limit: 20 }], undefined, compute)).cached).toBe(false);
    });

    it('cached() does not store a result whose compute overlapped an ingest', async () => {
      const c = fresh();
      const r = await cached(c, 'search', ['q'], undefined, async () => {
        await c.bumpGeneration(); // an ingest lands while the search runs on the old index
        return 'maybe stale';
      });
      expect(r).toEqual({ value: 'maybe stale', cached: false });
      expect(await c.get('search', JSON.stringify(['q']))).toBeUndefined();
    });

    it('cached() does not store a result `keep` refuses, and computes it again next time', async () => {
      const c = fresh();
      const compute = vi.fn(async () => ({ complete: false }));
      const keep = (v: { complete: boolean }) => v.complete;
      expect(await cached(c, 'answer', ['q'], undefined, compute, { keep })).toEqual({ value: { complete: false }, cached: false });
      expect(await cached(c, 'answer', ['q'], undefined, compute, { keep })).toEqual({ value: { complete: false }, cached: false });
      expect(compute).toHaveBeenCalledTimes(2);
      compute.mockResolvedValue({ complete: true });
      await cached(c, 'answer', ['q'], undefined, compute, { keep });
      expect(await cached(c, 'answer', ['q'], undefined, compute, { keep })).toEqual({ value: { complete: true }, cached: true });
    });
  });
}
