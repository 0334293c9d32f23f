import type { Queryable } from './port.js';

/**
 * The rows of a query, fetched as one JSON array in one row. PGlite hands every result row through its
 * JavaScript protocol parser, one message and one text decoding per field: 50 two-column rows took 0.44 ms
 * against 0.22 ms as JSON, and 30 moments with their recordings 1.34 against 1.09 ms (best of 7 × 100). A
 * search reads its BM25 candidates, their cosines and its moments this way. Row order is the query's own.
 */
export async function queryRows<T>(q: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  const [row] = await q.query<{ rows: T[] }>(`SELECT coalesce(json_agg(r), '[]'::json) AS rows FROM (${sql}) r`, params);
  return row?.rows ?? [];
}
