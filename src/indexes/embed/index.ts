import path from 'node:path';
import type { Config, Embedder } from '../../core/index.js';
import { CachedEmbedder } from './cache.js';
import { DEFAULT_ONNX_MODEL, OnnxEmbedder } from './onnx.js';
import { OpenAIEmbedder } from './openai.js';
import { UseEmbedder } from './use.js';

export type { Embedder } from '../../core/index.js';
export { CachedEmbedder } from './cache.js';
export { OnnxEmbedder } from './onnx.js';
export { OpenAIEmbedder } from './openai.js';
export { UseEmbedder } from './use.js';

export interface CreateEmbedderOptions {
  /** Directory of the on-disk vector cache; default `${dataDir}/embed-cache`, `null` disables caching. */
  cacheDir?: string | null;
}

/**
 * Builds the embedder chosen by EMBEDDINGS, or null for `none` (lexical search only).
 * Nothing is loaded here: callers call init(), which reports what is missing.
 */
export function createEmbedder(cfg: Config, opts: CreateEmbedderOptions = {}): Embedder | null {
  let inner: Embedder;
  switch (cfg.EMBEDDINGS) {
    case 'none':
      return null;
    case 'use':
      inner = new UseEmbedder({ workers: cfg.EMBED_WORKERS, queryWorkers: cfg.EMBED_QUERY_WORKERS, batchSize: cfg.EMBED_BATCH });
      break;
    case 'openai':
      inner = new OpenAIEmbedder({
        model: cfg.EMBEDDING_MODEL,
        baseURL: cfg.EMBEDDING_BASE_URL,
        apiKey: cfg.EMBEDDING_API_KEY ?? cfg.OPENAI_API_KEY,
        dim: cfg.EMBEDDING_DIM,
      });
      break;
    case 'onnx':
      inner = new OnnxEmbedder({
        dir: cfg.EMBEDDING_MODEL_DIR ?? path.join('models', DEFAULT_ONNX_MODEL),
        batchSize: cfg.EMBED_BATCH,
      });
      break;
  }
  const cacheDir = opts.cacheDir === undefined ? path.join(cfg.dataDir, 'embed-cache') : opts.cacheDir;
  return cacheDir === null ? inner : new CachedEmbedder(inner, cacheDir);
}
