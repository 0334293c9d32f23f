import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_POSTINGS_BUDGET } from './lexical-index.js';
import { problemsOf } from './validation.js';

/** '512MB', '1GB', '64kB' in megabytes. */
const sizeInMB = (v: string): number => {
  const m = /^(\d+)(kB|MB|GB)$/.exec(v);
  return m ? Number(m[1]) * { kB: 1 / 1024, MB: 1, GB: 1024 }[m[2] as 'kB' | 'MB' | 'GB'] : NaN;
};

/** Empty strings in the environment mean "unset", as a shell user would expect. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const num = (def: number, min = 0) => z.coerce.number().min(min).default(def);

const onOff = (def: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default(def)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

/**
 * The media engines' settings: read where an engine or ffmpeg is started, which is deep in the audio code and
 * in worker processes, so they have a parser of their own (`engineSettings`) besides being part of the whole
 * configuration that start-up validates.
 */
const engineSchema = z.object({
  /** pocketsphinx (offline, Debian packages), whisper (sherpa-onnx, a local model dir) or openai (an endpoint). */
  ASR_ENGINE: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim().toLowerCase() || 'pocketsphinx')
    .pipe(z.enum(['pocketsphinx', 'whisper', 'openai'])),
  /** Seconds of audio per ASR job and the overlap between neighbours (stitched by word times). */
  ASR_CHUNK_S: num(30, 1),
  ASR_OVERLAP_S: num(3, 0),
  /** A language code passed to engines that take one; unset: the recording's language, else the engine's default. */
  ASR_LANGUAGE: optionalString,
  ASR_MODEL: optionalString,
  ASR_MODEL_DIR: optionalString,
  ASR_BASE_URL: optionalString.pipe(z.string().url().optional()),
  ASR_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.string().url().optional()),
  OPENAI_API_KEY: optionalString,
  POCKETSPHINX_HMM: optionalString,
  POCKETSPHINX_LM: optionalString,
  POCKETSPHINX_DICT: optionalString,
  /** basic (pitch and energy features, no model), sherpa (pyannote + speaker embeddings, local models) or none. */
  DIARIZATION: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim().toLowerCase() || 'basic')
    .pipe(z.enum(['basic', 'sherpa', 'none'])),
  DIARIZATION_SEGMENTATION_MODEL: optionalString,
  DIARIZATION_EMBEDDING_MODEL: optionalString,
  /** ffmpeg and ffprobe binaries; unset: the ones installed from npm. */
  FFMPEG_PATH: optionalString,
  FFPROBE_PATH: optionalString,
});

export type EngineSettings = z.infer<typeof engineSchema>;

/** The engines' settings from the environment; a bad value throws naming the variable, as at start-up. */
export function engineSettings(env: Record<string, string | undefined> = process.env): EngineSettings {
  const parsed = engineSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration: ${problemsOf(parsed.error)}`);
  return parsed.data;
}

const schema = engineSchema.extend({
  DATA_DIR: z.string().default('./data'),
  PORT: int(3000, 0),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Postgres server; unset means embedded PGlite under DATA_DIR. */
  DATABASE_URL: optionalString,
  /**
   * Embedded Postgres' buffer cache. A bulk ingest inserts into term-ordered indexes at random places; once
   * they outgrow the cache nearly every insert reads a page and writes a dirty one back (BENCHMARKS "Scale").
   * PGlite's memory is 32-bit (2 GB in all) and the cache is allocated whole at start: at 2GB PGlite does not
   * start ("failed to initialize properly"), so the cache is held to 1536MB, leaving the rest for queries.
   */
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^\d+(kB|MB|GB)$/, 'a size such as 512MB')
    .refine((v) => !(sizeInMB(v) > 1536), 'at most 1536MB: PGlite has 2 GB of memory in all')
    .default('512MB'),
  LEXICAL_ENGINE: z.enum(['postgres', 'elasticsearch']).default('postgres'),
  ES_URL: optionalString,
  ES_INDEX_PREFIX: z.string().default('moments'),
  ES_API_KEY: optionalString,
  ES_USERNAME: optionalString,
  ES_PASSWORD: optionalString,
  /** The language of recordings that name none, and of questions that give no clue (en, es or de). */
  DEFAULT_LANGUAGE: z.enum(['en', 'es', 'de']).default('en'),
  BM25_K1: num(1.2),
  BM25_B: num(0.75),
  /** Postings the Postgres BM25 (embedded or server) scores in full per search; past them a question's most frequent terms only re-score the best candidates. */
  BM25_POSTINGS_BUDGET: z.coerce.number().int().positive().default(DEFAULT_POSTINGS_BUDGET),
  EMBEDDINGS: z.enum(['use', 'openai', 'onnx', 'none']).default('use'),
  EMBEDDING_MODEL: optionalString,
  EMBEDDING_DIM: z.coerce.number().int().positive().optional(),
  EMBEDDING_BASE_URL: optionalString,
  EMBEDDING_API_KEY: optionalString,
  EMBEDDING_MODEL_DIR: optionalString,
  /**
   * The languages the embedding model reads: `en` (an English-only model: questions in another language are
   * answered by the lexical leg alone) or `multilingual`. Unset: `en` for USE and a local ONNX model,
   * `multilingual` for an OpenAI-compatible endpoint.
   */
  EMBEDDING_LANGUAGES: z.enum(['en', 'multilingual']).optional(),
  /**
   * The map applied to a question's vector before it is compared with the moments' (src/indexes/embed/query-adapter.ts):
   * `auto` the one shipped for the embedding model (USE-lite has one), `off` none, or a file's path.
   */
  QUERY_ADAPTER: z.string().min(1).default('auto'),
  EMBED_WORKERS: int(2, 1),
  /** USE worker threads kept for query-time embeddings (a search's question), so a bulk ingest never delays one. */
  EMBED_QUERY_WORKERS: int(1, 0),
  EMBED_BATCH: int(16, 1),
  /** How the hybrid mode combines its legs: `score` (measured best with USE, see BENCHMARKS.md) or `rrf`. */
  FUSION: z.enum(['score', 'rrf']).default('score'),
  /** Weight of the z-scored cosine against BM25 normalised to the query's best (FUSION=score). */
  FUSION_VECTOR_WEIGHT: num(0.1, 0),
  RRF_K: num(60, 1),
  RRF_VECTOR_WEIGHT: num(1, 0),
  MOMENT_TARGET_S: num(20, 1),
  MOMENT_MAX_S: num(30, 1),
  MOMENT_OVERLAP_S: num(5, 0),
  // Video (see README "Video"): keyframes on scene changes, their on-screen text indexed as `screen` moments.
  /** Keyframes, thumbnails and on-screen text for files with a video stream. */
  VIDEO_FRAMES: onOff('on'),
  /** ffmpeg's scene-change score (0-1) above which a frame is a keyframe (the first frame always is). */
  FRAMES_SCENE_THRESHOLD: num(0.3, 0).pipe(z.number().max(1)),
  /** Keyframes are at least this many seconds apart, and at most FRAMES_PER_MINUTE fall in any minute. */
  FRAMES_MIN_GAP_S: num(2, 0),
  FRAMES_PER_MINUTE: int(12, 1),
  /** How on-screen text is read: tesseract (tesseract.js, offline language data from npm) or off. */
  OCR: z.enum(['tesseract', 'off']).default('tesseract'),
  /** Tesseract languages, '+'-joined; each needs its @tesseract.js-data/<code> package installed. */
  OCR_LANGS: z
    .string()
    .default('eng')
    .pipe(z.string().regex(/^[a-z_]+(\+[a-z_]+)*$/, 'tesseract language codes joined by +, e.g. eng or eng+deu')),
  /** Words read with less confidence (0-100) are dropped: OCR junk must not flood the index. */
  OCR_MIN_CONFIDENCE: num(60, 0).pipe(z.number().max(100)),
  /** A CLIP-style image-and-text embedder (clip: a local ONNX model dir, VISUAL_MODEL_DIR) or off. */
  VISUAL_EMBEDDINGS: z.enum(['clip', 'off']).default('off'),
  VISUAL_MODEL_DIR: optionalString,
  /** How close (cosine) a keyframe's image must be to a question's words to be shown as a matching frame. */
  VISUAL_MIN_SIMILARITY: num(0.22, -1).pipe(z.number().max(1)),
  SAMPLE_ARCHIVE: z.enum(['on', 'off']).default('on'),
  REDIS_URL: optionalString,
  CACHE_TTL_S: int(600, 1),
  CACHE_MAX_ENTRIES: int(5000, 1),
  /** The in-memory cache's size in values' bytes, whatever their number (Redis is bounded by its own maxmemory). */
  CACHE_MAX_MB: num(256, 1),
  LLM_BASE_URL: optionalString,
  LLM_MODEL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_MODEL_PATH: optionalString,
  MAX_UPLOAD_MB: num(200, 1),
  /** Longest media accepted (ffprobe's duration at upload, and the decoded length while transcribing). */
  MAX_MEDIA_HOURS: num(12, 0.001),
  /** Transcript limits, checked before anything is stored (see README "Limits"). */
  TRANSCRIPT_MAX_MB: num(20, 0.001),
  TRANSCRIPT_MAX_CUES: int(50_000, 1),
  TRANSCRIPT_MAX_CUE_WORDS: int(5_000, 1),
  // Access control and limits (see README "Access control").
  /** Search, ask and browse without an API key. */
  AUTH_PUBLIC_READ: onOff('on'),
  /** Ingest without an API key: only for a private single-user machine; never the default. */
  AUTH_PUBLIC_WRITE: onOff('off'),
  /**
   * Cost units a client may spend a minute: an API key, or an address for requests without a valid key (so
   * guessing keys is limited too). A request costs 1; an uncached search or answer costs more (below). 0 = no
   * limit. Counted in Redis when REDIS_URL is set.
   */
  RATE_LIMIT_PER_MIN: int(600, 0),
  /** Units of a search not answered from the cache, per started 100 characters of the query (a cached one costs 1). */
  RATE_COST_SEARCH: int(5, 1),
  /** Units of an answer not served from the cache (retrieval and the model; a cached one costs 1). */
  RATE_COST_ASK: int(30, 1),
  /** Server-sent event streams (job events, streamed answers) one client may hold open at once; 0 = no cap. */
  SSE_MAX_PER_CLIENT: int(4, 0),
  /** JSON request bodies (questions); file uploads are bounded by MAX_UPLOAD_MB. */
  MAX_JSON_KB: int(256, 1),
  /**
   * Folders a manifest's `transcript` / `media` paths may point into besides the manifest's own folder (comma-separated
   * absolute paths; symlinks are resolved before the check). Empty: only the manifest's folder (for an uploaded
   * manifest, only the files uploaded with it).
   */
  MEDIA_ROOTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((p) => path.isAbsolute(p), { message: 'each entry must be an absolute directory path' })))
    .transform((roots) => roots.map((p) => path.resolve(p))),
  // Jobs: the queue that runs ingestion stages (see README "Jobs and workers").
  JOB_QUEUE: z.enum(['inprocess', 'bullmq']).default('inprocess'),
  /** Redis key prefix of the BullMQ queues (tests use a unique one each). */
  JOB_QUEUE_PREFIX: z.string().trim().min(1).default('sa'),
  JOB_ATTEMPTS: int(3, 1),
  /** First retry delay; each further retry doubles it (exponential backoff). */
  JOB_BACKOFF_MS: int(2000, 0),
  /** Jobs one process runs at once; default the number of cores. */
  JOB_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** BullMQ lock on a running job; a worker that dies holding it is detected as stalled after about this long. */
  JOB_LOCK_MS: int(30000, 1000),
  /** How often a worker re-enqueues unfinished stages recorded in the database (work lost with a worker or Redis). */
  JOB_SWEEP_MS: int(60_000, 1000),
  /** On SIGTERM a worker stops taking jobs and waits this long for running ones before it exits. */
  WORKER_GRACE_MS: int(60_000, 0),
  /** With JOB_QUEUE=bullmq the API only enqueues unless this is on (then it also runs handlers). */
  WORKERS_IN_API: z.enum(['on', 'off']).default('off'),
  /** Called with POST {job, recording_id, status, error} when a job succeeds or fails. */
  WEBHOOK_URL: optionalString.pipe(z.string().url().optional()),
  // Media storage (see README "Uploading audio"): files under DATA_DIR/blobs, or an S3 bucket.
  STORAGE: z.enum(['fs', 's3']).default('fs'),
  S3_BUCKET: optionalString,
  S3_REGION: optionalString.transform((v) => v ?? 'us-east-1'),
  /** A non-AWS endpoint (MinIO, R2, s3rver); unset = AWS. */
  S3_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  /** Unset: the AWS SDK's default credential chain. */
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  /** Path-style URLs (endpoint/bucket/key), which MinIO needs. */
  S3_FORCE_PATH_STYLE: onOff('off'),
});

export type Config = z.infer<typeof schema> & { dataDir: string };

/** Every environment variable the service reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Validates the environment once at start; a bad value stops the process with the variable named. */
/** The languages the configured embedding model reads (EMBEDDING_LANGUAGES, else what its engine usually is). */
export function embeddingLanguages(cfg: Pick<Config, 'EMBEDDINGS' | 'EMBEDDING_LANGUAGES'>): 'en' | 'multilingual' {
  return cfg.EMBEDDING_LANGUAGES ?? (cfg.EMBEDDINGS === 'openai' ? 'multilingual' : 'en');
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration: ${problemsOf(parsed.error)}`);
  const cfg = parsed.data;
  if (cfg.JOB_QUEUE === 'bullmq' && !cfg.REDIS_URL) {
    throw new Error('Invalid configuration: JOB_QUEUE=bullmq needs REDIS_URL');
  }
  if (cfg.LEXICAL_ENGINE === 'elasticsearch' && !cfg.ES_URL) {
    throw new Error('Invalid configuration: LEXICAL_ENGINE=elasticsearch needs ES_URL');
  }
  if (cfg.VISUAL_EMBEDDINGS === 'clip' && !cfg.VISUAL_MODEL_DIR) {
    throw new Error('Invalid configuration: VISUAL_EMBEDDINGS=clip needs VISUAL_MODEL_DIR (a local CLIP model exported for transformers.js)');
  }
  if (cfg.STORAGE === 's3' && !cfg.S3_BUCKET) {
    throw new Error('Invalid configuration: STORAGE=s3 needs S3_BUCKET');
  }
  if (!cfg.S3_ACCESS_KEY_ID !== !cfg.S3_SECRET_ACCESS_KEY) {
    throw new Error('Invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
  }
  return { ...cfg, dataDir: path.resolve(cfg.DATA_DIR) };
}
