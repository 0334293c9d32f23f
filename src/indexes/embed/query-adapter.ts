import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError, type Config, type QueryAdapter } from '../../core/index.js';
import { l2normalise } from './vector.js';

/** The file: what it maps and how it was fitted, and A (row-major, d×d float32, little-endian) in base64. */
export const QueryAdapterFile = z.object({
  model: z.string().min(1),
  dim: z.number().int().positive(),
  fitted: z.string(),
  a: z.string().min(1),
});
export type QueryAdapterFile = z.infer<typeof QueryAdapterFile>;

/** Adapters that ship with the service, by embedding model (QUERY_ADAPTER=auto). */
const SHIPPED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'adapters');
export const shippedAdapterPath = (model: string) => path.join(SHIPPED_DIR, `${model.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);

/**
 * A sentence encoder places "What did the group say about the remote's battery?" nearest to other questions and
 * to talk in the same words, not to the reply that answers it. A linear map fitted on questions with their
 * answers (u = q + A q, then unit length; scripts/eval/adapter-lab.ts) moves a question toward where answers lie.
 * The moments' stored vectors are not touched, so an adapter can be switched on, changed or off without
 * embedding the archive again.
 */
export function queryAdapterFrom(file: QueryAdapterFile, id: string): QueryAdapter {
  const bytes = Buffer.from(file.a, 'base64');
  const d = file.dim;
  if (bytes.length !== d * d * 4) throw new Error(`a query adapter for ${d}-d vectors holds ${d * d} numbers, this one ${bytes.length / 4}`);
  const a = new Float32Array(d * d);
  for (let i = 0; i < a.length; i++) a[i] = bytes.readFloatLE(i * 4);
  return {
    id,
    model: file.model,
    dim: d,
    apply(q) {
      if (q.length !== d) throw new Error(`the query adapter maps ${d}-d vectors, not ${q.length}-d`);
      const u = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let s = q[i];
        const row = i * d;
        for (let j = 0; j < d; j++) s += a[row + j] * q[j];
        u[i] = s;
      }
      return l2normalise(u);
    },
  };
}

/**
 * The adapter QUERY_ADAPTER names for this embedder: `auto` the one shipped for its model (none for a model
 * without one), `off` none, else a file's path. A file for another model or dimension is refused: its map
 * means nothing for these vectors.
 */
export function loadQueryAdapter(cfg: Pick<Config, 'QUERY_ADAPTER'>, embedder: { model: string; dim: number }): QueryAdapter | null {
  if (cfg.QUERY_ADAPTER === 'off') return null;
  const file = cfg.QUERY_ADAPTER === 'auto' ? shippedAdapterPath(embedder.model) : path.resolve(cfg.QUERY_ADAPTER);
  if (cfg.QUERY_ADAPTER === 'auto' && !fs.existsSync(file)) return null;
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('engine_unavailable', `QUERY_ADAPTER: cannot read ${file} (${(err as Error).message})`);
  }
  let parsed: QueryAdapterFile;
  try {
    parsed = QueryAdapterFile.parse(JSON.parse(raw));
  } catch (err) {
    throw new AppError('engine_unavailable', `QUERY_ADAPTER: ${file} is not a query adapter (${(err as Error).message.slice(0, 200)})`);
  }
  if (parsed.model !== embedder.model || parsed.dim !== embedder.dim) {
    throw new AppError('engine_unavailable', `QUERY_ADAPTER: ${file} maps ${parsed.model} (${parsed.dim}-d) vectors; this archive embeds with ${embedder.model} (${embedder.dim}-d)`);
  }
  return queryAdapterFrom(parsed, createHash('sha1').update(raw).digest('hex').slice(0, 12));
}
