import type { Logger } from 'pino';

/** What /health and the metrics endpoint show about the cache. */
export interface CacheStats {
  backend: 'memory' | 'redis' | 'off';
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 before the first lookup. */
  hitRate: number;
  /** Failed operations (connection loss, timeouts, unserialisable values); each one was answered as a miss/no-op. */
  errors: number;
  /** Last index generation this process has seen. */
  generation: number;
  /** True while the backend is unreachable and caching is switched off. */
  degraded: boolean;
}

export interface SetOptions {
  /**
   * Write only if the index generation is still this one. `cached()` reads the generation before computing,
   * so a result computed from the old index is not stored under the new generation when an ingest lands mid-compute.
   */
  ifGeneration?: number;
}

/**
 * Cache for search results, answers and query embeddings. No method ever throws or rejects:
 * a broken backend answers as a miss / no-op, so requests still succeed without the cache.
 */
export interface Cache {
  /** JSON values; what comes back is a fresh copy (it went through JSON), never the object that was stored. */
  get<T>(namespace: string, key: string): Promise<T | undefined>;
  /** `ttlS` defaults to CACHE_TTL_S; fractions of a second are kept. `undefined` values are not stored. */
  set<T>(namespace: string, key: string, value: T, ttlS?: number, opts?: SetOptions): Promise<void>;
  /** Float32Array values (query embeddings, namespace 'qemb'), stored as raw bytes, not JSON. */
  getBinary(namespace: string, key: string): Promise<Float32Array | undefined>;
  setBinary(namespace: string, key: string, value: Float32Array, ttlS?: number, opts?: SetOptions): Promise<void>;
  /**
   * Bytes stored as they are (a search response's JSON, already serialised): nothing is parsed or re-encoded on
   * a hit. The bytes that come back may be the stored ones: treat them as read-only.
   */
  getBytes(namespace: string, key: string): Promise<Uint8Array | undefined>;
  setBytes(namespace: string, key: string, value: Uint8Array, ttlS?: number, opts?: SetOptions): Promise<void>;
  /** Bumps the index generation: every key written before becomes unreachable. Called after every ingest or deletion. */
  bumpGeneration(): Promise<number>;
  generation(): Promise<number>;
  /**
   * The generation this process last read or made (a lookup in a versioned namespace reads it with the value,
   * in one round trip), without asking the backend: what a store after a miss passes as `ifGeneration`. It is
   * never newer than the index a computation started after it sees; when it is older, the store is refused.
   */
  seenGeneration(): number;
  stats(): CacheStats;
  close(): Promise<void>;
}

/** The part of pino the adapters use; a real pino logger (or child) fits. */
export type CacheLogger = Pick<Logger, 'warn' | 'info' | 'debug'>;

/** Namespace of query embeddings. */
export const QEMB_NAMESPACE = 'qemb';
