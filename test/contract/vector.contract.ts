import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { VectorIndex, VectorItem } from '../../src/core/vector-index.js';
import { contractCase, type Skips } from './cases.js';

/**
 * What every VectorIndex must do (src/core/vector-index.ts). Run by test/vector/pgvector.test.ts (PGlite) and
 * test/vector/pgvector-server.test.ts (the `pg` adapter against PGlite served over the wire protocol).
 */
export const VECTOR_CASES = [
  'ranks by cosine similarity, best first, with the cosine as score',
  'returns at most `limit` hits',
  'filters by date range, collection, speaker and recording',
  'filters by kind, vectors stored without one being speech',
  'replaces one recording and deletes one recording without touching the others',
  'sets the speakers of named moments of one recording, leaving their vectors and other recordings',
  'refuses a vector of the wrong dimension and keeps what was stored',
  'gives the cosine of named moments only, within a date range when given',
  'refuses to bind a different model to a store that holds vectors',
  'rebuilds with another model beside the served vectors and swaps them in at once',
  'is unusable before init, and reset lets another model be bound',
  'compacts what replaced vectors leave behind and searches the same afterwards',
] as const;
export type VectorCase = (typeof VECTOR_CASES)[number];

export interface VectorSetup {
  /** A new index over the same store each call (a second process, or a restart). */
  index(): VectorIndex;
  close(): Promise<void>;
}

const DIM = 8;
/** A unit vector from its first components. */
export function vec(...xs: number[]): Float32Array {
  const v = new Float32Array(DIM);
  xs.forEach((x, i) => (v[i] = x));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const cos = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let i = 0; i < DIM; i++) d += a[i] * b[i];
  return d / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
};

const item = (recordingId: string, seq: number, recordedAt: string | null, v: Float32Array, extra: Partial<VectorItem> = {}): VectorItem => ({
  momentId: `${recordingId}#${seq}`,
  recordingId,
  recordedAt,
  collection: 'council',
  speakers: ['Chair'],
  vector: v,
  ...extra,
});

export function vectorIndexContract(name: string, setup: () => Promise<VectorSetup>, skips: Skips<VectorCase> = {}): void {
  describe(`vector index contract: ${name}`, () => {
    const test = contractCase<VectorCase>(skips);
    let env: VectorSetup;
    let index: VectorIndex;
    const MODEL = { model: 'contract-8', dim: DIM };
    const q = vec(1, 0);
    // Cosine to q: a#0 1, b#0 ≈0.995, c#0 ≈0.98, a#1 ≈0.707, d#0 0, e#0 -1.
    const seeded: VectorItem[] = [
      item('a', 0, '1987-05-01', vec(1, 0)),
      item('a', 1, '1987-05-01', vec(1, 1), { speakers: ['Treasurer'] }),
      item('b', 0, '1972-03-03', vec(1, 0.1), { collection: 'radio', speakers: ['Host', 'Guest'] }),
      item('c', 0, null, vec(1, 0.2), { collection: null, speakers: [] }),
      item('d', 0, '2004-01-01', vec(0, 1)),
      item('e', 0, '1999-12-31', vec(-1, 0)),
    ];

    beforeAll(async () => {
      env = await setup();
      index = env.index();
      await index.init(MODEL);
      for (const r of ['a', 'b', 'c', 'd', 'e']) await index.replaceRecording(r, seeded.filter((i) => i.recordingId === r));
    });
    afterAll(async () => env?.close());

    test('ranks by cosine similarity, best first, with the cosine as score', async () => {
      const hits = await index.search(q, {}, 10);
      expect(hits.map((h) => h.momentId)).toEqual(['a#0', 'b#0', 'c#0', 'a#1', 'd#0', 'e#0']);
      for (const h of hits) {
        const v = seeded.find((i) => i.momentId === h.momentId)!.vector;
        expect(h.score).toBeCloseTo(cos(q, v), 2);
      }
      // A query vector need not be unit length: the score is still the cosine.
      const scaled = await index.search(q.map((x) => x * 40), {}, 1);
      expect(scaled[0]).toMatchObject({ momentId: 'a#0' });
      expect(scaled[0].score).toBeCloseTo(1, 2);
    });

    test('compacts what replaced vectors leave behind and searches the same afterwards', async () => {
      const before = await index.search(q, {}, 10);
      const within = await index.search(q, { recordingId: 'a' }, 10);
      // Writing a recording again leaves its old vectors behind as dead rows until a compaction.
      for (let i = 0; i < 3; i++) await index.replaceRecording('a', seeded.filter((x) => x.recordingId === 'a'));
      await index.compact();
      expect(await index.search(q, {}, 10)).toEqual(before);
      expect(await index.search(q, { recordingId: 'a' }, 10)).toEqual(within);
      expect(await index.count()).toBe(seeded.length);
    });

    test('returns at most `limit` hits', async () => {
      expect((await index.search(q, {}, 2)).map((h) => h.momentId)).toEqual(['a#0', 'b#0']);
      expect(await index.search(q, {}, 1)).toHaveLength(1);
    });

    test('filters by date range, collection, speaker and recording', async () => {
      const ids = async (f: Parameters<VectorIndex['search']>[1]) => (await index.search(q, f, 10)).map((h) => h.momentId);
      // Undated moments are outside every date range.
      expect(await ids({ from: '1970-01-01', to: '1979-12-31' })).toEqual(['b#0']);
      expect(await ids({ from: '1987-05-01', to: '1987-05-01' })).toEqual(['a#0', 'a#1']);
      expect(await ids({ from: '1990-01-01' })).toEqual(['d#0', 'e#0']);
      expect(await ids({ to: '1980-01-01' })).toEqual(['b#0']);
      expect(await ids({ collection: 'radio' })).toEqual(['b#0']);
      expect(await ids({ speaker: 'guest' })).toEqual(['b#0']);
      expect(await ids({ speaker: 'Treasurer', from: '1980-01-01' })).toEqual(['a#1']);
      expect(await ids({ recordingId: 'a' })).toEqual(['a#0', 'a#1']);
      expect(await ids({ collection: 'council', from: '1999-01-01', to: '1999-12-31' })).toEqual(['e#0']);
      expect(await ids({ recordingId: 'nope' })).toEqual([]);
    });

    test('filters by kind, vectors stored without one being speech', async () => {
      await index.replaceRecording('v', [item('v', 0, '1987-05-01', vec(1, 0.05), { kind: 'speech' }), { ...item('v', 0, '1987-05-01', vec(1, 0.05), { kind: 'screen', speakers: [] }), momentId: 'v#f0' }]);
      try {
        const ids = async (f: Parameters<VectorIndex['search']>[1]) => (await index.search(q, f, 10)).map((h) => h.momentId);
        expect(await ids({ kind: 'screen' })).toEqual(['v#f0']);
        const speech = await ids({ kind: 'speech' });
        expect(speech).toContain('v#0');
        expect(speech).toContain('a#0');
        expect(speech).not.toContain('v#f0');
        expect(await ids({ kind: 'screen', recordingId: 'a' })).toEqual([]);
      } finally {
        await index.deleteRecording('v');
      }
    });

    test('replaces one recording and deletes one recording without touching the others', async () => {
      const before = await index.count();
      await index.replaceRecording('r', [item('r', 0, '1960-01-01', vec(0, 0, 1)), item('r', 1, '1960-01-01', vec(0, 0, 1, 1))]);
      expect(await index.count()).toBe(before + 2);
      await index.replaceRecording('r', [item('r', 5, '2010-06-01', vec(0, 0, 0, 1))]);
      expect(await index.count()).toBe(before + 1);
      expect((await index.search(vec(0, 0, 0, 1), { recordingId: 'r' }, 10)).map((h) => h.momentId)).toEqual(['r#5']);
      expect(await index.search(q, { from: '1960-01-01', to: '1969-12-31' }, 10)).toEqual([]);
      await index.replaceRecording('r', []);
      expect(await index.count()).toBe(before);
      await index.replaceRecording('r', [item('r', 0, null, vec(0, 0, 1))]);
      await index.deleteRecording('r');
      await index.deleteRecording('never-there');
      expect(await index.count()).toBe(before);
      expect((await index.search(q, {}, 10)).map((h) => h.momentId)).toEqual(['a#0', 'b#0', 'c#0', 'a#1', 'd#0', 'e#0']);
    });

    test('sets the speakers of named moments of one recording, leaving their vectors and other recordings', async () => {
      await index.replaceRecording('sp', [
        item('sp', 0, null, vec(0, 1, 1), { speakers: ['SPEAKER_00'] }),
        item('sp', 1, null, vec(0, 1, 2), { speakers: ['SPEAKER_00', 'SPEAKER_01'] }),
      ]);
      await index.setSpeakers('sp', [
        { momentId: 'sp#1', speakers: ['Margaret Hale', 'SPEAKER_01'] },
        { momentId: 'a#0', speakers: ['Margaret Hale'] },
        { momentId: 'sp#9', speakers: ['Margaret Hale'] },
      ]);
      const bySpeaker = async (speaker: string) => (await index.search(vec(0, 1, 1), { speaker }, 10)).map((h) => h.momentId).sort();
      expect(await bySpeaker('margaret hale')).toEqual(['sp#1']);
      expect(await bySpeaker('SPEAKER_00')).toEqual(['sp#0']);
      expect(await bySpeaker('SPEAKER_01')).toEqual(['sp#1']);
      // a#0 is another recording's: its speaker stays.
      expect((await index.search(q, { speaker: 'Chair' }, 10)).map((h) => h.momentId)).toContain('a#0');
      const [hit] = await index.search(vec(0, 1, 2), { speaker: 'Margaret Hale' }, 1);
      expect(hit.score).toBeCloseTo(cos(vec(0, 1, 2), vec(0, 1, 2)), 2);
      await index.deleteRecording('sp');
    });

    test('refuses a vector of the wrong dimension and keeps what was stored', async () => {
      const err = await index
        .replaceRecording('a', [item('a', 0, '1987-05-01', new Float32Array(DIM + 1).fill(1))])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('embedding_model_mismatch');
      expect((await index.search(q, { recordingId: 'a' }, 10)).map((h) => h.momentId)).toEqual(['a#0', 'a#1']);
      await expect(index.search(new Float32Array(DIM - 1).fill(1), {}, 1)).rejects.toThrow();
    });

    test('gives the cosine of named moments only, within a date range when given', async () => {
      const sims = await index.similarities(q, ['a#1', 'c#0', 'e#0', 'nope#0']);
      expect([...sims.keys()].sort()).toEqual(['a#1', 'c#0', 'e#0']);
      expect(sims.get('a#1')).toBeCloseTo(Math.SQRT1_2, 2);
      expect(sims.get('e#0')).toBeCloseTo(-1, 2);
      expect(await index.similarities(q, [])).toEqual(new Map());
      const seventies = await index.similarities(q, ['a#0', 'b#0', 'c#0'], { from: '1970-01-01', to: '1979-12-31' });
      expect([...seventies.keys()]).toEqual(['b#0']);
    });

    test('refuses to bind a different model to a store that holds vectors', async () => {
      const other = env.index();
      const err = await other.init({ model: 'another-16', dim: 16 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('embedding_model_mismatch');
      // Same name, other dimension: also a different model.
      await expect(other.init({ model: MODEL.model, dim: 16 })).rejects.toMatchObject({ code: 'embedding_model_mismatch' });
      // The same model binds, and sees what the first index stored.
      await other.init(MODEL);
      expect((await other.search(q, {}, 1))[0].momentId).toBe('a#0');
    });

    test('rebuilds with another model beside the served vectors and swaps them in at once', async () => {
      const before = await index.search(q, {}, 10);
      const NEXT = { model: 'contract-4', dim: 4 };
      const v4 = (...xs: number[]) => {
        const v = new Float32Array(4);
        xs.forEach((x, i) => (v[i] = x));
        return v.map((x) => x / Math.hypot(...v));
      };
      // Abandoned: nothing changes.
      const dropped = await index.rebuild(NEXT);
      await dropped.add('a', [item('a', 0, '1987-05-01', v4(1, 0))]);
      await dropped.abandon();
      expect(await index.search(q, {}, 10)).toEqual(before);

      const rebuild = await index.rebuild(NEXT);
      await expect(rebuild.add('a', [item('a', 0, '1987-05-01', vec(1, 0))])).rejects.toMatchObject({ code: 'embedding_model_mismatch' });
      await rebuild.add('a', [item('a', 0, '1987-05-01', v4(0, 1)), item('a', 1, '1987-05-01', v4(1, 0))]);
      await rebuild.add('b', [item('b', 0, '1972-03-03', v4(0, 1, 0.1))]);
      await rebuild.add('c', [item('c', 0, null, v4(0, 1, 0.3))]);
      // Until the swap, the old vectors are served, and the old model is the one bound.
      expect(await index.search(q, {}, 10)).toEqual(before);
      expect(await index.count()).toBe(seeded.length);
      await expect(env.index().init(NEXT)).rejects.toMatchObject({ code: 'embedding_model_mismatch' });

      await rebuild.swap();
      expect(await index.count()).toBe(4);
      expect((await index.search(v4(0, 1), {}, 10)).map((h) => h.momentId)).toEqual(['a#0', 'b#0', 'c#0', 'a#1']);
      expect((await index.search(v4(0, 1), { from: '1980-01-01', to: '1989-12-31' }, 10)).map((h) => h.momentId)).toEqual(['a#0', 'a#1']);
      expect([...(await index.similarities(v4(1, 0), ['a#1', 'b#0'])).keys()].sort()).toEqual(['a#1', 'b#0']);
      await expect(env.index().init(MODEL)).rejects.toMatchObject({ code: 'embedding_model_mismatch' });
      const other = env.index();
      await other.init(NEXT);
      // Writes after the swap go to the served vectors, in the partitions the rebuild made or new ones.
      await other.replaceRecording('d', [item('d', 0, '2004-01-01', v4(0, 0, 1))]);
      await other.replaceRecording('f', [item('f', 0, '1950-06-01', v4(0, 0, 0, 1))]);
      expect((await index.search(v4(0, 0, 1), { from: '2000-01-01' }, 1))[0].momentId).toBe('d#0');
      expect(await index.count()).toBe(6);
    });

    test('is unusable before init, and reset lets another model be bound', async () => {
      const fresh = env.index();
      await expect(fresh.search(q, {}, 1)).rejects.toBeInstanceOf(AppError);
      await expect(fresh.replaceRecording('x', [item('x', 0, null, q)])).rejects.toBeInstanceOf(AppError);
      await index.reset();
      expect(await index.count()).toBe(0);
      const next = env.index();
      await next.init({ model: 'another-4', dim: 4 });
      await next.replaceRecording('x', [item('x', 0, null, new Float32Array([0, 1, 0, 0]))]);
      expect(await next.count()).toBe(1);
      expect((await next.search(new Float32Array([0, 2, 0, 0]), {}, 5)).map((h) => h.momentId)).toEqual(['x#0']);
    });
  });
}
