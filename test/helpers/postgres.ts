import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import type { Db } from '../../src/platform/db/port.js';

/** The machine's Postgres server (pgvector or not: see serverHasPgvector). Override with TEST_PG_URL. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether the local Postgres server can create pgvector (a fresh machine's cannot; a built one may). */
export async function serverHasPgvector(): Promise<boolean> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return rows.length > 0;
  } finally {
    await admin.end();
  }
}

/** A fresh database on the local Postgres server, dropped by the returned function. */
export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sa_test_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** PGlite with pgvector served over the Postgres wire protocol, so the `pg` adapter meets pgvector here. */
export async function startPgliteServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  const addr = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    url: `postgres://postgres@127.0.0.1:${addr.port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** The two databases a store's SQL must answer the same on: embedded PGlite and a fresh database on the local server. */
export const STORE_DATABASES: ReadonlyArray<readonly [string, () => Promise<{ db: Db; drop: () => Promise<void> }>]> = [
  ['PGlite', async () => ({ db: await openPglite(undefined), drop: async () => {} })],
  [
    'the local Postgres server',
    async () => {
      const scratch = await createScratchDatabase();
      return { db: await openPostgres(scratch.url), drop: () => scratch.drop() };
    },
  ],
];
