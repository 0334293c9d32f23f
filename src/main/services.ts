import { type Config, type Embedder, createLogger, type FrameVectorIndex, type Logger, type QueryAdapter, type VectorIndex, type VisualEmbedder } from '../core/index.js';
import { type Services, ArchiveStore, ChapterStore, JobStore, KeyStore, RevisionStore, SpeakerStore, StageStore, UploadStore } from '../archive/index.js';
import { openDatabase, type Db, createCache, offCache, type Cache, closeBlobStore, createBlobStore, type BlobStore } from '../platform/index.js';
import { createEmbedder, createLexicalIndex, createVisualEmbedder, loadQueryAdapter, PgFrameVectorIndex, PgVectorIndex } from '../indexes/index.js';

export type { Services };

export interface ServiceOptions {
  logger?: Logger;
  /** In-memory PGlite (tests). */
  inMemoryDb?: boolean;
  /** The in-memory database starts from this dump of a migrated one (tests: one cluster made per run). */
  dbTemplate?: Blob;
  /** Replace the configured embedder (tests, scale benchmarks). */
  embedder?: Embedder | null;
  /** Replace the configured visual embedder (tests). */
  visual?: VisualEmbedder | null;
  /** Where computed vectors are kept for reuse; null disables it. Default `${DATA_DIR}/embed-cache`. */
  embedCacheDir?: string | null;
  /** Skip binding the vector index to the model (the `reembed` command does it itself). */
  skipVectorInit?: boolean;
  cache?: Cache | 'off';
  /** Replace the configured blob store (tests: a temporary folder, a loopback S3 server). */
  blobs?: BlobStore;
}

export async function openServices(cfg: Config, opts: ServiceOptions = {}): Promise<Services> {
  const log = opts.logger ?? createLogger(cfg.LOG_LEVEL);
  const db = await openDatabase(cfg, {
    inMemory: opts.inMemoryDb,
    template: opts.dbTemplate,
    onError: (err) => log.warn({ err }, 'embedded Postgres checkpoint failed'),
    owner: { onStale: (stale, file) => log.warn({ stale, file }, 'took over the embedded database from a process that is no longer running') },
  });
  try {
    return await wire(cfg, opts, log, db);
  } catch (err) {
    // The embedded database stays this process's until closed: a failed start must not keep it.
    await db.close().catch(() => {});
    throw err;
  }
}

async function wire(cfg: Config, opts: ServiceOptions, log: Logger, db: Db): Promise<Services> {
  const lexical = createLexicalIndex(cfg, db, log);
  await lexical.init();
  const embedder =
    opts.embedder !== undefined ? opts.embedder : createEmbedder(cfg, { cacheDir: opts.embedCacheDir });
  let vectors: VectorIndex | null = null;
  let queryAdapter: QueryAdapter | null = null;
  if (embedder) {
    await embedder.init();
    // After init: an OpenAI-compatible model's dimension is known only once it has been asked.
    queryAdapter = loadQueryAdapter(cfg, embedder);
    vectors = new PgVectorIndex(db);
    if (!opts.skipVectorInit) await vectors.init({ model: embedder.model, dim: embedder.dim });
  }
  const visual = opts.visual !== undefined ? opts.visual : createVisualEmbedder(cfg);
  let frameVectors: FrameVectorIndex | null = null;
  if (visual) {
    await visual.init();
    frameVectors = new PgFrameVectorIndex(db);
    await frameVectors.init({ model: visual.model, dim: visual.dim });
  }
  const cache = opts.cache === 'off' ? offCache() : (opts.cache ?? createCache(cfg, log));
  const blobs = opts.blobs ?? createBlobStore(cfg);
  return {
    cfg,
    log,
    db,
    archive: new ArchiveStore(db),
    chapters: new ChapterStore(db),
    speakers: new SpeakerStore(db),
    jobs: new JobStore(db),
    stages: new StageStore(db),
    uploads: new UploadStore(db),
    keys: new KeyStore(db),
    revisions: new RevisionStore(db),
    lexical,
    embedder,
    queryAdapter,
    vectors,
    visual,
    frameVectors,
    cache,
    blobs,
    async close() {
      await cache.close();
      await embedder?.close();
      await visual?.close();
      await lexical.close();
      await db.close();
      if (!opts.blobs) closeBlobStore(blobs);
    },
  };
}
