import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/platform/db/pglite.js';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { bm25Statement, PostgresLexicalIndex } from '../../src/indexes/lexical/postgres.js';
import { describeLexicalContract } from '../contract/lexical-contract.js';
import { buildMoments } from '../../src/ingest/moments.js';
import { indexedText } from '../../src/ingest/transcript.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { devTranscript } from '../helpers/server.js';

let db: Db | undefined;
afterAll(async () => db?.close());

/** A migrated in-memory PGlite of its own for `fn`, closed after it. */
async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const local = await openPglite();
  try {
    await migrate(local);
    return await fn(local);
  } finally {
    await local.close();
  }
}

describeLexicalContract('postgres BM25 on PGlite', async (texts) => {
  db = await openPglite();
  await migrate(db);
  return new PostgresLexicalIndex(db, undefined, texts);
});

describe('postgres BM25 compaction', () => {
  it('packs keys that recordings written one at a time left partly full', async () => {
    await withDatabase(async (local) => {
      const index = new PostgresLexicalIndex(local);
      const words = ['harbour', 'ferry', 'tariff', 'council', 'housing', 'budget', 'strike', 'docker', 'library', 'radio'];
      for (let r = 0; r < 40; r++) {
        const docs = Array.from({ length: 30 }, (_, i) => ({
          momentId: `r${r}#${i}`, recordingId: `r${r}`, recordedAt: '1990-01-01', collection: null, speakers: [], start: i, end: i + 1,
          text: Array.from({ length: 12 }, (_, k) => `${words[(r + i + k) % words.length]}${(r * 7 + i * 3 + k) % 50}`).join(' '),
        }));
        // Written, then written again: the replaced postings leave their keys' pages half empty.
        await index.replaceRecording(`r${r}`, docs);
        await index.replaceRecording(`r${r}`, docs);
      }
      const before = await index.search('harbour3 ferry17 tariff4', {}, 10);
      const report = await index.compact();
      expect(report.rewritten).toContain('lex_postings');
      expect(report.bytesAfter).toBeLessThan(report.bytesBefore * 0.9);
      expect(await index.search('harbour3 ferry17 tariff4', {}, 10)).toEqual(before);
      // The embedded database's statements are written for a planner without statistics: none are taken.
      const [stats] = await local.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_statistic WHERE starelid = 'lex_postings'::regclass");
      expect(stats.n).toBe(0);
    });
  });
});

describe('postgres BM25 scores', () => {
  it("equal Lucene's BM25 computed by hand from the documents' terms", async () => {
    await withDatabase(async (local) => {
      const index = new PostgresLexicalIndex(local, { k1: 1.2, b: 0.75 });
      // Words chosen so the English stemmer keeps them whole and drops nothing but "the".
      const texts = ['budget budget plan', 'budget meeting', 'the plan for the meeting room', 'room booking'];
      await index.replaceRecording('r', texts.map((text, i) => ({ momentId: `r#${i}`, recordingId: 'r', recordedAt: '1990-01-01', collection: null, speakers: [], start: i, end: i + 1, text })));
      const docs = texts.map((t) => t.split(' ').filter((w) => w !== 'the' && w !== 'for'));
      const avgdl = docs.reduce((a, d) => a + d.length, 0) / docs.length;
      const expected = (query: string[]) =>
        docs.map((d) =>
          query.reduce((sum, term) => {
            const tf = d.filter((w) => w === term).length;
            const df = docs.filter((x) => x.includes(term)).length;
            const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
            return sum + (tf ? (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * d.length) / avgdl)) : 0);
          }, 0),
        );
      const want = expected(['budget', 'plan']);
      const got = new Map((await index.search('budget plan', {}, 10)).map((h) => [h.momentId, h.score]));
      want.forEach((score, i) => (score > 0 ? expect(got.get(`r#${i}`)).toBeCloseTo(score, 9) : expect(got.has(`r#${i}`)).toBe(false)));
    });
  });
});

describe('postgres BM25 bookkeeping', () => {
  // df, N, Σ|d| and the stored lengths are kept incrementally; after replacing and deleting recordings they
  // must equal those of an index that only ever saw the final content.
  it('after replacements and deletions equals an index built from the final content alone', async () => {
    const doc = (rec: string, i: number, text: string) => ({ momentId: `${rec}#${i}`, recordingId: rec, recordedAt: '1991-02-03', collection: null, speakers: ['A'], start: i, end: i + 1, text });
    const a1 = ['budget budget plan for the harbour', 'the harbour meeting', 'nothing but the'];
    const a2 = ['harbour tolls and the budget', 'meeting adjourned'];
    const b = ['budget plan plan', 'ferry timetable'];
    const c = ['ferry harbour budget'];
    const dump = async (d: Db) => ({
      terms: await d.query('SELECT term, df FROM lex_terms WHERE df > 0 ORDER BY term'),
      stats: await d.query('SELECT n::int, total_len::int FROM lex_stats'),
      docs: await d.query('SELECT moment_id, recording_id, len FROM lex_docs ORDER BY moment_id'),
      postings: await d.query('SELECT term, moment_id, tf, len, recorded_at FROM lex_postings ORDER BY term, moment_id'),
      recordingTerms: await d.query('SELECT term, df FROM lex_rec_terms WHERE df > 0 ORDER BY term'),
      recordingStats: await d.query('SELECT rec_n::int, rec_total_len::int FROM lex_stats'),
      recordingDocs: await d.query('SELECT recording_id, len FROM lex_rec_docs ORDER BY recording_id'),
      recordingPostings: await d.query('SELECT term, recording_id, tf FROM lex_rec_postings ORDER BY term, recording_id'),
    });
    await withDatabase((edited) =>
      withDatabase(async (fresh) => {
        const e = new PostgresLexicalIndex(edited);
        await e.replaceRecording('a', a1.map((t, i) => doc('a', i, t)));
        await e.replaceRecording('b', b.map((t, i) => doc('b', i, t)));
        await e.replaceRecording('c', c.map((t, i) => doc('c', i, t)));
        await e.replaceRecording('a', a2.map((t, i) => doc('a', i, t)));
        await e.deleteRecording('b');
        await e.deleteRecording('never-there');
        const f = new PostgresLexicalIndex(fresh);
        await f.replaceRecording('c', c.map((t, i) => doc('c', i, t)));
        await f.replaceRecording('a', a2.map((t, i) => doc('a', i, t)));
        const want = await dump(fresh);
        expect(want.stats).toEqual([{ n: 3, total_len: 8 }]);
        expect(want.recordingStats).toEqual([{ rec_n: 2, rec_total_len: 8 }]);
        expect(want.recordingTerms).toContainEqual({ term: 'harbour', df: 2 });
        expect(await dump(edited)).toEqual(want);
      }),
    );
  });
});

describe('postgres BM25 common-term pruning (real dev transcripts)', () => {
  it('ranks exactly as the exhaustive scan on the candidates it keeps, and falls back when they are too few', async () => {
    await withDatabase(async (local) => {
      const pruned = new PostgresLexicalIndex(local);
      const exhaustive = new PostgresLexicalIndex(local, { k1: 1.2, b: 0.75, exhaustive: true });
      const ids = ['ES2005a', 'ES2008a', 'IS1000a', 'TS3003c', 'Bed004', 'Bmr010'];
      for (const id of ids) {
        const moments = buildMoments(id, parseTranscript(`${id}.vtt`, devTranscript(id)), { targetS: 120, maxS: 150, overlapS: 30 });
        await pruned.replaceRecording(id, moments.map((m) => ({ momentId: m.id, recordingId: id, recordedAt: '1990-01-01', collection: null, speakers: m.speakers, start: m.start, end: m.end, text: indexedText(m) })));
      }
      // "think", "want", "button" are in most moments of these meetings: common terms.
      for (const q of ['remote control button design think', 'what did they want for the budget', 'transcription tool think want']) {
        const a = await pruned.search(q, {}, 10);
        const b = await exhaustive.search(q, {}, 10);
        const exact = new Map((await exhaustive.search(q, {}, 1000)).map((h) => [h.momentId, h.score]));
        for (const h of a) expect(h.score).toBeCloseTo(exact.get(h.momentId)!, 9);
        expect(a[0].momentId).toBe(b[0].momentId);
      }
      const df = async (term: string) => Number((await local.query<{ df: number }>('SELECT df FROM lex_terms WHERE term = $1', [term]))[0]?.df ?? 0);
      const [n] = await local.query<{ n: number }>('SELECT n FROM lex_stats');
      expect(await df('think')).toBeGreaterThan(0.05 * Number(n.n)); // the queries above do prune
      // A rare term in fewer moments than asked for, next to a common one: the list is filled from the exhaustive scan.
      const few = await df('rubber');
      expect(few).toBeGreaterThan(0);
      expect(few).toBeLessThan(10);
      const rare = await pruned.search('rubber think', {}, 10);
      expect(rare.map((h) => h.momentId)).toEqual((await exhaustive.search('rubber think', {}, 10)).map((h) => h.momentId));
      expect(rare.length).toBe(10);
      // With no common term the pruned query is the exhaustive one: a short list is not scored twice.
      const transaction = local.transaction.bind(local);
      let queries = 0;
      local.transaction = ((...a: Parameters<typeof transaction>) => (queries++, transaction(...a))) as typeof local.transaction;
      const alone = await pruned.search('rubber', {}, 10);
      local.transaction = transaction;
      expect(alone.length).toBe(few);
      expect(queries).toBe(1);
    });
  });
});

describe('postgres BM25 postings budget', () => {
  it('takes the terms past the budget, rarest first, as common: their postings are read for the candidates only', async () => {
    await withDatabase(async (local) => {
      await new PostgresLexicalIndex(local).replaceRecording('r', Array.from({ length: 400 }, (_, i) => ({
        momentId: `r#${i}`, recordingId: 'r', recordedAt: '1990-01-01', collection: null, speakers: [], start: i, end: i + 1,
        // "harbour" in 10 moments, "ferry" in 15 (both under the common share of 400), filler elsewhere.
        text: `${i % 40 === 0 ? 'harbour ' : ''}${i % 27 === 0 ? 'ferry ' : ''}meeting number ${i}`,
      })));
      const run = async (postingsBudget: number) => {
        const { sql, params } = bm25Statement('harbour ferry', {}, 10, { k1: 1.2, b: 0.75, postingsBudget }, true);
        return local.query<{ moment_id: string; pruned: boolean; score: number }>(sql, params);
      };
      const whole = await run(1000);
      const budgeted = await run(12); // "harbour" (10 postings) fits, "ferry" (15 more) does not
      expect(whole[0].pruned).toBe(false);
      expect(budgeted[0].pruned).toBe(true);
      // The candidates come from "harbour" alone; each gets its "ferry" score added, exactly.
      const exact = new Map(whole.map((h) => [h.moment_id, Number(h.score)]));
      expect(budgeted.length).toBe(10);
      for (const h of budgeted) {
        expect(Number(h.moment_id.split('#')[1]) % 40).toBe(0);
        expect(Number(h.score)).toBeCloseTo(exact.get(h.moment_id) ?? NaN, 9);
      }
      expect(budgeted[0].moment_id).toBe('r#0'); // both words
    });
  });
});

/** A dev meeting indexed as ingest indexes it (the default 20/30/5 s moments). */
function putDev(index: PostgresLexicalIndex, id: string, recordedAt: string): Promise<void> {
  const moments = buildMoments(id, parseTranscript(`${id}.vtt`, devTranscript(id)), { targetS: 20, maxS: 30, overlapS: 5 });
  return index.replaceRecording(id, moments.map((m) => ({ momentId: m.id, recordingId: id, recordedAt, collection: null, speakers: m.speakers, start: m.start, end: m.end, text: indexedText(m) })));
}

describe('postgres BM25 reads', () => {
  // On a large archive a term's postings lie on as many table pages as there are recordings: read from the
  // table, a search is mostly page reads. The key holds what scoring reads, and writes keep pages all-visible.
  it('score postings from the primary key alone, with no table page read, after writes, re-writes and deletions', async () => {
    await withDatabase(async (local) => {
      const index = new PostgresLexicalIndex(local);
      await index.init();
      const put = (id: string, date: string) => putDev(index, id, date);
      await put('ES2005a', '1990-01-01');
      await put('ES2008a', '1995-06-01');
      await put('IS1000a', '2001-02-03');
      await put('ES2005a', '1990-01-01'); // replaced: its old postings are dead rows
      await index.deleteRecording('IS1000a');
      for (const [filters, pruned] of [[{}, true], [{}, false], [{ from: '1990-01-01', to: '1999-12-31' }, true]] as const) {
        const { sql, params } = bm25Statement('remote control button design think', filters, 10, { k1: 1.2, b: 0.75 }, pruned);
        const plan = await local.transaction(async (tx) => {
          await tx.exec('SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan');
          return (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
        });
        // Postings read by term (every one of an uncommon term's, a common term's for the candidates) come
        // from the key. (On a few hundred moments the planner may look the candidates' postings up by moment.)
        const lines = plan.split('\n');
        const byTerm = lines.filter((l) => / on lex_postings /.test(l) && !/lex_postings_moment|Bitmap Heap Scan/.test(l));
        expect(byTerm.length, plan).toBeGreaterThan(0);
        for (const l of byTerm) expect(l, plan).toMatch(/Index Only Scan using lex_postings_pkey/);
        const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
        expect(count(/Bitmap Heap Scan on lex_postings /), plan).toBe(count(/Bitmap Index Scan on lex_postings_moment/));
        for (const m of plan.matchAll(/Heap Fetches: (\d+)/g)) expect(Number(m[1]), plan).toBe(0);
      }
    });
  });

  // Without column statistics the planner sizes "the postings of these 170 moments" at a tenth of the table, and
  // on an archive of 33M postings chose to read all of them (from the table, or the whole key) to remove 850:
  // 8–17 s a statement at 10,000 hours, with every search waiting on the one connection.
  it('removes a recording by its moments\' postings, never a scan of every posting', async () => {
    await withDatabase(async (local) => {
      const index = new PostgresLexicalIndex(local);
      const put = (id: string) => putDev(index, id, '1990-01-01');
      for (const id of ['ES2005a', 'ES2008a', 'IS1000a', 'TS3003c']) await put(id);
      // Postings read from the table and from its indexes: a scan, of either, reads every one of them.
      const read = async () => {
        await local.query('SELECT pg_stat_force_next_flush()');
        const [row] = await local.query<{ n: number }>(
          `SELECT (SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = 'lex_postings')
                + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE relname = 'lex_postings') AS n`,
        );
        return Number(row.n);
      };
      const own = async (ids: string[]) =>
        Number((await local.query<{ n: number }>("SELECT count(*)::int AS n FROM lex_postings WHERE split_part(moment_id, '#', 1) = ANY($1)", [ids]))[0].n);
      const removed = await own(['ES2008a', 'IS1000a']);
      const before = await read();
      await put('ES2008a'); // a re-ingest removes the old postings first
      await index.deleteRecording('IS1000a');
      const delta = (await read()) - before;
      expect(delta).toBeLessThanOrEqual(2 * removed);
      expect(await index.search('remote control', { recordingId: 'IS1000a' }, 10)).toEqual([]);
    });
  });
});

describe('postgres BM25 quoted phrases', () => {
  it("reads a phrase's moments once for a search's ranking, count and facets, which run at once", async () => {
    await withDatabase(async (local) => {
      const docs = ['the harbour crane fell', 'a crane on the harbour', 'harbour crane repairs'].map((text, i) => ({
        momentId: `r#${i}`, recordingId: 'r', recordedAt: '1990-01-01', collection: null, speakers: [], start: i, end: i + 1, text,
      }));
      let reads = 0;
      const texts = async (ids: string[]) => {
        reads++;
        return docs.filter((d) => ids.includes(d.momentId)).map((d) => ({ id: d.momentId, text: d.text }));
      };
      const index = new PostgresLexicalIndex(local, undefined, texts);
      await index.replaceRecording('r', docs);
      const filters = { phrases: ['harbour crane'] };
      const [hits, count, facets] = await Promise.all([index.search('harbour crane', filters, 10), index.count('harbour crane', filters), index.facets('harbour crane', filters)]);
      expect([hits.map((h) => h.momentId).sort(), count, facets.moments]).toEqual([['r#0', 'r#2'], { value: 2, relation: 'eq' }, 2]);
      expect(reads).toBe(1);
    });
  });

  it('refuses a phrase whose words too many moments hold, naming it, rather than read all their text', async () => {
    await withDatabase(async (local) => {
      const docs = Array.from({ length: 12 }, (_, i) => ({
        momentId: `r#${i}`, recordingId: 'r', recordedAt: '1990-01-01', collection: null, speakers: [], start: i, end: i + 1,
        text: i % 2 ? 'we are going to the harbour' : 'going to the library, we are',
      }));
      const texts = async (ids: string[]) => docs.filter((d) => ids.includes(d.momentId)).map((d) => ({ id: d.momentId, text: d.text }));
      const index = new PostgresLexicalIndex(local, { k1: 1.2, b: 0.75, phraseCandidates: 10 }, texts);
      await index.replaceRecording('r', docs);
      await expect(index.search('going harbour', { phrases: ['going to the harbour'] }, 10)).resolves.toHaveLength(6);
      await expect(index.search('going', { phrases: ['going to'] }, 10)).rejects.toMatchObject({
        code: 'bad_request', message: expect.stringContaining('"going to" is too common to look for word for word (more than 10 moments'),
      });
    });
  });
});
