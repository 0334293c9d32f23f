import path from 'node:path';
import type { Config } from '../config.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Db } from './port.js';

export type { Db, Queryable } from './port.js';

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(cfg: Pick<Config, 'DATABASE_URL' | 'dataDir'> & Partial<Pick<Config, 'PGLITE_SHARED_BUFFERS'>>, opts: { inMemory?: boolean; onError?: (err: unknown) => void } = {}): Promise<Db> {
  const db = cfg.DATABASE_URL
    ? await openPostgres(cfg.DATABASE_URL)
    : await openPglite(opts.inMemory ? undefined : path.join(cfg.dataDir, 'pg'), { sharedBuffers: cfg.PGLITE_SHARED_BUFFERS, onError: opts.onError });
  await migrate(db);
  return db;
}
