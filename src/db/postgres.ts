import pg from 'pg';
import type { Db, Queryable } from './port.js';

// Dates stay ISO strings (YYYY-MM-DD) as in PGlite, so both adapters return the same shapes.
pg.types.setTypeParser(1082, (v) => v);
// int8 counts fit in a double for any realistic archive.
pg.types.setTypeParser(20, (v) => Number(v));

/** A Postgres server through a pool; reconnects by itself because the pool makes new connections. */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client that dies (server restart) must not crash the process.
  pool.on('error', () => {});
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const res = await c.query(sql, params);
      return res.rows as T[];
    },
  });
  const base = wrap(pool);
  return {
    kind: 'postgres',
    query: base.query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
