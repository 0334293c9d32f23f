/**
 * The visual (CLIP) embedder. No visual model ships with the archive: the model test runs only when
 * VISUAL_MODEL_DIR (or models/clip-vit-base-patch32) holds a transformers.js CLIP export, and is skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { AppError } from '../../src/core/errors.js';
import { ClipEmbedder, createVisualEmbedder } from '../../src/indexes/embed/visual.js';
import { ffmpegPath } from '../../src/ingest/audio/decode.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'clip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MODEL_DIR = process.env.VISUAL_MODEL_DIR ?? path.resolve('models/clip-vit-base-patch32');
const HAVE_MODEL = existsSync(path.join(MODEL_DIR, 'config.json'));

const initError = async (dir: string) => {
  const err = await new ClipEmbedder({ dir }).init().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('engine_unavailable');
  return (err as AppError).message;
};

describe('visual embedder: configuration', () => {
  it('is off by default, and clip needs VISUAL_MODEL_DIR', () => {
    expect(createVisualEmbedder(loadConfig({}))).toBeNull();
    expect(() => loadConfig({ VISUAL_EMBEDDINGS: 'clip' })).toThrow(/VISUAL_MODEL_DIR/);
    const e = createVisualEmbedder(loadConfig({ VISUAL_EMBEDDINGS: 'clip', VISUAL_MODEL_DIR: '/models/clip-vit-base-patch32' }));
    expect(e?.model).toBe('clip:clip-vit-base-patch32');
  });

  it('names what is missing from a model directory', async () => {
    expect(await initError(path.join(tmp, 'absent'))).toMatch(/does not exist \(VISUAL_MODEL_DIR\); no visual model ships/);
    const dir = path.join(tmp, 'partial');
    mkdirSync(path.join(dir, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'preprocessor_config.json']) writeFileSync(path.join(dir, f), '{}');
    expect(await initError(dir)).toMatch(/has neither onnx\/text_model\.onnx \+ onnx\/vision_model\.onnx/);
  });
});

describe.skipIf(!HAVE_MODEL)(`visual embedder: a real CLIP model (${HAVE_MODEL ? MODEL_DIR : `skipped: no model in ${MODEL_DIR}; set VISUAL_MODEL_DIR to a transformers.js CLIP export`})`, () => {
  it('puts an image nearer the text that describes it', async () => {
    const image = (colour: string) => {
      const f = path.join(tmp, `${colour}.png`);
      execFileSync(ffmpegPath(), ['-nostdin', '-y', '-v', 'error', '-f', 'lavfi', '-i', `color=c=${colour}:s=224x224:d=1`, '-frames:v', '1', f]);
      return f;
    };
    const clip = new ClipEmbedder({ dir: MODEL_DIR });
    try {
      const [red, blue] = await clip.embedImages([image('red'), image('blue')]);
      const [tRed, tBlue] = await clip.embedTexts(['a plain red picture', 'a plain blue picture']);
      expect(red.length).toBe(clip.dim);
      const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
      expect(dot(red, tRed)).toBeGreaterThan(dot(red, tBlue));
      expect(dot(blue, tBlue)).toBeGreaterThan(dot(blue, tRed));
    } finally {
      await clip.close();
    }
  }, 120_000);
});
