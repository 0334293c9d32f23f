import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.js';
import { migrate } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/port.js';
import { PostgresLexicalIndex } from '../../src/store/lexical/postgres.js';
import { describeLexicalContract } from '../contract/lexical-contract.js';

let db: Db | undefined;
afterAll(async () => db?.close());

describeLexicalContract('postgres BM25 on PGlite', async () => {
  db = await openPglite();
  await migrate(db);
  return new PostgresLexicalIndex(db);
});

describe('postgres BM25 scores', () => {
  it("equal Lucene's BM25 computed by hand from the documents' terms", async () => {
    const local = await openPglite();
    try {
      await migrate(local);
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
    } finally {
      await local.close();
    }
  });
});
