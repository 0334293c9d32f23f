import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { ingestManifest } from '../../src/ingest/bulk.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { searchMoments } from '../../src/retrieval/search.js';
import { migratedTemplate } from '../helpers/db.js';

const SAMPLE = path.resolve(__dirname, '../../sample/manifest.jsonl');

describe('finding the moment in the sample archive (BM25)', () => {
  let s: Services;
  beforeAll(async () => {
    s = await openServices(loadConfig({ EMBEDDINGS: 'none', DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), {
      logger: createLogger('silent'),
      inMemoryDb: true, dbTemplate: migratedTemplate(),
      embedCacheDir: null,
    });
    await ingestManifest(s, SAMPLE, {});
  });
  afterAll(() => s?.close());
  /** A WebVTT transcript of `cues` ingested as recording `id`. */
  const addTranscript = (id: string, cues: string[]) =>
    ingestTranscript(s, {
      meta: { id, title: id, recordedAt: null, collection: null, language: null, source: null },
      fileName: `${id}.vtt`,
      content: ['WEBVTT', ...cues].join('\n\n') + '\n',
    });

  it('falls back to the whole archive with the year kept as words when the year finds too little, and says so', async () => {
    const out = await searchMoments(s, { q: 'Why did the dockers go on strike in 1967?', mode: 'bm25', limit: 5, filters: {} });
    expect(out.routing).toMatchObject({ from: '1967-01-01', to: '1967-12-31', source: 'question', fallback: true });
    expect(out.results[0].recording_id).toBe('oral-history-1974-docks');
    expect(out.warnings.join(' ')).toMatch(/all dates were searched/);
    expect(out.matched_text).toContain('1967');
  });

  it('reads a year spelled as it is said as the year, and searches for it as written', async () => {
    const digits = await searchMoments(s, { q: 'Why did the dockers go on strike in 1967?', mode: 'bm25', limit: 5, filters: {} });
    const said = await searchMoments(s, { q: 'Why did the dockers go on strike in nineteen sixty-seven?', mode: 'bm25', limit: 5, filters: {} });
    expect(said.routing).toMatchObject({ from: '1967-01-01', to: '1967-12-31', source: 'question', fallback: true, matched: ['in 1967'] });
    expect(said.matched_text).toBe(digits.matched_text);
    expect(said.results.map((r) => r.url)).toEqual(digits.results.map((r) => r.url));
    // By its last two digits, too.
    const short = await searchMoments(s, { q: "Why did the dockers go on strike in '67?", mode: 'bm25', limit: 5, filters: {} });
    expect(short.matched_text).toBe(digits.matched_text);
    expect(short.results.map((r) => r.url)).toEqual(digits.results.map((r) => r.url));
  });

  it("falls back when its decade's passages hold none of the question's subject words and all dates' hold some", async () => {
    // The sixties' one recording shares only "happened" with the question; the docks interview of 1974 holds
    // two of its six subject words, too few to call it more than thin.
    const out = await searchMoments(s, { q: 'What happened to the guild, the regatta, the lighthouse keepers and the container ships in the sixties?', mode: 'bm25', limit: 5, filters: {} });
    expect(out.routing).toMatchObject({ from: '1960-01-01', to: '1969-12-31', fallback: true });
    expect(out.results[0].recording_id).toBe('oral-history-1974-docks');
  });

  it("reads a German question's articles as German only: its decade's English recording holds nothing of it", async () => {
    // "die" is also an English verb, and the sixties' one recording, in English, says "died".
    const q = 'Wie wurde die Bauweise der Schiffe in der zweiten Hälfte der sechziger Jahre umgestellt?';
    expect((await searchMoments(s, { q, mode: 'bm25', limit: 5, filters: {}, fallback: false })).results).toEqual([]);
    const out = await searchMoments(s, { q, mode: 'bm25', limit: 5, filters: {} });
    expect(out.routing).toMatchObject({ from: '1960-01-01', to: '1969-12-31', fallback: true });
    expect(out.results[0].recording_id).toBe('oral-history-1983-werft-de');
  });

  it("lists and counts a Spanish question's moments by its words, not by the function words every Spanish moment holds", async () => {
    // "con" and "la" are in nearly every moment of the two Spanish recordings; only the oral history tells of a strike.
    const out = await searchMoments(s, { q: '¿Qué consiguieron con la huelga?', mode: 'bm25', limit: 20, filters: {}, total: true });
    expect(out.results.length).toBeGreaterThan(0);
    for (const r of out.results) {
      expect(r.recording_id).toBe('oral-history-1979-fabrica-es');
      expect(r.text.toLowerCase()).toContain('huelga');
    }
    expect(out.total!.value).toBeLessThan(8);
  });

  it('keeps to the dates when the question has no subject besides them: the dates as words would find other talk', async () => {
    // All dates would find "eighty" said in 2015 and 2006.
    const out = await searchMoments(s, { q: 'What happened in the eighties?', mode: 'bm25', limit: 10, filters: {} });
    expect(out.routing).toMatchObject({ from: '1980-01-01', to: '1989-12-31', source: 'question' });
    expect(out.routing?.fallback).toBeUndefined();
    expect(out.results.every((r) => r.recorded_at?.startsWith('198'))).toBe(true);
  });

  it('keeps to the year when the year holds the answer', async () => {
    const out = await searchMoments(s, { q: 'Why did the library decide to lend paperbacks in 1968?', mode: 'bm25', limit: 5, filters: {} });
    expect(out.routing).toMatchObject({ from: '1968-01-01', source: 'question' });
    expect(out.routing?.fallback).toBeUndefined();
    expect(out.results.every((r) => r.recorded_at?.startsWith('1968'))).toBe(true);
  });

  it('opens each result on a sentence of its best moment, inside the passage it shows', async () => {
    const out = await searchMoments(s, { q: 'How quickly was the first container ship unloaded at Berth Nine?', mode: 'bm25', limit: 5, filters: {} });
    for (const r of out.results) {
      expect(r.at).toBeGreaterThanOrEqual(r.start);
      expect(r.at).toBeLessThanOrEqual(r.end);
      expect(r.url).toBe(`/r/${encodeURIComponent(r.recording_id)}?t=${Math.round(r.at * 1000) / 1000}`);
    }
    // the docker's reply (6:21), not the interviewer's question before it
    expect(out.results[0]).toMatchObject({ recording_id: 'oral-history-1974-docks' });
    expect(Math.floor(out.results[0].at)).toBe(381);
  });

  it('links to the turn it opens on, not to the end of the turn before it', async () => {
    // A reply that starts 0.6 s into a second, right after the question: a link in whole seconds would open on
    // the question, and the recording page would mark the question as the line playing.
    await addTranscript('ferry-fares', [
      '00:00:00.000 --> 00:00:20.000\n<v A>We spent the morning at the harbour office going through the timetables for the winter.',
      '00:00:20.100 --> 00:00:23.400\n<v A>Which brings us to the ferry fares.',
      '00:00:23.600 --> 00:00:45.000\n<v B>The ferry fares rise by a tenth in March, and children under twelve travel free all year.',
    ]);
    const out = await searchMoments(s, { q: 'ferry fares', mode: 'bm25', limit: 5, filters: { recordingId: 'ferry-fares' } });
    expect(out.results[0].at).toBe(23.6);
    expect(out.results[0].url).toBe('/r/ferry-fares?t=23.6');
  });

  it('opens on the answer to a short turn that goes on from the words asked about to a question', async () => {
    // "Im September haben die Kollegen die Werft besetzt. Waren Sie dabei?" is the interviewer's; the answer, how
    // long the yard was held, is the reply.
    const out = await searchMoments(s, { q: 'Wie lange hielten die Arbeiter die Werft im September 1983 besetzt?', mode: 'bm25', limit: 3, filters: {} });
    const [r] = out.results;
    expect(r.recording_id).toBe('oral-history-1983-werft-de');
    expect(r.url).toBe('/r/oral-history-1983-werft-de?t=415.936');
    expect(r.highlight).toMatch(/Die ganzen acht Tage/);
  });

  it('shows the reply it opens on when the reply lies past the passage that matched', async () => {
    await addTranscript('keeper', [
      '00:00:00.000 --> 00:00:18.000\n<v A>We walked along the harbour wall that morning and talked about the weather and the boats.',
      '00:00:18.000 --> 00:00:22.000\n<v A>What happened to the lighthouse keeper?',
      '00:00:23.000 --> 00:00:50.000\n<v B>He retired in nineteen sixty and moved inland to live with his sister near the hills.',
      '00:00:51.000 --> 00:01:15.000\n<v A>The harbour itself was rebuilt after the war with money from the government.',
    ]);
    const out = await searchMoments(s, { q: 'lighthouse keeper', mode: 'bm25', limit: 5, filters: { recordingId: 'keeper' } });
    const [r] = out.results;
    expect(r.at).toBe(23);
    expect(r.end).toBeGreaterThanOrEqual(50);
    expect(r.text).toMatch(/What happened to the lighthouse keeper\? He retired in nineteen sixty/);
    expect(r.highlight).toMatch(/He retired/);
  });

  it('shows in the excerpt the sentence its link opens on, wherever the question\'s words are densest', async () => {
    await addTranscript('keeper-long', [
      '00:00:00.000 --> 00:00:20.000\n<v A>The lighthouse keeper rowed out at dawn, and the lighthouse keeper came back at dusk; the lighthouse keeper kept a log and kept bees, and every child on the harbour knew the lighthouse keeper by the sound of his oars.',
      '00:00:20.500 --> 00:00:40.000\n<v A>In a storm the lighthouse keeper stayed up all night, the lighthouse keeper wound the clockwork lamp by hand, and the lighthouse keeper wrote the weather in the log for the harbour master to read.',
      '00:00:40.500 --> 00:01:00.000\n<v A>When the fog came in the lighthouse keeper sounded the horn, the lighthouse keeper kept the fire going, and the lighthouse keeper counted the ships out and in until the morning came.',
      '00:01:00.500 --> 00:01:04.000\n<v A>And what became of the lighthouse keeper?',
      '00:01:05.000 --> 00:01:25.000\n<v B>He retired in nineteen sixty, sold the boat to the harbour master and moved inland to live with his sister near the hills, and he never went to sea again.',
    ]);
    const out = await searchMoments(s, { q: 'What became of the lighthouse keeper?', mode: 'bm25', limit: 5, filters: { recordingId: 'keeper-long' } });
    const [r] = out.results;
    expect(r.at).toBe(65);
    expect(r.highlight).toMatch(/He retired in nineteen sixty/);
  });

  it('asked about a speaker, ranks the moments they talk in above those they only pass through', async () => {
    await addTranscript('tariffs', [
      '00:00:00.000 --> 00:00:02.000\n<v Marketing>Sounds good.',
      '00:00:02.500 --> 00:00:25.000\n<v Manager>The tariff question again: the tariff goes up in spring, the tariff board decided it, and the tariff will be printed on every ticket from April.',
      '00:01:00.000 --> 00:01:25.000\n<v Marketing>On the tariff, people told us they would pay more for a ticket if the trains ran on time, so the tariff matters less than punctuality.',
    ]);
    const out = await searchMoments(s, { q: 'tariff', mode: 'bm25', limit: 5, filters: { recordingId: 'tariffs', speaker: 'Marketing' } });
    expect(out.results.map((r) => Math.floor(r.start))).toEqual([60, 0]);
    const everyone = await searchMoments(s, { q: 'tariff', mode: 'bm25', limit: 5, filters: { recordingId: 'tariffs' } });
    expect(Math.floor(everyone.results[0].start)).toBe(0);
  });

  it('names first the speaker who talks most in a passage, by the time they talk', async () => {
    await addTranscript('fares', [
      '00:00:00.000 --> 00:00:02.000\n<v Marketing>Sounds good.',
      '00:00:02.500 --> 00:00:25.000\n<v Manager>The fare question again: the fare goes up in spring, the fare board decided it, and the fare will be printed on every ticket from April.',
    ]);
    const out = await searchMoments(s, { q: 'fare board', mode: 'bm25', limit: 5, filters: { recordingId: 'fares' } });
    expect(out.results[0]).toMatchObject({ speaker: 'Manager', speakers: ['Manager', 'Marketing'] });
  });

  it('lists a passage whose link is less than a minute from a better one after the passages of other talk', async () => {
    // Two passages of one recording, their links 40 s apart, with talk of something else between them.
    await addTranscript('marzipan-long', [
      '00:00:00.000 --> 00:00:19.000\n<v A>The marzipan lighthouse: almonds, sugar, and the marzipan lighthouse again.',
      '00:00:20.000 --> 00:00:39.000\n<v B>Then we walked along the harbour wall and talked about the weather and the boats.',
      '00:00:40.000 --> 00:00:59.000\n<v A>And the marzipan lighthouse was eaten by the end of the fair.',
    ]);
    await addTranscript('marzipan-other', ['00:00:00.000 --> 00:00:15.000\n<v B>Somebody once built a marzipan lighthouse for the harbour fair.']);
    const out = await searchMoments(s, { q: 'the marzipan', mode: 'bm25', limit: 5, filters: {} });
    expect(out.results.map((r) => r.recording_id)).toEqual(['marzipan-long', 'marzipan-other', 'marzipan-long']);
    expect(out.results[2].start).toBe(40);
  });

  it('ranks a moment that says the question\'s words together above one that scores more by BM25 with them apart', async () => {
    await addTranscript('tariff-together', ['00:00:00.000 --> 00:00:12.000\n<v A>The ferry board agreed on tariff harmonisation across the northern routes.']);
    await addTranscript('tariff-apart', ['00:00:00.000 --> 00:00:12.000\n<v A>A tariff was set, and the routes need harmonisation.']);
    const out = await searchMoments(s, { q: 'tariff harmonisation', mode: 'bm25', limit: 5, filters: {} });
    const mine = out.results.filter((r) => r.recording_id.startsWith('tariff-'));
    expect(mine.map((r) => r.recording_id)).toEqual(['tariff-together', 'tariff-apart']);
    expect(mine[0].scores.bm25!).toBeLessThan(mine[1].scores.bm25!);
  });

  it('finds and opens on the past tense of a verb asked about in its base form', async () => {
    await addTranscript('swollen', [
      '00:00:00.000 --> 00:00:20.000\n<v A>Good morning from the studio, where the whole programme is about the river and the town today.',
      '00:00:21.000 --> 00:00:44.000\n<v B>The river rose all night, and by dawn it stood a metre over the quay at the old mill.',
      '00:00:45.000 --> 00:01:00.000\n<v A>Callers tell us the buses are running again, and the schools reopen on Monday morning.',
    ]);
    const out = await searchMoments(s, { q: 'How far did the river rise?', mode: 'bm25', limit: 5, filters: { recordingId: 'swollen' } });
    expect(out.results[0].at).toBe(21);
    expect(out.results[0].highlight).toMatch(/<mark>rose<\/mark>/);
  });

  it('neither finds nor marks a passage by a light verb of the question alone ("go on strike": "went", "going")', async () => {
    const out = await searchMoments(s, { q: 'Why did the dockers go on strike?', mode: 'bm25', limit: 50, filters: {} });
    expect(out.results[0].recording_id).toBe('oral-history-1974-docks');
    for (const r of out.results) {
      expect(r.highlight).not.toMatch(/<mark>(go|went|gone|going)<\/mark>/i);
      expect(r.highlight).toMatch(/<mark>/);
    }
  });

  it('ranks the talk about a subject above the opening that only names it among the others', async () => {
    await addTranscript('committee-night', [
      '00:00:00.000 --> 00:00:12.000\n<v Chair>Good evening. Tonight we have the roof repairs at the school, the library hours and the bus shelters.',
      '00:00:13.000 --> 00:00:40.000\n<v Clerk>Apologies from Councillor Webb and Councillor Singh, and the minutes of the last meeting were agreed.',
      '00:03:20.000 --> 00:03:34.000\n<v Clerk>The roof repairs at the school start in May, and the contractor has promised the work is done by September.',
      '00:05:20.000 --> 00:05:40.000\n<v Chair>Thank you all, and good night.',
    ]);
    const out = await searchMoments(s, { q: 'What about the roof repairs at the school?', mode: 'bm25', limit: 5, filters: { recordingId: 'committee-night' } });
    expect(out.results.map((r) => Math.floor(r.start))).toEqual([200, 0]);
  });

  it('never lists a moment of nothing but fillers', async () => {
    await addTranscript('fillers', ['00:00:00.000 --> 00:00:30.000\n<v A>Um .', '00:00:40.000 --> 00:01:10.000\n<v B>The ship was unloaded at the berth in a day.']);
    const out = await searchMoments(s, { q: 'um the ship unloaded', mode: 'bm25', limit: 20, filters: { recordingId: 'fillers' } });
    expect(out.results.map((r) => r.text)).toEqual(['The ship was unloaded at the berth in a day.']);
  });

  it("finds a year said by its last two digits ('67) by the whole year, read by the recording's date", async () => {
    await ingestTranscript(s, {
      meta: { id: 'strike-memories', title: 'Strike memories', recordedAt: '1974-05-02', collection: null, language: null, source: null },
      fileName: 'strike-memories.vtt',
      content: "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>The big walkout, in '67.\n\n00:00:05.000 --> 00:00:09.000\n<v Docker>We stayed out for seven weeks.\n",
    });
    const out = await searchMoments(s, { q: 'the walkout of 1967', mode: 'bm25', limit: 50, filters: {}, temporal: 'off' });
    const found = out.results.find((r) => r.recording_id === 'strike-memories');
    expect(found?.scores.bm25).toBeGreaterThan(
      (await searchMoments(s, { q: 'the walkout', mode: 'bm25', limit: 50, filters: { recordingId: 'strike-memories' } })).results[0].scores.bm25!,
    );
  });
});
