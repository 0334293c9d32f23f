import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { detectPooling, OnnxEmbedder } from '../../src/indexes/embed/onnx.js';
import { writeTinyBert } from './fixtures/tiny-bert.js';
import { embedderContract } from '../contract/embedder.contract.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onnx-embed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// No real sentence model is needed for the contract: a tiny but genuine ONNX model runs the same code path.
embedderContract('ONNX (tiny real model through transformers.js)', async () => {
  const dir = path.join(tmp, 'contract-tiny-minilm');
  writeTinyBert(dir, ['river', 'flood', 'budget'], [[0, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [5, 0, 0], [4, 1, 0], [0, 0, 5]]);
  return {
    embedder: new OnnxEmbedder({ dir, batchSize: 2 }),
    unavailable: { embedder: new OnnxEmbedder({ dir: path.join(tmp, 'absent', 'bge-small-en-v1.5') }), names: /npm run download-model -- bge-small-en-v1\.5/ },
  };
});

async function initError(dir: string): Promise<AppError> {
  const err = await new OnnxEmbedder({ dir }).init().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('OnnxEmbedder', () => {
  it('a missing model dir gives engine_unavailable with the download command', async () => {
    const err = await initError(path.join(tmp, 'bge-small-en-v1.5'));
    expect(err.code).toBe('engine_unavailable');
    expect(err.message).toContain('npm run download-model -- bge-small-en-v1.5');
    expect(err.message).toContain(path.join(tmp, 'bge-small-en-v1.5'));
  });

  it('names the missing file of an incomplete model dir', async () => {
    const dir = path.join(tmp, 'partial');
    mkdirSync(dir);
    expect((await initError(dir)).message).toContain(`${path.join(dir, 'config.json')} is missing`);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) writeFileSync(path.join(dir, f), '{}');
    const err = await initError(dir);
    expect(err.code).toBe('engine_unavailable');
    expect(err.message).toMatch(/has neither onnx\/model.onnx nor onnx\/model_quantized.onnx/);
  });

  it('picks pooling from 1_Pooling/config.json, else by model family', () => {
    expect(detectPooling('/nowhere/bge-small-en-v1.5')).toBe('cls');
    expect(detectPooling('/nowhere/all-MiniLM-L6-v2')).toBe('mean');
    const dir = path.join(tmp, 'all-MiniLM-with-cls');
    mkdirSync(path.join(dir, '1_Pooling'), { recursive: true });
    writeFileSync(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_cls_token: true }));
    expect(detectPooling(dir)).toBe('cls');
  });

  // A real (tiny) ONNX model through transformers.js and onnxruntime-node: token i's hidden state is row i.
  const vocab = ['river', 'flood', 'budget'];
  const table = [
    [0, 0, 0], // [PAD]
    [0, 0, 1], // [UNK]
    [1, 0, 0], // [CLS]
    [0, 1, 0], // [SEP]
    [5, 0, 0], // river
    [4, 1, 0], // flood
    [0, 0, 5], // budget
  ];
  const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));

  it('runs a local ONNX model with mean pooling, padding-aware, normalised', async () => {
    const dir = path.join(tmp, 'tiny-minilm');
    writeTinyBert(dir, vocab, table);
    const e = new OnnxEmbedder({ dir, batchSize: 2 });
    try {
      await e.init();
      expect(e.model).toBe('onnx:tiny-minilm');
      expect(e.dim).toBe(3);
      expect(e.pooling).toBe('mean');
      const progress: number[] = [];
      const [a, b, c] = await e.embed(['River flood', 'budget', 'unheard river'], (d) => progress.push(d));
      expect(progress).toEqual([2, 3]);
      // Mean over [CLS] tokens [SEP]; the shorter text is padded in its batch and the mask must exclude the padding.
      unit([10, 2, 0]).forEach((x, i) => expect(a[i]).toBeCloseTo(x, 5));
      unit([1, 1, 5]).forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
      unit([6, 1, 1]).forEach((x, i) => expect(c[i]).toBeCloseTo(x, 5));
    } finally {
      await e.close();
    }
  });

  it('uses CLS pooling when the model dir says so', async () => {
    const dir = path.join(tmp, 'tiny-cls');
    writeTinyBert(dir, vocab, table, { pooling: 'cls' });
    const e = new OnnxEmbedder({ dir });
    try {
      const [v] = await e.embed(['river flood budget']);
      expect(Array.from(v)).toEqual([1, 0, 0]);
    } finally {
      await e.close();
    }
  });
});
