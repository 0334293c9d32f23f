import type { OwnerLock } from './owner.js';

/** The one thing every store needs from Postgres, whether PGlite in-process or a server. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * A statement a hot path runs again and again with new parameters (a search's queries), its rows returned as
   * one JSON array (src/platform/db/rows.ts): prepared once per connection, so later runs are not parsed again and, once
   * Postgres settles on a generic plan, not planned again.
   */
  queryRows<T>(sql: string, params: unknown[]): Promise<T[]>;
  /** Runs statements without parameters (the simple protocol: in PGlite a third of a parameterised query's cost). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** An embedded database on disk: this process's ownership of its directory (src/platform/db/owner.ts). */
  readonly owner?: OwnerLock;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * The embedded database only: its data directory as an uncompressed tar, read between transactions, so it
   * holds every committed one and none half done (a backup while the server runs).
   */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}
