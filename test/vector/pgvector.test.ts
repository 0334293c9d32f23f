import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/platform/db/pglite.js';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import type { VectorItem } from '../../src/core/vector-index.js';
import { vectorIndexContract } from '../contract/vector.contract.js';

vectorIndexContract('pgvector on PGlite', async () => {
  const db = await openPglite();
  await migrate(db);
  return { index: () => new PgVectorIndex(db), close: () => db.close() };
});

const DIM = 8;
function vec(...xs: number[]): Float32Array {
  const v = new Float32Array(DIM);
  xs.forEach((x, i) => (v[i] = x));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const item = (recordingId: string, seq: number, recordedAt: string | null, v: Float32Array, extra: Partial<VectorItem> = {}): VectorItem => ({
  momentId: `${recordingId}#${seq}`,
  recordingId,
  recordedAt,
  collection: 'c1',
  speakers: ['Chair'],
  vector: v,
  ...extra,
});

describe('pgvector index on PGlite (partitioned by decade)', () => {
  let db: Db;
  let index: PgVectorIndex;

  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
    index = new PgVectorIndex(db);
    await index.init({ model: 'test-8', dim: DIM });
    await index.replaceRecording('r1987', [item('r1987', 0, '1987-05-01', vec(1, 0)), item('r1987', 1, '1987-05-01', vec(0, 1))]);
    await index.replaceRecording('r1972', [item('r1972', 0, '1972-01-01', vec(1, 0.1), { collection: 'c2', speakers: ['Host'] })]);
    await index.replaceRecording('rnull', [item('rnull', 0, null, vec(1, 0.2))]);
  });
  afterAll(async () => db.close());

  it('returns nearest moments by cosine similarity', async () => {
    const hits = await index.search(vec(1, 0), {}, 10);
    expect(hits.map((h) => h.momentId)).toEqual(['r1987#0', 'r1972#0', 'rnull#0', 'r1987#1']);
    expect(hits[0].score).toBeCloseTo(1, 2);
  });

  it('gives the cosine of named moments across partitions, leaving out unknown ids', async () => {
    const sims = await index.similarities(vec(1, 0), ['r1987#1', 'rnull#0', 'r1972#0', 'nope#9']);
    expect([...sims.keys()].sort()).toEqual(['r1972#0', 'r1987#1', 'rnull#0']);
    expect(sims.get('r1987#1')).toBeCloseTo(0, 2);
    expect(sims.get('r1972#0')).toBeCloseTo(1 / Math.hypot(1, 0.1), 2);
    expect(await index.similarities(vec(1, 0), [])).toEqual(new Map());
  });

  it("looks named moments up only within a search's date range", async () => {
    const ids = ['r1987#1', 'rnull#0', 'r1972#0'];
    const seventies = await index.similarities(vec(1, 0), ids, { from: '1970-01-01', to: '1979-12-31' });
    expect([...seventies.keys()]).toEqual(['r1972#0']);
    expect(seventies.get('r1972#0')).toBeCloseTo(1 / Math.hypot(1, 0.1), 2);
    expect([...(await index.similarities(vec(1, 0), ids, { from: '1980-01-01' })).keys()]).toEqual(['r1987#1']);
  });

  it('scores query vectors of any scale as their cosine, within halfvec rounding (they travel as scaled integers)', async () => {
    // Components from 1e-3 to 40 in size, and one vector far from unit length: the query is rescaled to integers.
    const rnd = (i: number) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453) - 0.5;
    const raw = (k: number, scale: number) => Float32Array.from({ length: DIM }, (_, i) => rnd(k * DIM + i) * scale * (i === 3 ? 0.002 : 1));
    const cos = (a: Float32Array, b: Float32Array) => {
      let d = 0, na = 0, nb = 0;
      for (let i = 0; i < DIM; i++) (d += a[i] * b[i]), (na += a[i] * a[i]), (nb += b[i] * b[i]);
      return d / Math.sqrt(na * nb);
    };
    const stored = [1, 2, 3, 4].map((k) => raw(k, 1));
    await index.replaceRecording('rscale', stored.map((v, i) => item('rscale', i, '1987-06-01', v)));
    for (const q of [raw(9, 1e-3), raw(10, 1), raw(11, 40)]) {
      const sims = await index.similarities(q, stored.map((_, i) => `rscale#${i}`));
      const hits = await index.search(q, { recordingId: 'rscale' }, 4);
      stored.forEach((v, i) => {
        expect(sims.get(`rscale#${i}`)).toBeCloseTo(cos(q, v), 3);
        expect(hits.find((h) => h.momentId === `rscale#${i}`)!.score).toBeCloseTo(cos(q, v), 3);
      });
    }
    await index.deleteRecording('rscale');
  });

  it('filters by date range, collection, speaker and recording', async () => {
    expect((await index.search(vec(1, 0), { from: '1970-01-01', to: '1979-12-31' }, 10)).map((h) => h.momentId)).toEqual(['r1972#0']);
    expect((await index.search(vec(1, 0), { collection: 'c2' }, 10)).map((h) => h.momentId)).toEqual(['r1972#0']);
    expect((await index.search(vec(1, 0), { speaker: 'host' }, 10)).map((h) => h.momentId)).toEqual(['r1972#0']);
    expect((await index.search(vec(0, 1), { recordingId: 'r1987' }, 1)).map((h) => h.momentId)).toEqual(['r1987#1']);
  });

  it('creates a partition per decade plus the undated default, and prunes to one decade for a range', async () => {
    const parts = await db.query<{ relname: string }>(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'embeddings'::regclass ORDER BY 1",
    );
    expect(parts.map((p) => p.relname)).toEqual(['embeddings_1970s', 'embeddings_1980s', 'embeddings_undated']);
    const routed = await index.explain(vec(1, 0), { from: '1987-01-01', to: '1987-12-31' }, 10);
    expect(routed).toContain('embeddings_1980s');
    expect(routed).not.toContain('embeddings_1970s');
    expect(routed).not.toContain('embeddings_undated');
    const unrouted = await index.explain(vec(1, 0), {}, 10);
    expect(unrouted).toContain('embeddings_1970s');
    expect(unrouted).toContain('embeddings_undated');
  });

  it("ranks one recording's moments exactly, read by its recording_id index rather than any partition's HNSW graph", async () => {
    // A planner without statistics that expects many rows to sort (a re-ingested archive's dead rows) would
    // rather walk the HNSW graphs; sorting made dearer stands in for that estimate.
    await db.exec('SET enable_sort = off');
    try {
      const plan = await index.explain(vec(1, 0), { recordingId: 'r1987' }, 10);
      expect(plan).toContain('recording_id_idx');
      expect(plan).not.toContain('embedding_idx');
      expect((await index.search(vec(1, 0), { recordingId: 'r1987' }, 10)).map((h) => h.momentId)).toEqual(['r1987#0', 'r1987#1']);
    } finally {
      await db.exec('RESET enable_sort');
    }
  });

  it("ranks a speaker's moments exactly, read by the speaker index, while they are few; a speaker of more walks the graphs", async () => {
    const plan = await index.explain(vec(1, 0), { speaker: 'host' }, 10);
    expect(plan).toContain('speaker_keys_idx');
    expect(plan).not.toContain('embedding_idx');
    expect((await index.search(vec(1, 0), { speaker: 'HOST' }, 10)).map((h) => h.momentId)).toEqual(['r1972#0']);
    expect(await index.search(vec(1, 0), { speaker: 'Nobody' }, 10)).toEqual([]);
    // Past the bound the same hits come from the HNSW graphs.
    const bounded = new PgVectorIndex(db, { exactUpTo: 1 });
    await bounded.init({ model: 'test-8', dim: DIM });
    for (let i = 0; i < 2; i++) expect((await bounded.search(vec(1, 0), { speaker: 'chair' }, 10)).map((h) => h.momentId)).toEqual(['r1987#0', 'rnull#0', 'r1987#1']);
    expect((await index.search(vec(1, 0), { speaker: 'chair', from: '1980-01-01' }, 10)).map((h) => h.momentId)).toEqual(['r1987#0', 'r1987#1']);
    expect((await bounded.search(vec(1, 0), { speaker: 'Host' }, 10)).map((h) => h.momentId)).toEqual(['r1972#0']);
  });

  it('walks the HNSW graphs, never a sorted scan of the table, for a collection or kind that many moments pass', async () => {
    // A planner without statistics takes an equality filter for a small share of the table, and would compute the
    // distance of every row that passes it: all of them, for the collection most of the archive is in.
    const bounded = new PgVectorIndex(db, { exactUpTo: 1 });
    await bounded.init({ model: 'test-8', dim: DIM });
    for (const f of [{ collection: 'c1' }, { kind: 'speech' as const }, { collection: 'c1', from: '1980-01-01' }]) {
      const plan = await bounded.explain(vec(1, 0), f, 10);
      expect(plan).toContain('embedding_idx');
      expect(plan).not.toContain('Seq Scan');
      expect(plan).not.toMatch(/(^|->)\s*Sort\s+\(/m);
    }
    expect((await bounded.search(vec(1, 0), { collection: 'c1' }, 10)).map((h) => h.momentId)).toEqual(['r1987#0', 'rnull#0', 'r1987#1']);
    // Few: ranked exactly, read by the collection's and the kind's indexes.
    const few = await index.explain(vec(1, 0), { collection: 'c2' }, 10);
    expect(few).toContain('collection');
    expect(few).not.toContain('embedding_idx');
    expect((await index.search(vec(1, 0), { collection: 'c2' }, 10)).map((h) => h.momentId)).toEqual(['r1972#0']);
    expect(await index.search(vec(1, 0), { kind: 'screen' }, 10)).toEqual([]);
  });

  it("finds a speaker's few moments within a collection or dates, however many moments the speaker has elsewhere", async () => {
    // Counting a speaker of many may read a sample of their index entries; a speaker of many within a
    // collection or a date range of few must not be ranked from that sample.
    const bounded = new PgVectorIndex(db, { exactUpTo: 1 });
    await bounded.init({ model: 'test-8', dim: DIM });
    const many = Array.from({ length: 200 }, (_, i) => item('rmany', i, '1995-01-01', vec(1, i / 200), { speakers: ['Narrator'], collection: i === 137 ? 'rare' : 'c1' }));
    await index.replaceRecording('rmany', many);
    await index.replaceRecording('rone', [item('rone', 0, '1991-01-01', vec(1, 0.5), { speakers: ['Narrator'] })]);
    // (Entries still in the GIN index's pending list are read whole; a vacuum moves them into the index.)
    await index.compact();
    try {
      expect((await bounded.search(vec(1, 0), { speaker: 'narrator', from: '1991-01-01', to: '1991-12-31' }, 10)).map((h) => h.momentId)).toEqual(['rone#0']);
      expect((await bounded.search(vec(1, 0), { speaker: 'narrator', collection: 'rare' }, 10)).map((h) => h.momentId)).toEqual(['rmany#137']);
      expect((await bounded.search(vec(1, 0), { speaker: 'narrator', collection: 'rare', from: '1990-01-01', to: '1999-12-31' }, 10)).map((h) => h.momentId)).toEqual(['rmany#137']);
      expect(await bounded.search(vec(1, 0), { speaker: 'narrator' }, 3)).toHaveLength(3);
    } finally {
      await index.deleteRecording('rmany');
      await index.deleteRecording('rone');
    }
  });

  it('keeps the same indexes, under the same names, after a re-embedding is swapped in and the index opened again', async () => {
    const indexes = async () =>
      (await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'embeddings' ORDER BY 1")).map((r) => r.indexname);
    const before = await indexes();
    expect(before).toEqual(['embeddings_collection', 'embeddings_hnsw', 'embeddings_kind', 'embeddings_moment', 'embeddings_recording', 'embeddings_speakers']);
    const rebuild = await index.rebuild({ model: 'test-8', dim: DIM });
    for (const r of ['r1987', 'r1972', 'rnull'])
      await rebuild.add(r, (await index.search(vec(1, 0), { recordingId: r }, 10)).map((h, i) => item(r, i, r === 'rnull' ? null : `${r.slice(1)}-01-01`, vec(1, i))));
    await rebuild.swap();
    await new PgVectorIndex(db).init({ model: 'test-8', dim: DIM });
    expect(await indexes()).toEqual(before);
    expect(await index.explain(vec(1, 0), { speaker: 'chair' }, 10)).toContain('speaker_keys_idx');
  });

  it('replaces a recording and refuses a different model', async () => {
    await index.replaceRecording('r1987', [item('r1987', 0, '1987-05-01', vec(0, 0, 1))]);
    expect(await index.count()).toBe(3);
    const other = new PgVectorIndex(db);
    await expect(other.init({ model: 'other-16', dim: 16 })).rejects.toMatchObject({ code: 'embedding_model_mismatch' });
    await expect(other.init({ model: 'other-16', dim: 16 })).rejects.toThrow(/reembed/);
  });
});
