/** Turns text into vectors. The model name and dimension are stored with the vectors so a change is caught. */
export interface Embedder {
  /** Stable identity of the model, e.g. `use-lite-512`, `openai:text-embedding-3-small`, `onnx:bge-small-en-v1.5`. */
  readonly model: string;
  readonly dim: number;
  /** Loads the model (idempotent). Throws AppError('engine_unavailable') naming what to install or set. */
  init(): Promise<void>;
  /** One vector per text, in order, L2-normalised. `onProgress(done, total)` is called as batches finish. */
  embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * A map of a question's vector, learned so that a question lands nearer the moments that answer it (see
 * src/indexes/embed/query-adapter.ts). Applied to questions only: the moments' stored vectors are not touched.
 */
export interface QueryAdapter {
  /** Names the map (a digest of its file): part of a cached question vector's key. */
  readonly id: string;
  /** The embedding model whose vectors it maps (Embedder.model). */
  readonly model: string;
  readonly dim: number;
  /** The mapped vector, L2-normalised. */
  apply(v: Float32Array): Float32Array;
}
