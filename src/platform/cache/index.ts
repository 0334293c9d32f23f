import type { Config } from '../../core/index.js';
import { Counters } from './keys.js';
import { MemoryCache } from './memory.js';
import type { Cache, CacheLogger, CacheStats } from './port.js';
import { RedisCache } from './redis.js';

export type { Cache, CacheLogger, CacheStats, SetOptions } from './port.js';
export { QEMB_NAMESPACE } from './port.js';
export { MemoryCache } from './memory.js';
export { RedisCache } from './redis.js';

export type CacheConfig = Pick<Config, 'REDIS_URL' | 'CACHE_TTL_S' | 'CACHE_MAX_ENTRIES' | 'CACHE_MAX_MB'>;

/**
 * Redis when REDIS_URL is set (shared by every API and ingest process, so a CLI ingest invalidates the
 * server's cache), in-process memory otherwise.
 */
export function createCache(cfg: CacheConfig, logger: CacheLogger, opts: { keyPrefix?: string } = {}): Cache {
  if (cfg.REDIS_URL) {
    return new RedisCache({ url: cfg.REDIS_URL, ttlS: cfg.CACHE_TTL_S, logger, keyPrefix: opts.keyPrefix });
  }
  return new MemoryCache({ ttlS: cfg.CACHE_TTL_S, maxEntries: cfg.CACHE_MAX_ENTRIES, maxBytes: cfg.CACHE_MAX_MB * 1024 * 1024 });
}

/** A cache that stores nothing, for one-shot commands and tests that must not see cached answers. */
export function offCache(): Cache {
  const counters = new Counters();
  return {
    get: async () => counters.record(undefined),
    set: async () => {},
    getBinary: async () => counters.record(undefined),
    setBinary: async () => {},
    getBytes: async () => counters.record(undefined),
    setBytes: async () => {},
    bumpGeneration: async () => 0,
    generation: async () => 0,
    seenGeneration: () => 0,
    stats: (): CacheStats => counters.snapshot('off', 0, false),
    close: async () => {},
  };
}

/**
 * Read-through for JSON values: returns the cached value, or computes, stores and returns it.
 * `keyParts` are JSON-encoded, so pass everything the answer depends on (query, filters, limits, model...).
 * Errors from `compute` propagate; cache failures never do. `keep` says whether a computed value may be served
 * again (not one that is incomplete, or made while part of the system was down): one it refuses is returned, not
 * stored.
 */
export async function cached<T>(
  cache: Cache,
  namespace: string,
  keyParts: readonly unknown[],
  ttlS: number | undefined,
  compute: () => Promise<T>,
  opts: { keep?: (value: T) => boolean } = {},
): Promise<{ value: T; cached: boolean }> {
  const key = JSON.stringify(keyParts);
  const hit = await cache.get<T>(namespace, key);
  if (hit !== undefined) return { value: hit, cached: true };
  // The generation read with the miss, before computing: if an ingest bumps it while we compute, the result may
  // reflect the old index, and ifGeneration makes the store a no-op instead of filing it under the new generation.
  const generation = cache.seenGeneration();
  const value = await compute();
  if (opts.keep?.(value) ?? true) await cache.set(namespace, key, value, ttlS, { ifGeneration: generation });
  return { value, cached: false };
}
