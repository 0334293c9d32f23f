import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { DEFAULT_CHECKPOINT_POLICY, WalCheckpointer, type CheckpointPolicy } from './checkpoint.js';
import type { Db, Queryable } from './port.js';

/**
 * Embedded Postgres (WASM) with pgvector. `dir` undefined means in-memory (tests).
 * PGlite is single-connection: it queues calls itself, and a transaction holds the connection.
 */
export async function openPglite(
  dir?: string,
  opts: { sharedBuffers?: string; checkpoints?: CheckpointPolicy; onError?: (err: unknown) => void } = {},
): Promise<Db> {
  if (dir) fs.mkdirSync(dir, { recursive: true });
  // Dates stay ISO strings (YYYY-MM-DD), as the API returns them.
  // On disk only: tests open many in-memory databases, each of which would hold the whole cache.
  const startParams = dir && opts.sharedBuffers ? [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffers}`] : undefined;
  const pg = await PGlite.create({ dataDir: dir, extensions: { vector }, parsers: { 1082: (v: string) => v }, startParams });
  const wrap = (q: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await q.query<T>(sql, params as unknown[] | undefined);
      return res.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const base = wrap(pg);
  // On disk only: an in-memory database is thrown away whole.
  const checkpointer = dir ? new WalCheckpointer(base, opts.checkpoints ?? DEFAULT_CHECKPOINT_POLICY, opts.onError).start() : undefined;
  // Between calls, never inside a transaction (PGlite would wait for the transaction's own lock).
  const after = async <T>(result: T): Promise<T> => {
    await checkpointer?.poll();
    return result;
  };
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: unknown[]) {
      return after(await base.query<T>(sql, params));
    },
    async exec(sql) {
      await pg.exec(sql);
      await after(undefined);
    },
    async transaction(fn) {
      return after(await pg.transaction((tx) => fn(wrap(tx))));
    },
    async close() {
      await checkpointer?.stop();
      if (!pg.closed) await pg.close();
    },
  };
}
