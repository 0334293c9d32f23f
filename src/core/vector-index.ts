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
  /**
   * Sets the speakers of some of a recording's moments (a speaker was named or merged): their vectors stay as
   * they are, as the speaker is not part of the embedded text. Moments not stored are left out.
   */
  setSpeakers(recordingId: string, items: { momentId: string; speakers: string[] }[]): Promise<void>;
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
  /**
   * Reclaims what replaced and deleted vectors leave behind (dead rows, and their places in the
   * nearest-neighbour graphs), which searches otherwise still read: after a bulk re-ingest or re-embedding.
   * Minutes on a large index; searches give the same results after it.
   */
  compact(): Promise<void>;
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

/** A keyframe's image vector (a VisualEmbedder's), stored beside its recording. */
export interface FrameVectorItem {
  /** The keyframe's position in its recording, from 0 (as in /v1/recordings/:id/frames). */
  n: number;
  /** The frame's time (seconds). */
  at: number;
  vector: Float32Array;
}

export interface FrameVectorHit {
  recordingId: string;
  n: number;
  at: number;
  /** Cosine similarity of the frame's image to the searched text, in [-1, 1]. */
  score: number;
}

/**
 * Nearest keyframes to a text, in a visual model's image-and-text space (VISUAL_EMBEDDINGS). Adapter:
 * `src/indexes/vector/frames.ts` (pgvector, PGlite or a server). Each row names its model, so vectors of another
 * model are never compared with the query's.
 */
export interface FrameVectorIndex {
  init(model: EmbeddingModelInfo): Promise<void>;
  replaceRecording(recordingId: string, items: FrameVectorItem[]): Promise<void>;
  search(vector: Float32Array, filters: Pick<SearchFilters, 'recordingId' | 'collection' | 'from' | 'to'>, limit: number): Promise<FrameVectorHit[]>;
  count(): Promise<number>;
}
