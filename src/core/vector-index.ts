import type { MomentKind, SearchFilters } from './domain.js';

export interface VectorItem {
  momentId: string;
  recordingId: string;
  recordedAt: string | null;
  collection: string | null;
  speakers: string[];
  vector: Float32Array;
  /** Absent: 'speech'. */
  kind?: MomentKind;
}

export interface VectorHit {
  momentId: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

export interface EmbeddingModelInfo {
  model: string;
  dim: number;
}

/** Nearest-neighbour search over moment embeddings. Adapter: `src/indexes/vector/pgvector.ts` (PGlite or a server). */
export interface VectorIndex {
  /** Binds the index to a model; a different stored model raises AppError('embedding_model_mismatch'). */
  init(model: EmbeddingModelInfo): Promise<void>;
  replaceRecording(recordingId: string, items: VectorItem[]): Promise<void>;
  deleteRecording(recordingId: string): Promise<void>;
  search(vector: Float32Array, filters: SearchFilters, limit: number): Promise<VectorHit[]>;
  /**
   * Cosine similarity of the given moments to the vector (moments without an embedding are left out). `dates`,
   * the search's date range, lets the index look only where those moments can be (a routed question's
   * partitions); moments outside it are left out too.
   */
  similarities(vector: Float32Array, momentIds: string[], dates?: Pick<SearchFilters, 'from' | 'to'>): Promise<Map<string, number>>;
  /** Starts building vectors of `model` beside the served ones (re-embedding); search is not affected until swap(). */
  rebuild(model: EmbeddingModelInfo): Promise<VectorRebuild>;
  /** Drops every vector and forgets the model, so another model can be bound. */
  reset(): Promise<void>;
  count(): Promise<number>;
}

/** Vectors of another model being built beside the served ones (VectorIndex.rebuild). */
export interface VectorRebuild {
  readonly model: EmbeddingModelInfo;
  /** Writes (or replaces) the recording's new vectors. */
  add(recordingId: string, items: VectorItem[]): Promise<void>;
  /** Serves the new vectors and binds the index to the new model, in one transaction; the old vectors are dropped. */
  swap(): Promise<void>;
  /** Drops what was built; the served vectors stay as they were. */
  abandon(): Promise<void>;
}
