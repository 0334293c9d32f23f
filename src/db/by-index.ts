import type { Db } from './port.js';
import { queryRows } from './rows.js';

/**
 * A statement the planner must answer from indexes: sequential scans are off for it alone. PGlite never
 * collects planner statistics (no autovacuum), so for a few dozen rows it may guess a large share of a table
 * and scan all of it, as it did for a question's BM25 postings (7-21 s at 500K moments) and for the cosine
 * lookup of BM25's candidates. Rows come back as JSON (queryRows).
 */
export function queryByIndex<T>(db: Db, sql: string, params: unknown[]): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.exec('SET LOCAL enable_seqscan = off');
    return queryRows<T>(tx, sql, params);
  });
}
