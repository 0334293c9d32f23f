import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { Embedder } from '../../src/core/embedder.js';
import { dot } from '../../src/indexes/embed/vector.js';
import { contractCase, type Skips } from './cases.js';

/**
 * What every Embedder must do (src/core/embedder.ts). Run by test/embed/use.test.ts (the real model),
 * test/embed/openai.test.ts (a loopback /embeddings server), test/embed/onnx.test.ts (a tiny real ONNX model)
 * and test/embed/cache.test.ts (the on-disk cache in front of the loopback server).
 */
export const EMBEDDER_CASES = [
  'init is idempotent and fixes a positive dimension',
  'gives one vector of the dimension per text, in input order',
  'gives the same vector for the same text, alone or in any batch',
  'gives different vectors for different texts',
  'returns L2-normalised vectors',
  'returns an empty list for no texts',
  'gives a blank text a unit vector instead of failing',
  'reports progress up to (total, total)',
  'fails init with engine_unavailable naming what to install or set',
] as const;
export type EmbedderCase = (typeof EMBEDDER_CASES)[number];

export interface EmbedderSetup {
  embedder: Embedder;
  close?(): Promise<void>;
  /** The same adapter misconfigured so that its model cannot load, and what its error must name. */
  unavailable?: { embedder: Embedder; names: RegExp };
}

// Words every test model knows (the tiny ONNX model's vocabulary is river, flood, budget).
const TEXTS = ['river flood', 'budget', 'flood flood budget', 'river', 'budget river river', 'flood'];
const norm = (v: Float32Array) => Math.sqrt(dot(v, v));

export function embedderContract(name: string, setup: () => Promise<EmbedderSetup>, skips: Skips<EmbedderCase> = {}): void {
  describe(`embedder contract: ${name}`, () => {
    const test = contractCase<EmbedderCase>(skips);
    let env: EmbedderSetup;
    let e: Embedder;
    beforeAll(async () => {
      env = await setup();
      e = env.embedder;
    });
    afterAll(async () => {
      await env?.embedder.close();
      await env?.close?.();
    });

    test('init is idempotent and fixes a positive dimension', async () => {
      await Promise.all([e.init(), e.init()]);
      await e.init();
      expect(e.dim).toBeGreaterThan(0);
      expect(e.model).toMatch(/\S/);
      const dim = e.dim;
      await e.embed(['river']);
      expect(e.dim).toBe(dim);
    });

    test('gives one vector of the dimension per text, in input order', async () => {
      const vs = await e.embed(TEXTS);
      expect(vs).toHaveLength(TEXTS.length);
      for (const v of vs) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(e.dim);
      }
      const [single] = await e.embed([TEXTS[2]]);
      expect(dot(vs[2], single)).toBeGreaterThan(0.9999);
    });

    test('gives the same vector for the same text, alone or in any batch', async () => {
      const batch = await e.embed(TEXTS);
      const reversed = await e.embed([...TEXTS].reverse());
      for (let i = 0; i < TEXTS.length; i++) {
        const [alone] = await e.embed([TEXTS[i]]);
        expect(dot(batch[i], alone), TEXTS[i]).toBeGreaterThan(0.9999);
        expect(dot(batch[i], reversed[TEXTS.length - 1 - i]), TEXTS[i]).toBeGreaterThan(0.9999);
      }
    });

    test('gives different vectors for different texts', async () => {
      const [a, b, c] = await e.embed(['river', 'budget', 'flood']);
      expect(dot(a, b)).toBeLessThan(0.99);
      expect(dot(a, c)).toBeLessThan(0.99);
      expect(dot(b, c)).toBeLessThan(0.99);
    });

    test('returns L2-normalised vectors', async () => {
      for (const v of await e.embed(TEXTS)) {
        expect(v.every(Number.isFinite)).toBe(true);
        expect(norm(v)).toBeCloseTo(1, 4);
      }
    });

    test('returns an empty list for no texts', async () => {
      const progress: number[] = [];
      expect(await e.embed([], (d) => progress.push(d))).toEqual([]);
    });

    test('gives a blank text a unit vector instead of failing', async () => {
      const vs = await e.embed(['', '   ', 'river']);
      expect(vs).toHaveLength(3);
      for (const v of vs) {
        expect(v.length).toBe(e.dim);
        expect(norm(v)).toBeCloseTo(1, 4);
      }
    });

    test('reports progress up to (total, total)', async () => {
      const texts = Array.from({ length: 7 }, (_, i) => `${TEXTS[i % TEXTS.length]} ${'river '.repeat(i)}`);
      const seen: [number, number][] = [];
      await e.embed(texts, (done, total) => seen.push([done, total]));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.at(-1)).toEqual([7, 7]);
      for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
      for (const [d, t] of seen) expect(d).toBeLessThanOrEqual(t);
    });

    test('fails init with engine_unavailable naming what to install or set', async () => {
      const u = env.unavailable;
      expect(u, 'the setup gives a misconfigured embedder').toBeDefined();
      const err = await u!.embedder.init().catch((x: unknown) => x);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('engine_unavailable');
      expect((err as AppError).message).toMatch(u!.names);
      // embed() on it fails the same way rather than returning vectors.
      await expect(u!.embedder.embed(['river'])).rejects.toMatchObject({ code: 'engine_unavailable' });
      await u!.embedder.close();
    });
  });
}
