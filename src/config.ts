import path from 'node:path';
import { z } from 'zod';

/** Empty strings in the environment mean "unset", as a shell user would expect. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const num = (def: number, min = 0) => z.coerce.number().min(min).default(def);

const schema = z.object({
  DATA_DIR: z.string().default('./data'),
  PORT: int(3000, 0),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Postgres server; unset means embedded PGlite under DATA_DIR. */
  DATABASE_URL: optionalString,
  LEXICAL_ENGINE: z.enum(['postgres', 'elasticsearch']).default('postgres'),
  ES_URL: optionalString,
  ES_INDEX_PREFIX: z.string().default('moments'),
  ES_API_KEY: optionalString,
  ES_USERNAME: optionalString,
  ES_PASSWORD: optionalString,
  BM25_K1: num(1.2),
  BM25_B: num(0.75),
  EMBEDDINGS: z.enum(['use', 'openai', 'onnx', 'none']).default('use'),
  EMBEDDING_MODEL: optionalString,
  EMBEDDING_DIM: z.coerce.number().int().positive().optional(),
  EMBEDDING_BASE_URL: optionalString,
  EMBEDDING_API_KEY: optionalString,
  EMBEDDING_MODEL_DIR: optionalString,
  EMBED_WORKERS: int(2, 1),
  EMBED_BATCH: int(16, 1),
  RRF_K: num(60, 1),
  RRF_VECTOR_WEIGHT: num(1, 0),
  MOMENT_TARGET_S: num(120, 1),
  MOMENT_MAX_S: num(150, 1),
  MOMENT_OVERLAP_S: num(30, 0),
  SAMPLE_ARCHIVE: z.enum(['on', 'off']).default('on'),
  REDIS_URL: optionalString,
  CACHE_TTL_S: int(600, 1),
  CACHE_MAX_ENTRIES: int(5000, 1),
  LLM_BASE_URL: optionalString,
  LLM_MODEL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_MODEL_PATH: optionalString,
  MAX_UPLOAD_MB: num(200, 1),
});

export type Config = z.infer<typeof schema> & { dataDir: string };

/** Validates the environment once at start; a bad value stops the process with the variable named. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const cfg = parsed.data;
  if (cfg.LEXICAL_ENGINE === 'elasticsearch' && !cfg.ES_URL) {
    throw new Error('Invalid configuration: LEXICAL_ENGINE=elasticsearch needs ES_URL');
  }
  return { ...cfg, dataDir: path.resolve(cfg.DATA_DIR) };
}
