import pg from 'pg';
import { AppError } from '../../core/index.js';
import type { Db, Queryable } from './port.js';
import { jsonRows, jsonRowsSql, statementName } from './rows.js';

// Dates stay ISO strings (YYYY-MM-DD) as in PGlite, so both adapters return the same shapes.
pg.types.setTypeParser(1082, (v) => v);
// int8 counts fit in a double for any realistic archive.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Errors that mean the server is away (refused, reset, shutting down, starting up, connect timeout), not that
 * the statement is wrong. SQLSTATE class 08 is connection exceptions; 57P01-57P03 are shutdown and start-up.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[123]$/.test(code))) return true;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i.test(err.message);
}

/** A connection error as the 503 the HTTP layer answers (the cause is kept for the log, not shown to clients). */
function unavailable(err: unknown): unknown {
  if (!isConnectionError(err)) return err;
  return new AppError('engine_unavailable', 'the database is unavailable; try again shortly', { engine: 'postgres', cause: (err as Error).message });
}

/**
 * A Postgres server through a pool; reconnects by itself because the pool makes new connections. While the
 * server is away every call fails within `connectTimeoutMs` as engine_unavailable (503); clients broken by the
 * outage are discarded by the pool, so the first calls after the server returns succeed.
 */
export async function openPostgres(url: string, opts: { max?: number; connectTimeoutMs?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000 });
  // An idle client that dies (server restart) must not crash the process.
  pool.on('error', () => {});
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      try {
        const res = await c.query(sql, params);
        return res.rows as T[];
      } catch (err) {
        throw unavailable(err);
      }
    },
    async queryRows<T>(sql: string, params: unknown[]) {
      // Named: node-postgres prepares it once on each pooled connection.
      const text = jsonRowsSql(sql);
      try {
        const res = await c.query<{ rows: unknown }>({ name: statementName(text), text, values: params });
        return jsonRows<T>(res.rows[0]?.rows);
      } catch (err) {
        throw unavailable(err);
      }
    },
    async exec(sql: string) {
      // Without parameters node-postgres uses the simple protocol, which runs several statements.
      await c.query(sql).catch((err: unknown) => {
        throw unavailable(err);
      });
    },
  });
  const base = wrap(pool);
  return {
    kind: 'postgres',
    query: base.query,
    queryRows: base.queryRows,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect().catch((err: unknown) => {
        throw unavailable(err);
      });
      let broken: Error | undefined;
      // The pool listens for errors on idle clients only: a connection that dies while this transaction holds
      // it (the server stopped between two statements) would otherwise be an uncaught 'error' event.
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        // A connection lost mid-transaction is not handed back to the pool (release(err) destroys it).
        if (isConnectionError(err) || (err instanceof AppError && err.code === 'engine_unavailable')) broken = err as Error;
        else await client.query('ROLLBACK').catch(() => {});
        throw unavailable(err);
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
