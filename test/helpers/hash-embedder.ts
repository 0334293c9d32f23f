import { createHash } from 'node:crypto';
import type { Embedder } from '../../src/core/embedder.js';

/**
 * A cheap deterministic embedder for tests: a hashed bag of the words of four letters or more, so texts that
 * share words are close. `down` makes it fail like an unreachable embedding service.
 */
export class HashEmbedder implements Embedder {
  readonly model = 'test-hash-64';
  readonly dim = 64;
  down = false;
  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 (embedding service)'), { code: 'ECONNREFUSED' });
    return texts.map((t) => {
      const v = new Float32Array(this.dim);
      for (const w of t.toLowerCase().match(/\p{L}{4,}/gu) ?? []) v[createHash('md5').update(w).digest()[0] % this.dim] += 1;
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  }
}
