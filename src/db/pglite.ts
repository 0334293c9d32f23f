import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db, Queryable } from './port.js';

/**
 * Embedded Postgres (WASM) with pgvector. `dir` undefined means in-memory (tests).
 * PGlite is single-connection: it queues calls itself, and a transaction holds the connection.
 */
export async function openPglite(dir?: string): Promise<Db> {
  if (dir) fs.mkdirSync(dir, { recursive: true });
  // Dates stay ISO strings (YYYY-MM-DD), as the API returns them.
  const pg = await PGlite.create({ dataDir: dir, extensions: { vector }, parsers: { 1082: (v: string) => v } });
  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await q.query<T>(sql, params as unknown[] | undefined);
      return res.rows;
    },
  });
  const base = wrap(pg);
  return {
    kind: 'pglite',
    query: base.query,
    async exec(sql) {
      await pg.exec(sql);
    },
    async transaction(fn) {
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
