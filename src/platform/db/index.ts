import path from 'node:path';
import type { Config } from '../../core/index.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';

export { loadPgliteDir } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { OwnOptions } from './owner.js';
import type { Db } from './port.js';

export type { Db, Queryable } from './port.js';
export { ArchiveLockedError, LOCK_FILE, takeOwnership, type OwnerLock, type OwnerRecord } from './owner.js';

/**
 * Opens the configured database and brings its schema up to date. The embedded one on disk is this process's
 * alone until it is closed: a second opener gets ArchiveLockedError (`archive_locked`) naming this one.
 */
export async function openDatabase(
  cfg: Pick<Config, 'DATABASE_URL' | 'dataDir'> & Partial<Pick<Config, 'PGLITE_SHARED_BUFFERS'>>,
  opts: {
    inMemory?: boolean;
    /**
     * In memory only: start from this dump of a database (Db.dumpDataDir), migrated as usual from where it stands.
     * A dump of a migrated one skips the cluster's creation and the migrations, seconds each time.
     */
    template?: Blob;
    onError?: (err: unknown) => void;
    owner?: OwnOptions;
  } = {},
): Promise<Db> {
  const db = cfg.DATABASE_URL
    ? await openPostgres(cfg.DATABASE_URL)
    : opts.inMemory
      ? await openPglite(undefined, { from: opts.template, onError: opts.onError })
      : await openPglite(path.join(cfg.dataDir, 'pg'), { sharedBuffers: cfg.PGLITE_SHARED_BUFFERS, onError: opts.onError, owner: opts.owner });
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
