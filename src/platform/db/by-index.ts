import type { Db, Queryable } from './port.js';

const BY_INDEX = 'SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan';

/**
 * A statement the planner must answer from indexes: sequential scans are off for it alone. PGlite never
 * collects planner statistics (no autovacuum), so for a few dozen rows it may guess a large share of a table
 * and scan all of it, as it did for a question's BM25 postings (7-21 s at 500K moments) and for the cosine
 * lookup of BM25's candidates. The statement is prepared (queryRows) and runs only here, so the generic plan
 * Postgres settles on after a few runs is made under this setting too. `settings` are more SET LOCAL statements
 * for the statement alone.
 */
export function queryByIndex<T>(db: Db, sql: string, params: unknown[], settings = ''): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.exec(`${BY_INDEX}${settings ? `; ${settings}` : ''}`);
    return tx.queryRows<T>(sql, params);
  });
}

/** The plan queryByIndex runs `sql` with. */
export function explainByIndex(db: Db, sql: string, params: unknown[]): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.exec(BY_INDEX);
    return planOf(tx, sql, params);
  });
}

/** The plan Postgres makes for `sql`, one line per node (EXPLAIN is no statement queryRows can prepare, so it is asked as is). */
export async function planOf(q: Queryable, sql: string, params: unknown[]): Promise<string> {
  return (await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
}
