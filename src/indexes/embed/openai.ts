import OpenAI, { APIConnectionError, APIError } from 'openai';
import { redactUrls, urlHost, AppError, type Embedder } from '../../core/index.js';
import { l2normalise } from './vector.js';

/** Any OpenAI-compatible `/embeddings` endpoint: OpenAI itself, or a local server (llama.cpp, vLLM, TEI, Ollama...). */
export interface OpenAIEmbedderOptions {
  /** EMBEDDING_MODEL; required. */
  model?: string;
  /** EMBEDDING_BASE_URL, e.g. `http://127.0.0.1:8080/v1`; unset means api.openai.com. */
  baseURL?: string;
  /** EMBEDDING_API_KEY; local servers usually accept anything. */
  apiKey?: string;
  /** EMBEDDING_DIM; unset means discovered from a probe in init(). */
  dim?: number;
  /** Inputs per request (at most 256, OpenAI's limit is 2048 but smaller requests keep retries cheap). */
  batchSize?: number;
  /** Retries of the SDK for 408/409/429/5xx and connection errors, with its own backoff. */
  maxRetries?: number;
  timeoutMs?: number;
}

const MAX_BATCH = 256;

export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  private readonly modelName: string;
  private readonly configuredDim: number | undefined;
  private readonly batchSize: number;
  private readonly opts: OpenAIEmbedderOptions;
  private client: OpenAI | null = null;
  private discoveredDim = 0;
  private initPromise: Promise<void> | null = null;

  constructor(opts: OpenAIEmbedderOptions) {
    this.opts = opts;
    this.modelName = opts.model?.trim() ?? '';
    this.model = `openai:${this.modelName}`;
    this.configuredDim = opts.dim;
    this.batchSize = Math.min(MAX_BATCH, Math.max(1, opts.batchSize ?? MAX_BATCH));
  }

  /** EMBEDDING_DIM if set, else the probed dimension; 0 before init() when it has to be discovered. */
  get dim(): number {
    return this.configuredDim ?? this.discoveredDim;
  }

  init(): Promise<void> {
    this.initPromise ??= this.start().catch((err: unknown) => {
      this.initPromise = null;
      throw err;
    });
    return this.initPromise;
  }

  private async start(): Promise<void> {
    if (!this.modelName) {
      throw new AppError(
        'engine_unavailable',
        'EMBEDDINGS=openai needs EMBEDDING_MODEL (e.g. text-embedding-3-small, or the model name your server serves)',
      );
    }
    const apiKey = this.opts.apiKey ?? (this.opts.baseURL ? 'unused' : undefined);
    if (!apiKey) {
      throw new AppError(
        'engine_unavailable',
        'EMBEDDINGS=openai without EMBEDDING_BASE_URL talks to api.openai.com and needs EMBEDDING_API_KEY',
      );
    }
    this.client = new OpenAI({
      apiKey,
      baseURL: this.opts.baseURL,
      maxRetries: this.opts.maxRetries ?? 3,
      timeout: this.opts.timeoutMs ?? 60_000,
    });
    // The probe both checks the endpoint and learns or verifies the dimension before anything is stored.
    const [probe] = await this.request(['dimension probe']);
    if (this.configuredDim === undefined) this.discoveredDim = probe.length;
  }

  async embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.init();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      out.push(...(await this.request(texts.slice(start, start + this.batchSize))));
      onProgress?.(out.length, texts.length);
    }
    return out;
  }

  async close(): Promise<void> {
    this.client = null;
    this.initPromise = null;
  }

  private async request(inputs: string[]): Promise<Float32Array[]> {
    const client = this.client;
    if (!client) throw new AppError('engine_unavailable', 'OpenAI-compatible embedder is closed');
    // The host alone: these messages reach the log and, through a search's warnings, its users.
    const where = this.opts.baseURL ? urlHost(this.opts.baseURL) : 'api.openai.com';
    let res: OpenAI.CreateEmbeddingResponse;
    try {
      res = await client.embeddings.create({
        model: this.modelName,
        // The API rejects empty strings; a blank passage gets the embedding of a space instead.
        input: inputs.map((t) => (t.trim() === '' ? ' ' : t)),
        // Ask for plain floats: the SDK's default (base64) is not implemented by every compatible server.
        encoding_format: 'float',
        // Only OpenAI's v3 models can shorten their output; other servers may reject the field.
        ...(this.configuredDim !== undefined && this.modelName.startsWith('text-embedding-3')
          ? { dimensions: this.configuredDim }
          : {}),
      });
    } catch (err) {
      throw upstreamError(err, where, this.modelName);
    }
    const data = res?.data;
    if (!Array.isArray(data) || data.length !== inputs.length) {
      throw new AppError(
        'upstream_error',
        `Embedding endpoint ${where} returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${inputs.length} inputs`,
      );
    }
    // Servers may answer out of order; `index` is authoritative.
    const sorted = [...data].sort((a, b) => a.index - b.index);
    const expected = this.dim;
    return sorted.map((d) => {
      const values = d.embedding as unknown;
      if (!Array.isArray(values) || values.length === 0) {
        throw new AppError('upstream_error', `Embedding endpoint ${where} returned a malformed embedding`);
      }
      if (expected > 0 && values.length !== expected) {
        throw new AppError(
          'upstream_error',
          `Embedding endpoint ${where} returned ${values.length}-d vectors for ${this.modelName}, expected ${expected}` +
            (this.configuredDim !== undefined ? ' (EMBEDDING_DIM)' : ''),
        );
      }
      return l2normalise(values as number[]);
    });
  }
}

function upstreamError(err: unknown, where: string, model: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof APIConnectionError) {
    return new AppError('engine_unavailable', `Cannot reach the embedding endpoint ${where}: ${redactUrls(err.message)}`);
  }
  if (err instanceof APIError) {
    return new AppError(
      'upstream_error',
      `Embedding endpoint ${where} answered ${err.status ?? 'an error'} for model ${model}: ${err.message}`,
      { status: err.status },
    );
  }
  return new AppError('upstream_error', `Embedding request to ${where} failed: ${redactUrls(String(err))}`);
}
