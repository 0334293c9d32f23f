import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { LaneGate } from './lanes.js';
import { DEFAULT_CHECKPOINT_POLICY, WalCheckpointer, type CheckpointPolicy } from './checkpoint.js';
import { LOCK_FILE, takeOwnership, type OwnOptions } from './owner.js';
import { PgliteStatements } from './pglite-prepared.js';
import type { Db, Queryable } from './port.js';
import { jsonRows, jsonRowsSql } from './rows.js';

/**
 * Embedded Postgres (WASM) with pgvector. `dir` undefined means in-memory (tests).
 * PGlite is single-connection: it queues calls itself, and a transaction holds the connection; query-time calls
 * go ahead of background ones (src/platform/db/lanes.ts).
 * A directory on disk has one owner at a time (src/platform/db/owner.ts): while this process has it open, another
 * opener gets `archive_locked` naming this one.
 */
export async function openPglite(
  dir?: string,
  opts: {
    sharedBuffers?: string;
    checkpoints?: CheckpointPolicy;
    onError?: (err: unknown) => void;
    statementLimit?: number;
    owner?: OwnOptions;
    /** In memory only: start from this dump (dumpDataDir) instead of an empty cluster. */
    from?: Blob;
  } = {},
): Promise<Db> {
  if (dir && opts.from) throw new Error('openPglite: a dump is loaded into an in-memory database only (loadPgliteDir fills a directory)');
  // (takeOwnership makes the directory)
  const owner = dir ? takeOwnership(dir, opts.owner) : undefined;
  // Dates stay ISO strings (YYYY-MM-DD), as the API returns them.
  // On disk only: tests open many in-memory databases, each of which would hold the whole cache.
  const startParams = dir && opts.sharedBuffers ? [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffers}`] : undefined;
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir: dir, loadDataDir: opts.from, extensions: { vector }, parsers: { 1082: (v: string) => v }, startParams });
  } catch (err) {
    owner?.release();
    throw err;
  }
  const statements = new PgliteStatements(pg, opts.statementLimit);
  const wrap = (q: { query: PGlite['query']; exec: PGlite['exec'] }, inTransaction: boolean): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await q.query<T>(sql, params as unknown[] | undefined);
      return res.rows;
    },
    async queryRows<T>(sql: string, params: unknown[]) {
      const wrapped = jsonRowsSql(sql);
      const prepared = await statements.run(wrapped, params, inTransaction);
      if (prepared) return jsonRows<T>(prepared[0]);
      const res = await q.query<{ rows: unknown }>(wrapped, params);
      return jsonRows<T>(res.rows[0]?.rows);
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const base = wrap(pg, false);
  // On disk only: an in-memory database is thrown away whole.
  const checkpointer = dir ? new WalCheckpointer(base, opts.checkpoints ?? DEFAULT_CHECKPOINT_POLICY, opts.onError).start() : undefined;
  // Between calls, never inside a transaction (PGlite would wait for the transaction's own lock).
  const after = async <T>(result: T): Promise<T> => {
    await checkpointer?.poll();
    return result;
  };
  const gate = new LaneGate();
  return {
    kind: 'pglite',
    owner,
    async query<T>(sql: string, params?: unknown[]) {
      return after(await gate.run(() => base.query<T>(sql, params)));
    },
    async queryRows<T>(sql: string, params: unknown[]) {
      return after(await gate.run(() => base.queryRows<T>(sql, params)));
    },
    async exec(sql) {
      await gate.run(() => pg.exec(sql));
      await after(undefined);
    },
    async transaction(fn) {
      // Statements inside hold the connection already: only the transaction as a whole takes its turn.
      return after(await gate.run(() => pg.transaction((tx) => fn(wrap(tx, true)))));
    },
    async dumpDataDir() {
      return gate.run(async () => {
        // Flushed first, so the copy starts without WAL to replay.
        await pg.exec('CHECKPOINT');
        // Within a transaction of its own: PGlite runs one at a time, so none is halfway while the files are read.
        return pg.transaction(() => pg.dumpDataDir('none'));
      });
    },
    async close() {
      try {
        await checkpointer?.stop();
        if (!pg.closed) await pg.close();
      } finally {
        owner?.release();
      }
    },
  };
}

/**
 * Creates the data directory `dir` (empty or absent) from a tar made by dumpDataDir, and closes it again. The
 * owner lock the tar may hold (its source's) is removed: the directory is the caller's to hand over.
 */
export async function loadPgliteDir(dir: string, tarball: Blob): Promise<void> {
  const pg = await PGlite.create({ dataDir: dir, loadDataDir: tarball, extensions: { vector } });
  await pg.close();
  fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
}
