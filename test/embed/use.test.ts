import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { UseEmbedder } from '../../src/indexes/embed/use.js';
import { dot } from '../../src/indexes/embed/vector.js';
import { embedderContract } from '../contract/embedder.contract.js';

embedderContract('Universal Sentence Encoder (real model, one worker)', async () => ({ embedder: new UseEmbedder({ workers: 1, batchSize: 2 }) }), {
  'fails init with engine_unavailable naming what to install or set':
    'its weights ship inside node_modules, so there is no missing-model configuration to give it; a worker that cannot load them is covered below',
});

const norm = (v: Float32Array) => Math.sqrt(dot(v, v));

describe('UseEmbedder (real model, worker pool)', () => {
  // Small batches so that a dozen texts spread over both workers.
  const use = new UseEmbedder({ workers: 2, batchSize: 3 });

  beforeAll(() => use.init());
  afterAll(() => use.close());

  it('returns 512-d unit vectors in input order across the pool', async () => {
    const texts = Array.from({ length: 11 }, (_, i) => `Recording ${i}: the speaker recalls winter number ${i * 7} on the farm.`);
    const progress: number[] = [];
    const vecs = await use.embed(texts, (done, total) => {
      expect(total).toBe(11);
      progress.push(done);
    });
    expect(use.model).toBe('use-lite-512');
    expect(vecs).toHaveLength(11);
    for (const v of vecs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(progress.at(-1)).toBe(11);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    // The same texts reversed (so in other batches and workers) must give the same vectors at mirrored positions.
    const reversed = await use.embed([...texts].reverse());
    for (let i = 0; i < texts.length; i++) expect(dot(vecs[i], reversed[texts.length - 1 - i])).toBeGreaterThan(0.9999);
    expect(dot(vecs[0], vecs[1])).toBeLessThan(0.9999);
  });

  it('puts a paraphrase closer than an unrelated sentence', async () => {
    const [a, para, other] = await use.embed([
      'The river flooded the village after days of heavy rain.',
      'After several days of downpour the river overflowed and the town was under water.',
      'The committee approved the budget for new school computers.',
    ]);
    expect(dot(a, para)).toBeGreaterThan(dot(a, other) + 0.1);
  });

  it('rejects the call when the model fails inside a worker, and keeps working', async () => {
    const bad = use.embed(['fine', null as unknown as string]);
    await expect(bad).rejects.toBeInstanceOf(AppError);
    await expect(use.embed(['fine', null as unknown as string])).rejects.toThrow(/Universal Sentence Encoder failed on a batch/);
    const [v] = await use.embed(['still alive']);
    expect(v.length).toBe(512);
    expect(await use.embed([])).toEqual([]);
  });
});

describe('UseEmbedder pool failures', () => {
  const fake = new URL('./fixtures/fake-use-worker.mjs', import.meta.url);

  it('a crashing worker rejects the call instead of hanging, and is replaced', async () => {
    const pool = new UseEmbedder({ workers: 1, batchSize: 2, workerFile: fake });
    try {
      await pool.init();
      await expect(pool.embed(['a', 'b', 'crash', 'c'])).rejects.toThrow(/exited with code 1: boom/);
      const vecs = await pool.embed(['a', 'b', 'c']);
      expect(vecs).toHaveLength(3);
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a worker that cannot load the model fails init() with engine_unavailable', async () => {
    process.env.FAKE_USE_WORKER_MODE = 'init-error';
    const pool = new UseEmbedder({ workers: 2, workerFile: fake });
    try {
      const err = await pool.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('engine_unavailable');
      expect((err as AppError).message).toMatch(/weights not found/);
      expect(pool.workerCount).toBe(0);
    } finally {
      delete process.env.FAKE_USE_WORKER_MODE;
      await pool.close();
    }
  });

  it('close() terminates the workers', async () => {
    const pool = new UseEmbedder({ workers: 2, workerFile: fake });
    await pool.init();
    expect(pool.workerCount).toBe(2);
    await pool.close();
    expect(pool.workerCount).toBe(0);
  });
});
