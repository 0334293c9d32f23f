import { createHash } from 'node:crypto';
import { QEMB_NAMESPACE, type CacheStats } from './port.js';

/**
 * Namespaces whose values do not depend on the index: a query embedding is a function of model + text only,
 * so an ingest must not throw it away (re-embedding is the slow part of a search).
 */
const UNVERSIONED = new Set([QEMB_NAMESPACE]);

export function isVersioned(namespace: string): boolean {
  return !UNVERSIONED.has(namespace);
}

/** sha1 keeps keys short and fixed-length however long the query text is; not a security boundary. */
export function hashKey(key: string): string {
  return createHash('sha1').update(key).digest('hex');
}

export function ttlMs(ttlS: number | undefined, defaultS: number): number {
  const s = ttlS === undefined || !Number.isFinite(ttlS) ? defaultS : ttlS;
  return Math.max(1, Math.round(s * 1000));
}

/** Float32Array -> bytes without a copy; the caller copies where it must. */
export function f32ToBuffer(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Bytes -> a fresh Float32Array. Copies because a Redis reply buffer may sit at an offset not aligned to 4. */
export function bufferToF32(b: Buffer): Float32Array | undefined {
  if (b.byteLength % 4 !== 0) return undefined;
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Counters shared by the adapters so stats() means the same everywhere. */
export class Counters {
  hits = 0;
  misses = 0;
  errors = 0;

  record<T>(value: T | undefined): T | undefined {
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  snapshot(backend: CacheStats['backend'], generation: number, degraded: boolean): CacheStats {
    const total = this.hits + this.misses;
    return {
      backend,
      hits: this.hits,
      misses: this.misses,
      hitRate: total === 0 ? 0 : this.hits / total,
      errors: this.errors,
      generation,
      degraded,
    };
  }
}
