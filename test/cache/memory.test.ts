import { describe, expect, it } from 'vitest';
import { createCache, MemoryCache, offCache } from '../../src/platform/cache/index.js';
import { cacheContract } from './contract.js';
import { captureLogger } from './helpers.js';

cacheContract('memory', () => new MemoryCache({ ttlS: 600, maxEntries: 1000 }));

describe('memory cache', () => {
  it('is what createCache gives without REDIS_URL, sized and timed by config', async () => {
    const c = createCache({ REDIS_URL: undefined, CACHE_TTL_S: 1, CACHE_MAX_ENTRIES: 3 }, captureLogger().logger);
    expect(c).toBeInstanceOf(MemoryCache);
    expect(c.stats().backend).toBe('memory');
    for (const k of ['a', 'b', 'c', 'd']) await c.set('search', k, k);
    expect(await c.get('search', 'a')).toBeUndefined(); // least recently used, evicted at 3 entries
    expect(await c.get('search', 'd')).toBe('d');
    await c.close();
  });

  it('uses CACHE_TTL_S as the default TTL', async () => {
    const c = new MemoryCache({ ttlS: 0.2, maxEntries: 10 });
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
