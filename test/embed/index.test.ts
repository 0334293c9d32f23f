import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { CachedEmbedder, createEmbedder, OnnxEmbedder, OpenAIEmbedder, UseEmbedder } from '../../src/indexes/embed/index.js';

describe('createEmbedder', () => {
  it('returns null for EMBEDDINGS=none', () => {
    expect(createEmbedder(loadConfig({ EMBEDDINGS: 'none' }))).toBeNull();
  });

  it('wraps the chosen adapter in a cache under DATA_DIR unless told otherwise', () => {
    const cfg = loadConfig({ EMBEDDINGS: 'use', DATA_DIR: '/tmp/speech-data', EMBED_WORKERS: '3' });
    const e = createEmbedder(cfg);
    expect(e).toBeInstanceOf(CachedEmbedder);
    const cached = e as CachedEmbedder;
    expect(cached.dir).toBe(path.resolve('/tmp/speech-data/embed-cache'));
    expect(cached.inner).toBeInstanceOf(UseEmbedder);
    expect(cached.model).toBe('use-lite-512');
    expect(cached.dim).toBe(512);

    expect(createEmbedder(cfg, { cacheDir: '/tmp/elsewhere' })).toHaveProperty('dir', '/tmp/elsewhere');
    expect(createEmbedder(cfg, { cacheDir: null })).toBeInstanceOf(UseEmbedder);
  });

  it('builds the openai and onnx adapters from the environment', () => {
    const openai = createEmbedder(
      loadConfig({ EMBEDDINGS: 'openai', EMBEDDING_MODEL: 'text-embedding-3-small', EMBEDDING_DIM: '256' }),
      { cacheDir: null },
    );
    expect(openai).toBeInstanceOf(OpenAIEmbedder);
    expect(openai?.model).toBe('openai:text-embedding-3-small');
    expect(openai?.dim).toBe(256);

    const onnx = createEmbedder(loadConfig({ EMBEDDINGS: 'onnx' }), { cacheDir: null });
    expect(onnx).toBeInstanceOf(OnnxEmbedder);
    expect(onnx?.model).toBe('onnx:bge-small-en-v1.5');
    const custom = createEmbedder(loadConfig({ EMBEDDINGS: 'onnx', EMBEDDING_MODEL_DIR: './models/all-MiniLM-L6-v2' }), {
      cacheDir: null,
    });
    expect(custom?.model).toBe('onnx:all-MiniLM-L6-v2');
  });
});
