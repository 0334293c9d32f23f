import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Embedder } from '../../core/index.js';

/**
 * Persistent embedding cache in front of any Embedder, so re-ingesting an archive or re-running an
 * evaluation only embeds texts that were never seen by this model.
 *
 * Layout: one append-only file per model id and dimension, a flat run of records
 * `sha1(text) (20 bytes) | dim float32 (little-endian, as written by this machine)`.
 * No header: a truncated tail (crash while appending) is cut off on open and records that are not
 * finite unit vectors are skipped, so a damaged file costs re-embedding, never wrong results.
 * Returned vectors are shared with the in-memory cache: treat them as read-only.
 */
export interface CachedEmbedderOptions {
  /** Misses are sent to the inner embedder and appended to disk in chunks of this many texts. */
  chunkSize?: number;
}

const HASH_BYTES = 20;

export class CachedEmbedder implements Embedder {
  private readonly vectors = new Map<string, Float32Array>();
  private readonly chunkSize: number;
  private file = '';
  private initPromise: Promise<void> | null = null;
  /** Appends are chained so records from concurrent embed() calls never interleave. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly inner: Embedder,
    readonly dir: string,
    opts: CachedEmbedderOptions = {},
  ) {
    this.chunkSize = Math.max(1, opts.chunkSize ?? 512);
  }

  get model(): string {
    return this.inner.model;
  }

  get dim(): number {
    return this.inner.dim;
  }

  /** Path of the cache file (known after init(), since some embedders discover their dimension then). */
  get filePath(): string {
    return this.file;
  }

  /** Number of cached vectors in memory. */
  get size(): number {
    return this.vectors.size;
  }

  init(): Promise<void> {
    this.initPromise ??= this.load().catch((err: unknown) => {
      this.initPromise = null;
      throw err;
    });
    return this.initPromise;
  }

  async embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    await this.init();
    const total = texts.length;
    const out: Float32Array[] = new Array(total);
    // Unique misses by hash, each remembering every position it fills (a text may repeat within a call).
    const misses = new Map<string, { text: string; positions: number[] }>();
    for (let i = 0; i < total; i++) {
      const key = hashKey(texts[i]);
      const hit = this.vectors.get(key);
      if (hit) {
        out[i] = hit;
        continue;
      }
      const miss = misses.get(key);
      if (miss) miss.positions.push(i);
      else misses.set(key, { text: texts[i], positions: [i] });
    }
    const missCount = [...misses.values()].reduce((n, m) => n + m.positions.length, 0);
    let done = total - missCount;
    if (done > 0) onProgress?.(done, total);

    const entries = [...misses.entries()];
    for (let start = 0; start < entries.length; start += this.chunkSize) {
      const chunk = entries.slice(start, start + this.chunkSize);
      const base = done;
      const positionsIn = (upTo: number) => chunk.slice(0, upTo).reduce((n, [, m]) => n + m.positions.length, 0);
      const vectors = await this.inner.embed(
        chunk.map(([, m]) => m.text),
        onProgress && ((innerDone) => onProgress(base + positionsIn(innerDone), total)),
      );
      for (let j = 0; j < chunk.length; j++) {
        const [key, miss] = chunk[j];
        this.vectors.set(key, vectors[j]);
        for (const p of miss.positions) out[p] = vectors[j];
      }
      done = base + positionsIn(chunk.length);
      // Persist chunk by chunk so an interrupted long ingest keeps what it already paid for.
      await this.append(chunk.map(([key]) => key), vectors);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.writes;
    await this.inner.close();
  }

  private async load(): Promise<void> {
    await this.inner.init();
    const dim = this.inner.dim;
    const safe = this.model.replace(/[^A-Za-z0-9._-]+/g, '_');
    // The short hash keeps ids that sanitise alike (`openai:x` vs `openai_x`) in different files.
    const idHash = createHash('sha1').update(this.model).digest('hex').slice(0, 8);
    this.file = path.join(this.dir, `${safe}.${dim}d.${idHash}.bin`);
    await mkdir(this.dir, { recursive: true });

    let buf: Buffer;
    try {
      buf = await readFile(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const recordBytes = HASH_BYTES + 4 * dim;
    const whole = Math.floor(buf.length / recordBytes);
    for (let r = 0; r < whole; r++) {
      const off = r * recordBytes;
      const vec = new Float32Array(dim);
      // Copy rather than view: the file buffer's offset need not be 4-byte aligned.
      Buffer.from(vec.buffer).set(buf.subarray(off + HASH_BYTES, off + recordBytes));
      if (isUnitVector(vec)) this.vectors.set(buf.toString('hex', off, off + HASH_BYTES), vec);
    }
    // Cut a partial last record, otherwise every later append would be misaligned.
    if (whole * recordBytes !== buf.length) await truncate(this.file, whole * recordBytes);
  }

  private append(keys: string[], vectors: Float32Array[]): Promise<void> {
    const recordBytes = HASH_BYTES + 4 * this.dim;
    const buf = Buffer.alloc(keys.length * recordBytes);
    keys.forEach((key, i) => {
      const off = i * recordBytes;
      buf.write(key, off, HASH_BYTES, 'hex');
      const v = vectors[i];
      Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(buf, off + HASH_BYTES);
    });
    // One write per chunk: with O_APPEND it lands whole at the end even if another process appends too.
    const next = this.writes.then(() => appendFile(this.file, buf));
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function hashKey(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Rejects records damaged on disk: every stored vector was finite and L2-normalised. */
function isUnitVector(v: Float32Array): boolean {
  let sum = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) return false;
    sum += x * x;
  }
  return Math.abs(sum - 1) < 1e-3;
}
