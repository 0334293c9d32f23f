import { LRUCache } from 'lru-cache';
import { Counters, hashKey, isVersioned, ttlMs } from './keys.js';
import type { Cache, CacheStats, SetOptions } from './port.js';

export interface MemoryCacheOptions {
  ttlS: number;
  maxEntries: number;
  /** Bytes of values held at most: a search page or a set of facets weighs kilobytes, a question's vector 2 KB. */
  maxBytes: number;
}

type Stored = string | Float32Array | Uint8Array;
// A JSON string is held as UTF-16 in V8: two bytes a character at most.
const sizeOf = (v: Stored): number => (typeof v === 'string' ? 2 * v.length : v.byteLength) || 1;

/**
 * In-process LRU with TTL. The generation is a plain counter, so it only invalidates this process:
 * an ingest run by a separate CLI process cannot reach it (use Redis when several processes serve or ingest).
 */
export class MemoryCache implements Cache {
  // Values are JSON strings, Float32Array copies or byte copies (getBytes hands out the stored bytes, read-only).
  private readonly lru: LRUCache<string, Stored>;
  private readonly counters = new Counters();
  private gen = 0;

  constructor(private readonly opts: MemoryCacheOptions) {
    // Entries alone would not bound memory: 5,000 pages of a hundred passages each hold hundreds of megabytes.
    // A value larger than maxBytes is not stored (lru-cache refuses it without evicting anything).
    this.lru = new LRUCache({ max: opts.maxEntries, maxSize: opts.maxBytes, sizeCalculation: sizeOf, ttl: ttlMs(opts.ttlS, opts.ttlS) });
  }

  private key(namespace: string, key: string): string {
    const h = hashKey(key);
    // 'v:' / 'u:' mark versioned entries so bumpGeneration can drop exactly those.
    return isVersioned(namespace) ? `v:${namespace}:${this.gen}:${h}` : `u:${namespace}:${h}`;
  }

  private stale(namespace: string, opts?: SetOptions): boolean {
    return isVersioned(namespace) && opts?.ifGeneration !== undefined && opts.ifGeneration !== this.gen;
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    const raw = this.lru.get(this.key(namespace, key));
    if (typeof raw !== 'string') return this.counters.record<T>(undefined);
    return this.counters.record(JSON.parse(raw) as T);
  }

  async set<T>(namespace: string, key: string, value: T, ttlS?: number, opts?: SetOptions): Promise<void> {
    if (this.stale(namespace, opts)) return;
    let raw: string | undefined;
    try {
      raw = JSON.stringify(value);
    } catch {
      this.counters.errors++; // cycles or BigInt: not cacheable, but the request must not fail over it
      return;
    }
    if (raw === undefined) return;
    this.lru.set(this.key(namespace, key), raw, { ttl: ttlMs(ttlS, this.opts.ttlS) });
  }

  async getBinary(namespace: string, key: string): Promise<Float32Array | undefined> {
    const v = this.lru.get(this.key(namespace, key));
    return this.counters.record(v instanceof Float32Array ? v.slice() : undefined);
  }

  async setBinary(namespace: string, key: string, value: Float32Array, ttlS?: number, opts?: SetOptions): Promise<void> {
    if (this.stale(namespace, opts)) return;
    this.lru.set(this.key(namespace, key), value.slice(), { ttl: ttlMs(ttlS, this.opts.ttlS) });
  }

  async getBytes(namespace: string, key: string): Promise<Uint8Array | undefined> {
    const v = this.lru.get(this.key(namespace, key));
    return this.counters.record(v instanceof Uint8Array ? v : undefined);
  }

  async setBytes(namespace: string, key: string, value: Uint8Array, ttlS?: number, opts?: SetOptions): Promise<void> {
    if (this.stale(namespace, opts)) return;
    // A copy: the caller may reuse its buffer. Hits return this one, unchanged, so nothing is copied per hit.
    this.lru.set(this.key(namespace, key), Uint8Array.prototype.slice.call(value), { ttl: ttlMs(ttlS, this.opts.ttlS) });
  }

  async bumpGeneration(): Promise<number> {
    this.gen++;
    // Old entries are unreachable already (the generation is in the key); dropping them now gives the
    // room back to live entries instead of waiting for LRU eviction. Query embeddings survive.
    for (const k of [...this.lru.keys()]) if (k.startsWith('v:')) this.lru.delete(k);
    return this.gen;
  }

  async generation(): Promise<number> {
    return this.gen;
  }

  seenGeneration(): number {
    return this.gen;
  }

  stats(): CacheStats {
    return this.counters.snapshot('memory', this.gen, false);
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
