import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError, type Embedder } from '../../core/index.js';
import { l2normalise } from './vector.js';

/**
 * A local sentence-embedding model (transformers.js export: config.json, tokenizer files, onnx/model*.onnx)
 * run through `@huggingface/transformers` on onnxruntime-node. Never touches the network.
 */
export type Pooling = 'cls' | 'mean' | 'last_token';

export interface OnnxEmbedderOptions {
  /** EMBEDDING_MODEL_DIR, e.g. ./models/bge-small-en-v1.5 */
  dir: string;
  /** Overrides the pooling read from the model dir or guessed from its name. */
  pooling?: Pooling;
  /** Texts per forward pass (EMBED_BATCH); padding makes very large batches wasteful. */
  batchSize?: number;
}

export const DEFAULT_ONNX_MODEL = 'bge-small-en-v1.5';
const DOWNLOAD_HINT = `run \`npm run download-model -- ${DEFAULT_ONNX_MODEL}\` on a machine with internet`;
const ONNX_FILES = ['onnx/model.onnx', 'onnx/model_quantized.onnx'] as const;

type Extractor = (
  texts: string[],
  opts: { pooling: Pooling; normalize: boolean },
) => Promise<{ data: ArrayLike<number>; dims: number[]; dispose?: () => void }>;

export class OnnxEmbedder implements Embedder {
  readonly model: string;
  readonly dir: string;
  private readonly batchSize: number;
  private readonly poolingOverride: Pooling | undefined;
  private extractor: (Extractor & { dispose?: () => Promise<void> }) | null = null;
  private _dim = 0;
  private _pooling: Pooling | undefined;
  private initPromise: Promise<void> | null = null;

  constructor(opts: OnnxEmbedderOptions) {
    this.dir = path.resolve(opts.dir);
    this.model = `onnx:${path.basename(this.dir)}`;
    this.batchSize = Math.max(1, opts.batchSize ?? 16);
    this.poolingOverride = opts.pooling;
  }

  /** Hidden size of the model; 0 before init(). */
  get dim(): number {
    return this._dim;
  }

  get pooling(): Pooling | undefined {
    return this._pooling;
  }

  init(): Promise<void> {
    this.initPromise ??= this.load().catch((err: unknown) => {
      this.initPromise = null;
      throw err;
    });
    return this.initPromise;
  }

  private async load(): Promise<void> {
    const onnxFile = checkModelDir(this.dir);
    this._pooling = this.poolingOverride ?? detectPooling(this.dir);
    // Imported lazily: onnxruntime-node is a native addon, and a machine where it cannot load must still
    // run everything that does not use this adapter.
    let transformers: typeof import('@huggingface/transformers');
    try {
      transformers = await import('@huggingface/transformers');
    } catch (err) {
      throw new AppError(
        'engine_unavailable',
        `EMBEDDINGS=onnx needs @huggingface/transformers with a working onnxruntime-node (${errorText(err)}); ` +
          'run `npm ci`, or choose EMBEDDINGS=use',
      );
    }
    const { env, pipeline } = transformers;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    try {
      // An absolute path is not a valid hub id, so transformers.js reads it as a directory as-is.
      const extractor = await pipeline('feature-extraction', this.dir, {
        local_files_only: true,
        dtype: onnxFile === 'onnx/model.onnx' ? 'fp32' : 'q8',
        device: 'cpu',
      });
      this.extractor = extractor as unknown as Extractor & { dispose?: () => Promise<void> };
    } catch (err) {
      throw new AppError('engine_unavailable', `Cannot load the ONNX model in ${this.dir}: ${errorText(err)}`);
    }
    const [probe] = await this.run(['dimension probe']);
    this._dim = probe.length;
  }

  async embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.init();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      out.push(...(await this.run(texts.slice(start, start + this.batchSize))));
      onProgress?.(out.length, texts.length);
    }
    return out;
  }

  async close(): Promise<void> {
    const ex = this.extractor;
    this.extractor = null;
    this.initPromise = null;
    await ex?.dispose?.();
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    const extractor = this.extractor;
    if (!extractor) throw new AppError('engine_unavailable', `ONNX embedder ${this.model} is closed`);
    let tensor: Awaited<ReturnType<Extractor>>;
    try {
      // Passages need no instruction prefix (bge's prefix is for queries only).
      tensor = await extractor(texts, { pooling: this._pooling ?? 'mean', normalize: false });
    } catch (err) {
      throw new AppError('internal', `ONNX model ${this.model} failed on ${texts.length} text(s): ${errorText(err)}`);
    }
    const [n, d] = tensor.dims;
    const out: Float32Array[] = [];
    // Normalised here in float64 rather than by the pipeline, so every adapter normalises the same way.
    for (let i = 0; i < n; i++) out.push(l2normalise(Array.prototype.slice.call(tensor.data, i * d, (i + 1) * d)));
    tensor.dispose?.();
    return out;
  }
}

/** Checks the files transformers.js needs; returns the ONNX file to use (full precision preferred). */
export function checkModelDir(dir: string): (typeof ONNX_FILES)[number] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AppError('engine_unavailable', `EMBEDDINGS=onnx: model directory ${dir} does not exist; ${DOWNLOAD_HINT}`);
  }
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(path.join(dir, f))) {
      throw new AppError('engine_unavailable', `EMBEDDINGS=onnx: ${path.join(dir, f)} is missing; ${DOWNLOAD_HINT}`);
    }
  }
  const found = ONNX_FILES.find((f) => existsSync(path.join(dir, f)));
  if (!found) {
    throw new AppError(
      'engine_unavailable',
      `EMBEDDINGS=onnx: ${dir} has neither ${ONNX_FILES.join(' nor ')}; ${DOWNLOAD_HINT}`,
    );
  }
  return found;
}

/**
 * The pooling the model was trained with: sentence-transformers' 1_Pooling/config.json when shipped,
 * else by family name (bge, arctic-embed and mxbai use the CLS token; MiniLM, e5, gte, nomic use the mean).
 */
export function detectPooling(dir: string): Pooling {
  try {
    const cfg = JSON.parse(readFileSync(path.join(dir, '1_Pooling', 'config.json'), 'utf8')) as Record<string, unknown>;
    if (cfg.pooling_mode_cls_token) return 'cls';
    if (cfg.pooling_mode_lasttoken) return 'last_token';
    if (cfg.pooling_mode_mean_tokens) return 'mean';
  } catch {
    // No sentence-transformers metadata: fall back to the name.
  }
  return /bge|arctic-embed|mxbai-embed/i.test(path.basename(dir)) ? 'cls' : 'mean';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
