import type { Config, Embedder, FrameVectorIndex, LexicalIndex, Logger, QueryAdapter, VectorIndex, VisualEmbedder } from '../core/index.js';
import type { Cache, Db, BlobStore } from '../platform/index.js';
import type { ArchiveStore } from './archive.js';
import type { ChapterStore } from './chapters.js';
import type { JobStore } from './jobs.js';
import type { KeyStore } from './keys.js';
import type { RevisionStore } from './revisions.js';
import type { SpeakerStore } from './speakers.js';
import type { StageStore } from './stages.js';
import type { UploadStore } from './uploads.js';

/** Everything a request or an ingest needs, wired from config by openServices (src/main/services.ts). One per process. */
export interface Services {
  cfg: Config;
  log: Logger;
  /** For the stores and the composition (src/main) only: everything else goes through a store. */
  db: Db;
  archive: ArchiveStore;
  chapters: ChapterStore;
  /** Names given to speaker labels, and the archive's speakers. */
  speakers: SpeakerStore;
  /** Job state (the jobs table); the ingest pipeline's stages are in `stages`. */
  jobs: JobStore;
  stages: StageStore;
  uploads: UploadStore;
  /** API keys and the audit log. */
  keys: KeyStore;
  /** Corrections of recordings and transcript lines, with their history. */
  revisions: RevisionStore;
  lexical: LexicalIndex;
  /** null when EMBEDDINGS=none: search runs BM25 only. */
  embedder: Embedder | null;
  /** The map applied to a question's vector (QUERY_ADAPTER); null for none. */
  queryAdapter: QueryAdapter | null;
  vectors: VectorIndex | null;
  /** null unless VISUAL_EMBEDDINGS is set: keyframes are then embedded as images and found by a question's words. */
  visual: VisualEmbedder | null;
  frameVectors: FrameVectorIndex | null;
  cache: Cache;
  /** Media files and pipeline artefacts (STORAGE: DATA_DIR/blobs or S3). */
  blobs: BlobStore;
  close(): Promise<void>;
}
