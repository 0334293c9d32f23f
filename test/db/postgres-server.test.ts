import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/platform/db/migrate.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import type { Db } from '../../src/platform/db/port.js';
import { PostgresLexicalIndex } from '../../src/indexes/lexical/postgres.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import { describeLexicalContract } from '../contract/lexical-contract.js';
import { createScratchDatabase, serverHasPgvector, startPgliteServer } from '../helpers/postgres.js';

const hasPgvector = await serverHasPgvector();

describe('migrations on the local Postgres server', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
  });
  afterAll(async () => scratch?.drop());

  it('applies each migration once even when several processes start together (advisory lock)', async () => {
    const dbs = await Promise.all([0, 1, 2].map(() => openPostgres(scratch.url, { max: 2 })));
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    const files = readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) => f.endsWith('.sql')).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(applied.flat().sort()).toEqual(files);
    expect(await migrate(dbs[0])).toEqual([]);
    await Promise.all(dbs.map((d) => d.close()));
  });

  // Where the server has pgvector, test/vector/pgvector-server.test.ts runs the vector contract on it instead.
  it.skipIf(hasPgvector)('says pgvector is missing instead of failing obscurely', async () => {
    const db = await openPostgres(scratch.url);
    const idx = new PgVectorIndex(db);
    await expect(idx.init({ model: 'm', dim: 4 })).rejects.toMatchObject({ code: 'engine_unavailable' });
    await db.close();
  });
});

let serverDb: Db | undefined;
let scratch2: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
describeLexicalContract(
  'postgres BM25 on the local Postgres server',
  async (texts) => {
    scratch2 = await createScratchDatabase();
    serverDb = await openPostgres(scratch2.url);
    await migrate(serverDb);
    return new PostgresLexicalIndex(serverDb, undefined, texts);
  },
  async () => {
    await serverDb?.close();
    await scratch2?.drop();
  },
);

describe('pgvector through the pg adapter (PGlite served on a socket)', () => {
  let srv: Awaited<ReturnType<typeof startPgliteServer>>;
  let db: Db;
  beforeAll(async () => {
    srv = await startPgliteServer();
    db = await openPostgres(srv.url, { max: 1 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await srv?.stop();
  });

  it('stores, prunes by decade and searches vectors over the wire protocol', async () => {
    const idx = new PgVectorIndex(db);
    await idx.init({ model: 'm', dim: 3 });
    const v = (...x: number[]) => new Float32Array(x);
    await idx.replaceRecording('a', [{ momentId: 'a#0', recordingId: 'a', recordedAt: '1987-01-01', collection: null, speakers: [], vector: v(1, 0, 0) }]);
    await idx.replaceRecording('b', [{ momentId: 'b#0', recordingId: 'b', recordedAt: '2004-01-01', collection: null, speakers: [], vector: v(0.9, 0.1, 0) }]);
    expect((await idx.search(v(1, 0, 0), {}, 5)).map((h) => h.momentId)).toEqual(['a#0', 'b#0']);
    expect((await idx.search(v(1, 0, 0), { from: '2000-01-01' }, 5)).map((h) => h.momentId)).toEqual(['b#0']);
    const plan = await idx.explain(v(1, 0, 0), { from: '2000-01-01', to: '2009-12-31' }, 5);
    expect(plan).toContain('embeddings_2000s');
    expect(plan).not.toContain('embeddings_1980s');
  });
});
