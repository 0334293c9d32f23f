import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LexicalDoc, LexicalIndex } from '../../src/core/lexical-index.js';

/** The text of stored moments by id, as the archive keeps it beside the index (a Postgres index reads it there). */
export type MomentTexts = (ids: string[]) => Promise<{ id: string; text: string }[]>;

/**
 * The behaviour every lexical adapter must share. Run against the embedded Postgres BM25 (PGlite and a
 * Postgres server) and, when ES_URL is set, a real Elasticsearch cluster.
 */
export function describeLexicalContract(name: string, make: (texts: MomentTexts) => Promise<LexicalIndex>, cleanup?: () => Promise<void>) {
  describe(`lexical index contract: ${name}`, () => {
    let index: LexicalIndex;
    // The moments' text, kept as the archive keeps it when it indexes a recording.
    const stored = new Map<string, string>();
    const texts: MomentTexts = async (ids) => ids.flatMap((id) => (stored.has(id) ? [{ id, text: stored.get(id)! }] : []));
    const store = async (recordingId: string, docs: LexicalDoc[]) => {
      for (const [id] of stored) if (id.startsWith(`${recordingId}#`)) stored.delete(id);
      for (const d of docs) stored.set(d.momentId, d.text);
      await index.replaceRecording(recordingId, docs);
    };

    const doc = (recordingId: string, seq: number, text: string, extra: Partial<LexicalDoc> = {}): LexicalDoc => ({
      momentId: `${recordingId}#${seq}`,
      recordingId,
      recordedAt: '1987-05-01',
      collection: 'council',
      speakers: ['Chair'],
      start: seq * 60,
      end: seq * 60 + 60,
      text,
      ...extra,
    });

    beforeAll(async () => {
      index = await make(texts);
      await index.init();
      await store('rec-a', [
        doc('rec-a', 0, 'The committee discussed housing for older residents and the new houses on the hill.'),
        doc('rec-a', 1, 'We talked about the budget, the budget deficit and taxes.', { speakers: ['Treasurer'] }),
        doc('rec-a', 2, 'Remote control design: the remote should have a large button for the volume.', { speakers: ['Marketing', 'Designer'] }),
      ]);
      await store('rec-b', [
        doc('rec-b', 0, 'Housing housing housing. The housing shortage dominated.', { recordedAt: '1972-03-03', collection: 'radio', speakers: ['Host'] }),
        doc('rec-b', 1, 'A long digression about the weather, the weather in spring, rain, snow, wind and clouds, and then briefly housing at the end of a very long passage with many other words in it that dilute the term.', { recordedAt: '1972-03-03', collection: 'radio', speakers: ['Guest'] }),
      ]);
      await store('rec-c', [doc('rec-c', 0, 'Undated tape about housing cooperatives.', { recordedAt: null, collection: null, speakers: [] })]);
    });

    afterAll(async () => {
      await cleanup?.();
      await index?.close();
    });

    it('matches stemmed forms and ranks by BM25 term frequency and length', async () => {
      const hits = await index.search('houses', {}, 10);
      const ids = hits.map((h) => h.momentId);
      expect(ids).toContain('rec-a#0');
      expect(ids).toContain('rec-c#0');
      // rec-b#0 repeats the term in a short passage; rec-b#1 mentions it once in a long one.
      expect(ids[0]).toBe('rec-b#0');
      expect(ids.indexOf('rec-b#1')).toBeGreaterThan(ids.indexOf('rec-c#0'));
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
    });

    it('weights a rare term above a common one (IDF)', async () => {
      const hits = await index.search('housing deficit', {}, 10);
      expect(hits[0].momentId).toBe('rec-a#1');
    });

    it('returns nothing for stop words only or an empty query', async () => {
      expect(await index.search('the and of', {}, 10)).toEqual([]);
      expect(await index.search('   ', {}, 10)).toEqual([]);
    });

    it('treats query syntax characters as text', async () => {
      const hits = await index.search('budget" OR 1=1; -- (taxes) AND * ~ ^ :', {}, 10);
      expect(hits[0]?.momentId).toBe('rec-a#1');
    });

    it('keeps to the moments that say each quoted phrase, its words in order', async () => {
      const ids = async (q: string, phrases: string[], more = {}) => (await index.search(q, { phrases, ...more }, 10)).map((h) => h.momentId).sort();
      expect(await ids('budget deficit', ['budget deficit'])).toEqual(['rec-a#1']);
      expect(await ids('deficit budget', ['deficit budget'])).toEqual([]);
      expect(await ids('housing shortage', ['housing shortage'])).toEqual(['rec-b#0']);
      // Across punctuation ("Housing housing housing. The housing shortage").
      expect(await ids('housing', ['housing the housing'])).toEqual(['rec-b#0']);
      expect(await ids('housing shortage', ['housing shortage'], { collection: 'council' })).toEqual([]);
      expect(await ids('budget deficit taxes', ['budget deficit', 'deficit and taxes'])).toEqual(['rec-a#1']);
      expect(await ids('budget deficit taxes', ['budget deficit', 'housing shortage'])).toEqual([]);
      // Stop words alone are no indexed word: no moment says them.
      expect(await ids('budget', ['the and'])).toEqual([]);
      expect(await index.count('housing shortage', { phrases: ['housing shortage'] })).toEqual({ value: 1, relation: 'eq' });
      expect(await index.count('housing', { phrases: ['older residents'] })).toEqual({ value: 1, relation: 'eq' });
      const facets = await index.facets('housing shortage', { phrases: ['housing shortage'] });
      expect([facets.moments, facets.recordings, facets.collection]).toEqual([1, 1, [{ value: 'radio', moments: 1, recordings: 1 }]]);
    });

    it('filters by recording, collection, speaker and date range', async () => {
      expect((await index.search('housing', { recordingId: 'rec-a' }, 10)).map((h) => h.momentId)).toEqual(['rec-a#0']);
      expect((await index.search('housing', { collection: 'radio' }, 10)).every((h) => h.momentId.startsWith('rec-b'))).toBe(true);
      expect((await index.search('remote', { speaker: 'Designer' }, 10)).map((h) => h.momentId)).toEqual(['rec-a#2']);
      expect(await index.search('remote', { speaker: 'Host' }, 10)).toEqual([]);
      const seventies = await index.search('housing', { from: '1970-01-01', to: '1979-12-31' }, 10);
      expect(seventies.map((h) => h.momentId).sort()).toEqual(['rec-b#0', 'rec-b#1']);
      const since80 = await index.search('housing', { from: '1980-01-01' }, 10);
      expect(since80.map((h) => h.momentId)).toEqual(['rec-a#0']);
    });

    it('respects the limit', async () => {
      expect(await index.search('housing', {}, 2)).toHaveLength(2);
    });

    it('counts the moments a query matches, under the same filters as search', async () => {
      // housing/houses: rec-a#0, rec-b#0, rec-b#1, rec-c#0 (any of the query's terms, as search matches)
      expect(await index.count('housing', {})).toEqual({ value: 4, relation: 'eq' });
      expect(await index.count('budget remote', {})).toEqual({ value: 2, relation: 'eq' });
      expect(await index.count('housing', { collection: 'radio' })).toEqual({ value: 2, relation: 'eq' });
      expect(await index.count('housing', { from: '1980-01-01' })).toEqual({ value: 1, relation: 'eq' });
      expect(await index.count('housing', { recordingId: 'rec-b' })).toEqual({ value: 2, relation: 'eq' });
      expect(await index.count('remote', { speaker: 'Designer' })).toEqual({ value: 1, relation: 'eq' });
      expect(await index.count('the and of', {})).toEqual({ value: 0, relation: 'eq' });
      expect(await index.count('   ', {})).toEqual({ value: 0, relation: 'eq' });
      // The count is the length of the full result list.
      for (const q of ['housing weather', 'budget', 'spring rain']) {
        expect((await index.count(q, {}))!.value, q).toBe((await index.search(q, {}, 1000)).length);
      }
    });

    it("matches each moment by its own language's stems, and names across languages", async () => {
      await store('rec-es', [
        doc('rec-es', 0, 'Los estibadores de Kelmouth fueron a la huelga en el puerto durante seis semanas.', { analysis: 'es' }),
        doc('rec-es', 1, 'El alcalde habló de los alquileres y de las viviendas nuevas.', { analysis: 'es' }),
        doc('rec-es', 2, 'Hubo huelgas.', { analysis: 'es' }),
      ]);
      await store('rec-de', [
        doc('rec-de', 0, 'Die Werftarbeiter in Kelmouth streikten drei Wochen lang für höhere Löhne.', { analysis: 'de' }),
        doc('rec-de', 1, 'Der Stadtrat beschloss die neue Straßenbahnlinie.', { analysis: 'de' }),
      ]);
      await store('rec-xx', [doc('rec-xx', 0, 'Les dockers ont fait grève à Kelmouth.', { analysis: 'other' })]);
      try {
        // Inflected forms meet by their language's stems: huelgas/huelga, streikte/streikten, Lohn/Löhne.
        expect((await index.search('¿Por qué se declaró la huelga?', {}, 10)).map((h) => h.momentId).sort()).toEqual(['rec-es#0', 'rec-es#2']);
        expect((await index.search('Warum streikte man?', {}, 10)).map((h) => h.momentId)).toEqual(['rec-de#0']);
        expect((await index.search('Straßenbahnlinien', {}, 10)).map((h) => h.momentId)).toEqual(['rec-de#1']);
        // The words as said count beside the stems: "la huelga" meets its own words in the long moment before
        // the short one that only shares the stem (huelgas), which BM25 would otherwise rank first.
        expect((await index.search('la huelga', {}, 10)).map((h) => h.momentId)).toEqual(['rec-es#0', 'rec-es#2']);
        expect((await index.search('huelgas', {}, 10)).map((h) => h.momentId)).toEqual(['rec-es#2', 'rec-es#0']);
        // A stop word as said matches weakly (its idf is low): it never outranks the words that carry the question.
        expect((await index.search('die Straßenbahnlinie', {}, 10)).map((h) => h.momentId)).toEqual(['rec-de#1', 'rec-de#0']);
        // A language without a stemmer is matched word for word.
        expect((await index.search('grève', {}, 10)).map((h) => h.momentId)).toEqual(['rec-xx#0']);
        // A name is the same word in every language.
        const kelmouth = (await index.search('Kelmouth', {}, 10)).map((h) => h.momentId).sort();
        expect(kelmouth).toEqual(['rec-de#0', 'rec-es#0', 'rec-xx#0']);
        expect((await index.count('Kelmouth', {}))!.value).toBe(3);
        // English moments are analysed as before: "houses" meets "housing"'s recording by the English stem.
        expect((await index.search('houses', {}, 10)).map((h) => h.momentId)).toContain('rec-a#0');
      } finally {
        for (const id of ['rec-es', 'rec-de', 'rec-xx']) await index.deleteRecording(id);
      }
    });

    it("reads a question's own function words in its language only, its names in every language", async () => {
      await store('rec-en-died', [doc('rec-en-died', 0, 'He died at sea, and the crew died with him.')]);
      await store('rec-de-werft', [doc('rec-de-werft', 0, 'Die Werft in Kelmouth wurde 1983 geschlossen.', { analysis: 'de' })]);
      await store('rec-es-once', [doc('rec-es-once', 0, 'Trabajábamos once horas en el puerto.', { analysis: 'es' })]);
      try {
        const ids = async (q: string, language?: 'en' | 'es' | 'de') => (await index.search(q, {}, 10, language)).map((h) => h.momentId).sort();
        // Read by every language, a German "die" is also the English verb.
        expect(await ids('die Werft')).toEqual(['rec-de-werft#0', 'rec-en-died#0']);
        // As German, it is an article: the English moment has nothing of the question.
        expect(await ids('die Werft', 'de')).toEqual(['rec-de-werft#0']);
        expect((await index.count('die Werft', {}, 'de'))!.value).toBe(1);
        expect((await index.facets('die Werft', {}, 'de')).recordings).toBe(1);
        // An English "once" is not the Spanish number; English words still match as English.
        expect(await ids('once the crew died', 'en')).toEqual(['rec-en-died#0']);
        expect(await ids('once the crew died')).toEqual(['rec-en-died#0', 'rec-es-once#0']);
        // A name matches in every language, whatever the question's.
        expect(await ids('Kelmouth', 'en')).toEqual(['rec-de-werft#0']);
      } finally {
        for (const id of ['rec-en-died', 'rec-de-werft', 'rec-es-once']) await index.deleteRecording(id);
      }
    });

    it("scores a Spanish or German question's function words as said, but matches a moment by its other words", async () => {
      await store('rec-es-huelga', [doc('rec-es-huelga', 0, 'La huelga empezó un lunes de febrero.', { analysis: 'es' })]);
      await store('rec-es-lonja', [doc('rec-es-lonja', 0, 'Con la lonja y con la junta, la cofradía.', { analysis: 'es' })]);
      await store('rec-de-bad', [doc('rec-de-bad', 0, 'Die Stadt und die Werft, mit dem Bad.', { analysis: 'de' })]);
      try {
        const ids = async (q: string, language: 'es' | 'de') => (await index.search(q, {}, 10, language)).map((h) => h.momentId).sort();
        // "con" and "la" are in every Spanish moment: they are no reason to list one.
        expect(await ids('¿Qué consiguieron con la huelga?', 'es')).toEqual(['rec-es-huelga#0']);
        expect((await index.count('¿Qué consiguieron con la huelga?', {}, 'es'))!.value).toBe(1);
        expect((await index.facets('¿Qué consiguieron con la huelga?', {}, 'es')).recordings).toBe(1);
        expect(await ids('Warum sollte die Straßenbahn mit dem Bus fahren?', 'de')).toEqual([]);
        expect((await index.count('Warum sollte die Straßenbahn mit dem Bus fahren?', {}, 'de'))!.value).toBe(0);
        // A question of function words alone is read by them: something is better than nothing.
        expect(await ids('con la', 'es')).toEqual(['rec-es-huelga#0', 'rec-es-lonja#0']);
      } finally {
        for (const id of ['rec-es-huelga', 'rec-es-lonja', 'rec-de-bad']) await index.deleteRecording(id);
      }
    });

    it('filters by kind: screen text apart from speech, documents without a kind being speech', async () => {
      await store('rec-v', [
        doc('rec-v', 0, 'The harbour council met about housing.', { kind: 'speech' }),
        { ...doc('rec-v', 0, 'HARBOUR COUNCIL housing', { kind: 'screen', speakers: [] }), momentId: 'rec-v#f0' },
      ]);
      try {
        expect((await index.search('harbour', {}, 10)).map((h) => h.momentId).sort()).toEqual(['rec-v#0', 'rec-v#f0']);
        expect((await index.search('harbour', { kind: 'screen' }, 10)).map((h) => h.momentId)).toEqual(['rec-v#f0']);
        expect((await index.search('harbour', { kind: 'speech' }, 10)).map((h) => h.momentId)).toEqual(['rec-v#0']);
        // rec-a#0 and the others were indexed without a kind: speech.
        const speech = (await index.search('housing', { kind: 'speech' }, 10)).map((h) => h.momentId);
        expect(speech).toContain('rec-a#0');
        expect(speech).not.toContain('rec-v#f0');
        expect(await index.count('housing', { kind: 'screen' })).toEqual({ value: 1, relation: 'eq' });
        expect(await index.count('housing', { kind: 'speech' })).toEqual({ value: 5, relation: 'eq' });
      } finally {
        await index.deleteRecording('rec-v');
      }
    });

    it('counts facets over every matching moment: by collection, year, decade and speaker, with distinct recordings', async () => {
      // housing/houses: rec-a#0 (council, 1987, Chair), rec-b#0 (radio, 1972, Host), rec-b#1 (radio, 1972, Guest),
      // rec-c#0 (no collection, undated, no speaker): in the totals, in no bucket.
      const f = await index.facets('housing', {});
      expect({ moments: f.moments, recordings: f.recordings }).toEqual({ moments: 4, recordings: 3 });
      expect(f.collection).toEqual([
        { value: 'radio', moments: 2, recordings: 1 },
        { value: 'council', moments: 1, recordings: 1 },
      ]);
      expect(f.year).toEqual([
        { value: '1972', moments: 2, recordings: 1 },
        { value: '1987', moments: 1, recordings: 1 },
      ]);
      expect(f.decade).toEqual([
        { value: '1970s', moments: 2, recordings: 1 },
        { value: '1980s', moments: 1, recordings: 1 },
      ]);
      expect(f.speaker).toEqual([
        { value: 'Chair', moments: 1, recordings: 1 },
        { value: 'Guest', moments: 1, recordings: 1 },
        { value: 'Host', moments: 1, recordings: 1 },
      ]);
      // The totals are the count's, under the same filters.
      for (const [q, filters] of [['housing weather', {}], ['housing', { from: '1970-01-01', to: '1979-12-31' }], ['budget remote', { collection: 'council' }]] as const) {
        const n = await index.count(q, filters);
        expect((await index.facets(q, filters)).moments, q).toBe(n!.value);
      }
      const seventies = await index.facets('housing', { from: '1970-01-01', to: '1979-12-31' });
      expect(seventies.collection).toEqual([{ value: 'radio', moments: 2, recordings: 1 }]);
      expect(seventies.speaker.map((b) => b.value)).toEqual(['Guest', 'Host']);
      expect(await index.facets('the and of', {})).toMatchObject({ moments: 0, recordings: 0, collection: [], year: [], speaker: [] });
    });

    it('counts facets of every moment under the filters alone (a null query: browsing)', async () => {
      const council = await index.facets(null, { collection: 'council' });
      expect({ moments: council.moments, recordings: council.recordings }).toEqual({ moments: 3, recordings: 1 });
      expect(council.year).toEqual([{ value: '1987', moments: 3, recordings: 1 }]);
      // A moment of two speakers counts under each.
      expect(council.speaker).toEqual([
        { value: 'Chair', moments: 1, recordings: 1 },
        { value: 'Designer', moments: 1, recordings: 1 },
        { value: 'Marketing', moments: 1, recordings: 1 },
        { value: 'Treasurer', moments: 1, recordings: 1 },
      ]);
      const all = await index.facets(null, {});
      expect({ moments: all.moments, recordings: all.recordings }).toEqual({ moments: 6, recordings: 3 });
      expect(all.decade).toEqual([
        { value: '1970s', moments: 2, recordings: 1 },
        { value: '1980s', moments: 3, recordings: 1 },
      ]);
      expect((await index.facets(null, { speaker: 'Host' })).collection).toEqual([{ value: 'radio', moments: 1, recordings: 1 }]);
      expect((await index.facets(null, { to: '1980-01-01' })).recordings).toBe(1);
    });

    it('scores whole recordings by BM25 over their talk, for the recordings asked about only', async () => {
      const all = await index.recordingScores('housing', ['rec-a', 'rec-b', 'rec-c', 'rec-none']);
      expect([...all.keys()].sort()).toEqual(['rec-a', 'rec-b', 'rec-c']);
      // rec-b says "housing" six times
      expect(all.get('rec-b')!).toBeGreaterThan(all.get('rec-a')!);
      expect([...(await index.recordingScores('housing', ['rec-a'])).keys()]).toEqual(['rec-a']);
      expect([...(await index.recordingScores('budget deficit', ['rec-a', 'rec-b'])).keys()]).toEqual(['rec-a']);
      expect((await index.recordingScores('the of and', ['rec-a', 'rec-b'])).size).toBe(0);
      expect((await index.recordingScores('housing', [])).size).toBe(0);
    });

    it('keeps a recording as one document through replacement and deletion, its screen text apart', async () => {
      await store('rec-w', [
        doc('rec-w', 0, 'The lighthouse keeper kept the lamp lit.'),
        doc('rec-w', 1, 'Harbour tariffs on the slide.', { kind: 'screen' }),
      ]);
      expect([...(await index.recordingScores('lighthouse', ['rec-w', 'rec-a'])).keys()]).toEqual(['rec-w']);
      expect((await index.recordingScores('tariffs', ['rec-w'])).size).toBe(0);
      await store('rec-w', [doc('rec-w', 0, 'Only the ferry timetable now.')]);
      expect((await index.recordingScores('lighthouse', ['rec-w'])).size).toBe(0);
      expect((await index.recordingScores('ferry', ['rec-w'])).size).toBe(1);
      await index.deleteRecording('rec-w');
      expect((await index.recordingScores('ferry', ['rec-w'])).size).toBe(0);
    });

    it("scores a recording by the question's own language only", async () => {
      await store('rec-de', [doc('rec-de', 0, 'Im Jahr 1967 in der Werft in Kiel, in jeder Schicht.', { analysis: 'de' })]);
      expect((await index.recordingScores('the strike in 1967', ['rec-de'])).size).toBe(0);
      expect([...(await index.recordingScores('die Werft 1967', ['rec-de'], 'de')).keys()]).toEqual(['rec-de']);
      await index.deleteRecording('rec-de');
    });

    it('compacts its storage after replacements, answering the same afterwards', async () => {
      for (let round = 0; round < 3; round++) {
        await store('rec-churn', Array.from({ length: 20 }, (_, i) => doc('rec-churn', i, `Churned passage ${i} of round ${round}: ferries, tariffs and the harbour board.`)));
      }
      const asked = async () => ({
        hits: await index.search('housing budget ferries', {}, 20),
        count: await index.count(),
        documents: [...(await index.recordingScores('harbour housing', ['rec-a', 'rec-b', 'rec-churn']))].sort(),
      });
      const before = await asked();
      const report = await index.compact();
      expect(report.bytesAfter).toBeGreaterThan(0);
      expect(report.rewritten.length).toBeGreaterThan(0);
      const after = await asked();
      expect(after.hits.map((h) => h.momentId)).toEqual(before.hits.map((h) => h.momentId));
      after.hits.forEach((h, i) => expect(h.score).toBeCloseTo(before.hits[i].score, 6));
      expect(after.count).toBe(before.count);
      expect(after.documents.map(([id]) => id)).toEqual(before.documents.map(([id]) => id));
      await index.deleteRecording('rec-churn');
    });

    it('replaces and deletes a recording without touching the others', async () => {
      await store('rec-c', [doc('rec-c', 0, 'Now about fisheries instead.', { recordedAt: null })]);
      expect((await index.search('cooperatives', {}, 10))).toEqual([]);
      expect((await index.search('fisheries', {}, 10)).map((h) => h.momentId)).toEqual(['rec-c#0']);
      const before = await index.count();
      await index.deleteRecording('rec-c');
      expect(await index.search('fisheries', {}, 10)).toEqual([]);
      expect(await index.count()).toBe(before - 1);
      expect((await index.search('budget', {}, 10)).length).toBeGreaterThan(0);
    });
  });
}
