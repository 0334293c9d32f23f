import type { Config } from '../core/config.js';
import type { Embedder } from '../core/embedder.js';
import type { LexicalIndex } from '../core/lexical-index.js';
import type { Logger } from '../core/log.js';
import type { VectorIndex } from '../core/vector-index.js';
import type { Cache } from '../platform/cache/port.js';
import type { Db } from '../platform/db/port.js';
import type { BlobStore } from '../platform/storage/port.js';
import type { ArchiveStore } from './archive.js';

/** Everything a request or an ingest needs, wired from config by openServices (src/main/services.ts). One per process. */
export interface Services {
  cfg: Config;
  log: Logger;
  db: Db;
  archive: ArchiveStore;
  lexical: LexicalIndex;
  /** null when EMBEDDINGS=none: search runs BM25 only. */
  embedder: Embedder | null;
  vectors: VectorIndex | null;
  cache: Cache;
  /** Media files and pipeline artefacts (STORAGE: DATA_DIR/blobs or S3). */
  blobs: BlobStore;
  close(): Promise<void>;
}
