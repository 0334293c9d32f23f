import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/platform/db/pglite.js';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';

const DIM = 8;
const vec = (i: number) => {
  const v = new Float32Array(DIM).map((_, k) => Math.cos(i * (k + 1)));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const hnswIndexes = (db: Db) =>
  db.query<{ tablename: string }>("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING hnsw%' ORDER BY tablename");

describe('pgvector bulk load: HNSW built after the rows', () => {
  let db: Db;
  let index: PgVectorIndex;
  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
    index = new PgVectorIndex(db);
    await index.init({ model: 'test-8', dim: DIM });
  });
  afterAll(async () => db.close());

  it('drops the index, loads, answers by exact scan, then builds the index on every partition', async () => {
    await index.dropAnnIndex();
    expect(await hnswIndexes(db)).toEqual([]);
    for (const [id, date] of [['a', '1987-01-02'], ['b', '1972-06-01'], ['c', null]] as const)
      await index.replaceRecording(id, Array.from({ length: 5 }, (_, i) => ({
        momentId: `${id}#${i}`, recordingId: id, recordedAt: date, collection: null, speakers: [], vector: vec(i + id.charCodeAt(0)),
      })));
    const before = await index.search(vec(3 + 'b'.charCodeAt(0)), {}, 3);
    expect(before[0].momentId).toBe('b#3');
    await index.buildAnnIndex({ maintenanceWorkMem: '64MB' });
    const tables = (await hnswIndexes(db)).map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(['embeddings', 'embeddings_1970s', 'embeddings_1980s', 'embeddings_undated']));
    expect((await index.search(vec(3 + 'b'.charCodeAt(0)), {}, 3))[0].momentId).toBe('b#3');
    await index.buildAnnIndex(); // already there: a no-op
    await expect(index.buildAnnIndex({ maintenanceWorkMem: "1GB'; DROP TABLE x; --" })).rejects.toThrow(/maintenance_work_mem/);
  });

  it('init() puts the index back when a bulk load stopped before building it', async () => {
    await index.dropAnnIndex();
    await new PgVectorIndex(db).init({ model: 'test-8', dim: DIM });
    expect((await hnswIndexes(db)).length).toBeGreaterThan(0);
  });
});
