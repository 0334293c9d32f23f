import { describe, expect, it } from 'vitest';
import { createCache, MemoryCache, offCache } from '../../src/platform/cache/index.js';
import { cacheContract } from './contract.js';
import { captureLogger } from './helpers.js';

cacheContract('memory', () => new MemoryCache({ ttlS: 600, maxEntries: 1000, maxBytes: 64 * 1024 * 1024 }));

describe('memory cache', () => {
  it('is what createCache gives without REDIS_URL, sized and timed by config', async () => {
    const c = createCache({ REDIS_URL: undefined, CACHE_TTL_S: 1, CACHE_MAX_ENTRIES: 3, CACHE_MAX_MB: 1 }, captureLogger().logger);
    expect(c).toBeInstanceOf(MemoryCache);
    expect(c.stats().backend).toBe('memory');
    for (const k of ['a', 'b', 'c', 'd']) await c.set('search', k, k);
    expect(await c.get('search', 'a')).toBeUndefined(); // least recently used, evicted at 3 entries
    expect(await c.get('search', 'd')).toBe('d');
    await c.close();
  });

  it('holds at most CACHE_MAX_MB of values, however few the entries', async () => {
    const c = createCache({ REDIS_URL: undefined, CACHE_TTL_S: 60, CACHE_MAX_ENTRIES: 1000, CACHE_MAX_MB: 1 }, captureLogger().logger);
    const page = 'x'.repeat(300 * 1024); // a JSON value of 300 KB
    for (const k of ['a', 'b', 'c', 'd']) await c.set('search', k, page);
    expect(await c.get('search', 'a')).toBeUndefined(); // 4 × 300 KB pass 1 MB: the least recently used goes
    expect(await c.get('search', 'd')).toBe(page);
    const bytes = new Uint8Array(700 * 1024);
    await c.setBytes('search', 'page', bytes);
    expect(await c.getBytes('search', 'page')).toHaveLength(bytes.length);
    expect(await c.get('search', 'b')).toBeUndefined();
    const vector = new Float32Array(512);
    await c.setBinary('qemb', 'q', vector);
    expect(await c.getBinary('qemb', 'q')).toEqual(vector);
    // A value larger than the whole cache is not kept (and does not empty the cache to make room for it).
    await c.set('search', 'huge', 'y'.repeat(2 * 1024 * 1024));
    expect(await c.get('search', 'huge')).toBeUndefined();
    expect(await c.getBinary('qemb', 'q')).toEqual(vector);
    await c.close();
  });

  it('uses CACHE_TTL_S as the default TTL', async () => {
    const c = new MemoryCache({ ttlS: 0.2, maxEntries: 10, maxBytes: 1024 });
    await c.set('search', 'k', 1);
    expect(await c.get('search', 'k')).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(await c.get('search', 'k')).toBeUndefined();
  });
});

describe('off cache', () => {
  it('stores nothing and reports backend off', async () => {
    const c = offCache();
    await c.set('search', 'k', 1);
    expect(await c.get('search', 'k')).toBeUndefined();
    expect(c.stats()).toMatchObject({ backend: 'off', misses: 1, hits: 0 });
  });
});
