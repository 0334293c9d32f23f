import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryVector } from '../../src/retrieval/search.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

describe('HTTP API: ingest, search, recordings (real USE embeddings, PGlite, loopback HTTP)', () => {
  let t: TestServer;
  const get = async (p: string) => {
    const res = await fetch(t.url + p);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
  };
  const post = async (form: FormData) => {
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: form });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    t = await startTestServer();
    const a = await post(transcriptForm('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a', title: 'Remote control kick-off', recorded_at: '1992-01-11', collection: 'qmsum' }));
    expect(a.status).toBe(201);
    const b = await post(transcriptForm('IS1004a.vtt', devTranscript('IS1004a'), { id: 'IS1004a', title: 'Design meeting', recorded_at: '2021-06-03', collection: 'other' }));
    expect(b.status).toBe(201);
  });
  afterAll(async () => t?.close());

  it('returns moments with every documented field and a deep link inside the moment', async () => {
    const { status, body } = await get('/v1/search?q=remote%20control%20features%20gimmick%20whistle&limit=5');
    expect(status).toBe(200);
    expect(body).toMatchObject({ query: 'remote control features gimmick whistle', mode: 'hybrid' });
    expect(typeof body.took_ms).toBe('number');
    expect(body.results.length).toBeGreaterThan(0);
    const r = body.results[0];
    for (const k of ['recording_id', 'recording_title', 'recorded_at', 'start', 'end', 'speaker', 'text', 'highlight', 'score', 'scores', 'url'])
      expect(r).toHaveProperty(k);
    expect(r.scores).toHaveProperty('bm25');
    expect(r.scores).toHaveProperty('vector');
    expect(r.url).toMatch(/^\/r\/[^?]+\?t=\d+(\.\d{1,3})?$/);
    const t0 = Number(new URL(r.url, t.url).searchParams.get('t'));
    expect(t0).toBeCloseTo(r.at, 3);
    expect(t0).toBeGreaterThanOrEqual(r.start);
    expect(t0).toBeLessThan(r.end);
    expect(r.highlight).toContain('<mark>');
    expect(r.recorded_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('gives start, end and at to the millisecond, as url does, in searches and exports', async () => {
    const toMs = (x: number) => Math.round(x * 1000) / 1000;
    const seen: number[] = [];
    for (const q of ['remote control', 'buttons on the remote', 'price of the remote control', 'design of the case', 'battery']) {
      const { body } = await get(`/v1/search?${new URLSearchParams({ q, limit: '20', mode: 'bm25' })}`);
      const { body: rows } = await get(`/v1/search/export?${new URLSearchParams({ q, limit: '20', mode: 'bm25', format: 'json' })}`);
      for (const r of [...body.results, ...rows]) {
        for (const x of [r.start, r.end, r.at]) expect(x, `${q}: ${r.url}`).toBe(toMs(x));
        expect(r.url).toBe(`/r/${r.recording_id}?t=${r.at}`);
        seen.push(r.at);
      }
    }
    expect(seen.length).toBeGreaterThan(20);
  });

  it('never lists overlapping passages of one recording twice', async () => {
    const { body } = await get('/v1/search?q=remote%20control&limit=20');
    const byRec = new Map<string, { start: number; end: number }[]>();
    for (const r of body.results) byRec.set(r.recording_id, [...(byRec.get(r.recording_id) ?? []), r]);
    for (const spans of byRec.values()) {
      spans.sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThan(spans[i - 1].end);
    }
  });

  it('runs each mode and reports the leg scores it used', async () => {
    const bm25 = await get('/v1/search?q=remote%20control&mode=bm25');
    expect(bm25.body.mode).toBe('bm25');
    expect(bm25.body.results.every((r: { scores: { vector: unknown } }) => r.scores.vector === null)).toBe(true);
    const vec = await get('/v1/search?q=what%20should%20the%20new%20remote%20look%20like&mode=vector');
    expect(vec.body.results.length).toBeGreaterThan(0);
    expect(vec.body.results.every((r: { scores: { bm25: unknown } }) => r.scores.bm25 === null)).toBe(true);
  });

  it('lists under hybrid only moments close in meaning (cosine ≥ 0.35) when no word of the question matches', async () => {
    // Nothing near a question about something else; within one recording, its nearest moments are all it has.
    const elsewhere = encodeURIComponent('shipyard closure dockers');
    expect((await get(`/v1/search?q=${elsewhere}&limit=50`)).body.results).toEqual([]);
    expect((await get(`/v1/search?q=${elsewhere}&recording=ES2005a`)).body.results.length).toBeGreaterThan(0);
    // The remote controls of these meetings, in none of their words.
    const q = encodeURIComponent('gadgets that switch channels');
    const hybrid = (await get(`/v1/search?q=${q}&limit=50`)).body;
    expect(hybrid.total).toBe(0);
    for (const r of hybrid.results) expect(r.scores).toMatchObject({ bm25: null, vector: expect.any(Number) });
    // The floor is on the embedder's own cosine (the query adapter moves the question, and the scores are its).
    const ids = hybrid.results.flatMap((r: { moment_ids: string[] }) => r.moment_ids);
    const plain = await t.services.vectors!.similarities(await queryVector(t.services, 'gadgets that switch channels', { plain: true }), ids);
    for (const r of hybrid.results) expect(Math.max(...r.moment_ids.map((id: string) => plain.get(id) ?? -1))).toBeGreaterThanOrEqual(0.35);
    // mode=vector asks for nearness alone: its nearest moments are listed however far.
    const vector = (await get(`/v1/search?q=${q}&limit=50&mode=vector`)).body;
    expect(vector.results.length).toBeGreaterThan(hybrid.results.length);
    // The web page does not call what it lists "0 matching moments".
    const n = hybrid.results.slice(0, 10).length;
    expect(n).toBeGreaterThan(0);
    const html = (await get(`/?q=${q}`)).body as string;
    expect(html).toMatch(new RegExp(`No moment says these words: ${n} passages? close in meaning <span class="muted">to “gadgets that switch channels”`));
    expect(html).not.toContain('0 matching moments');
  });

  it('lists the recordings of the time a question of nothing but dates names, and searches its words when there are none', async () => {
    // ... or dates and the words that frame a question, without a subject of its own.
    for (const q of ['1992', 'in the nineties', 'the 1990s?', 'What happened in the nineties?', 'What was said in 1992?']) {
      const { body } = await get(`/v1/search?q=${encodeURIComponent(q)}`);
      expect(body.results, q).toEqual([]);
      expect(body.recordings.map((r: { recording_id: string }) => r.recording_id), q).toEqual(['ES2005a']);
      expect(body.routing).toMatchObject({ from: q.includes('1992') ? '1992-01-01' : '1990-01-01', source: 'question' });
      expect(body.total).toBe(1);
    }
    // Under the other filters too; and the web page lists the recording.
    expect((await get('/v1/search?q=2021&collection=other')).body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['IS1004a']);
    expect((await get('/v1/search?q=1992&collection=other')).body.recordings).toBeNull();
    const page = (await get('/?q=in+the+nineties')).body as string;
    expect(page).toContain('Remote control kick-off');
    expect(page).toContain('dated 1990-01-01 – 1999-12-31 (the dates in the question)');
    // Within one recording, the moments that say the year.
    const within = (await get('/v1/search?q=1992&recording=ES2005a')).body;
    expect(within.recordings).toBeNull();
    // No recording of 1967: moments that say the year, as for any other question.
    const none = (await get('/v1/search?q=1967')).body;
    expect(none.recordings).toBeNull();
    expect(none.routing).toMatchObject({ from: '1967-01-01', source: 'question' });
  });

  it('applies recording, collection, speaker and date filters', async () => {
    const rec = await get('/v1/search?q=remote&recording=IS1004a');
    expect(rec.body.results.length).toBeGreaterThan(0);
    expect(rec.body.results.every((r: { recording_id: string }) => r.recording_id === 'IS1004a')).toBe(true);
    const coll = await get('/v1/search?q=remote&collection=qmsum');
    expect(coll.body.results.every((r: { recording_id: string }) => r.recording_id === 'ES2005a')).toBe(true);
    const dated = await get('/v1/search?q=remote&from=2000-01-01&to=2029-12-31');
    expect(dated.body.results.every((r: { recorded_at: string }) => r.recorded_at >= '2000-01-01')).toBe(true);
    // A year is all of it, at either end: ES2005a is of 11 January 1992, IS1004a of 2021.
    const year = await get('/v1/search?q=remote&from=1992&to=1992');
    expect(year.body.routing).toMatchObject({ from: '1992-01-01', to: '1992-12-31', source: 'params' });
    expect(year.body.results.length).toBeGreaterThan(0);
    expect(year.body.results.every((r: { recording_id: string }) => r.recording_id === 'ES2005a')).toBe(true);
    expect((await get('/v1/search?q=remote&to=1992-01')).body.routing).toMatchObject({ from: null, to: '1992-01-31' });
    const spk = await get('/v1/search?q=remote&speaker=Marketing&recording=ES2005a&mode=bm25');
    expect(spk.body.results.length).toBeGreaterThan(0);
    for (const r of spk.body.results) expect(r.speakers).toContain('Marketing');
  });

  it('says so when a speaker or collection filter names none of the archive, with what it may have meant', async () => {
    const spk = await get('/v1/search?q=remote&speaker=Designer');
    expect(spk.status).toBe(200);
    expect(spk.body.results).toEqual([]);
    expect(spk.body.warnings).toEqual(['no speaker is called "Designer" in the archive; did you mean "Industrial Designer"?']);
    const coll = await get('/v1/search?q=remote&collection=QMSUM');
    expect(coll.body.warnings).toEqual(['no collection is called "QMSUM" in the archive; did you mean "qmsum"?']);
    const none = await get('/v1/search?q=remote&collection=nope');
    expect(none.body.warnings).toEqual(['no collection is called "nope" in the archive (its collections: other, qmsum)']);
    // Browsing under the filter says the same.
    const browsed = await get('/v1/search?q=&speaker=Designer');
    expect(browsed.body.warnings).toEqual(spk.body.warnings);
    // A known speaker with nothing to match says nothing of the kind.
    const known = await get('/v1/search?q=zeppelin&speaker=Marketing&mode=bm25');
    expect(known.body.warnings).toEqual([]);
  });

  it('reads a date range from the question, routes by it, and can be told not to', async () => {
    const routed = await get('/v1/search?q=' + encodeURIComponent('In 1992, what was said about the remote control?'));
    expect(routed.body.routing).toMatchObject({ from: '1992-01-01', to: '1992-12-31', source: 'question' });
    expect(routed.body.matched_text).toBe('what was said about the remote control?');
    expect(routed.body.results.length).toBeGreaterThan(0);
    expect(routed.body.results.every((r: { recorded_at: string }) => r.recorded_at.startsWith('1992'))).toBe(true);
    const off = await get('/v1/search?temporal=off&q=' + encodeURIComponent('In 1992, what was said about the remote control?'));
    expect(off.body.routing).toBeNull();
    const params = await get('/v1/search?q=remote&from=2020-01-01');
    expect(params.body.routing).toMatchObject({ from: '2020-01-01', to: null, source: 'params' });
  });

  it('applies a speaker filter when the question names a known speaker', async () => {
    const { body } = await get('/v1/search?q=' + encodeURIComponent('what did marketing say about the price?'));
    expect(body.speaker_filter).toMatchObject({ label: 'Marketing' });
    for (const r of body.results) expect(r.speakers).toContain('Marketing');
    const topic = await get('/v1/search?q=' + encodeURIComponent('marketing budget'));
    expect(topic.body.speaker_filter).toBeNull();
  });

  it('answers bad parameters with a 400 JSON error naming the parameter', async () => {
    for (const q of ['', '?q=', '?q=x&limit=0', '?q=x&limit=1000', '?q=x&mode=magic', '?q=x&from=1987-13-45', `?q=${'a'.repeat(1001)}`]) {
      const { status, body } = await get(`/v1/search${q}`);
      expect(status, q).toBe(400);
      expect(body.error.code).toBe('bad_request');
      expect(body.error.message).toMatch(/q|limit|mode|from/);
    }
    const nf = await get('/v1/nothing');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('not_found');
  });

  it('is idempotent and keeps a stored recording when a bad transcript is uploaded for it', async () => {
    const again = await post(transcriptForm('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a', title: 'Remote control kick-off', recorded_at: '1992-01-11', collection: 'qmsum' }));
    // Nothing was created: 200, not 201; the upload page still says it is in the archive.
    expect([again.status, again.body.status]).toEqual([200, 'unchanged']);
    const shown = await fetch(`${t.url}/ingest/render`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: again.status, result: again.body }) });
    expect(await shown.text()).toMatch(/data-status="unchanged"[\s\S]*Already in the archive/);
    const bad = await post(transcriptForm('ES2005a.vtt', 'WEBVTT\n\n00:00:01.000 --> 00:00:xx\n<v A>broken\n', { id: 'ES2005a' }));
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_transcript');
    expect(bad.body.error.message).toMatch(/ES2005a\.vtt:3/);
    const rec = await get('/v1/recordings/ES2005a');
    expect(rec.body.status).toBe('ready');
    expect(rec.body.momentCount).toBeGreaterThan(3);
    const badDate = await post(transcriptForm('x.vtt', devTranscript('ES2005a'), { recorded_at: '1987-02-30' }));
    expect(badDate.status).toBe(400);
    const json = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
  });

  it('lists recordings and exports transcripts with speakers', async () => {
    const list = await get('/v1/recordings');
    expect(list.body.total).toBe(2);
    // Each listed recording with its speakers (by talk time) and moments, as one recording is given.
    const listed = list.body.items.find((r: { id: string }) => r.id === 'ES2005a');
    expect(listed.speakers).toContain('Project Manager');
    expect(listed.momentCount).toBeGreaterThan(3);
    const one = await get('/v1/recordings/ES2005a');
    expect(one.body).toMatchObject({ id: 'ES2005a', title: 'Remote control kick-off', recordedAt: '1992-01-11', status: 'ready' });
    expect(one.body.speakers).toContain('Project Manager');
    expect((await get('/v1/recordings/nope')).status).toBe(404);
    const vtt = await get('/v1/recordings/ES2005a/transcript?format=vtt');
    expect(vtt.type).toContain('text/vtt');
    expect(vtt.body).toContain('<v Project Manager>');
    const srt = await get('/v1/recordings/ES2005a/transcript?format=srt');
    expect(srt.body).toMatch(/^1\r?\n00:00:00,000 --> /);
    const txt = await get('/v1/recordings/ES2005a/transcript?format=txt');
    expect(txt.body).toContain('Project Manager:');
    expect((await get('/v1/recordings/ES2005a/transcript?format=doc')).status).toBe(400);
  });

  it('ingests a manifest with its transcripts as a job', async () => {
    const form = new FormData();
    form.set('manifest', new File([
      '{"id":"TS3010a","title":"Manifest upload","recorded_at":"2017-05-24","transcript":"recordings/TS3010a.vtt"}\n' +
      '{"id":"broken row","transcript":"recordings/x.vtt"}\n',
    ], 'manifest.jsonl'));
    form.append('files', new File([devTranscript('TS3010a')], 'recordings/TS3010a.vtt'));
    const res = await post(form);
    expect(res.status).toBe(202);
    let job = res.body.job;
    for (let i = 0; i < 200 && job.status !== 'succeeded' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await get(`/v1/jobs/${job.id}`)).body;
    }
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ ingested: 1, failed: 1 });
    expect(job.result.failures[0]).toMatchObject({ line: 2 });
    expect((await get('/v1/recordings/TS3010a')).body.title).toBe('Manifest upload');
  });

  it('answers a repeated search from cache, and misses after an ingest adds material', async () => {
    const q = '/v1/search?q=batteries%20for%20the%20remote&limit=10';
    const first = await get(q);
    expect(first.body.cached).toBe(false);
    const again = await get(q);
    expect(again.body.cached).toBe(true);
    // The same response byte for byte, but for the per-request fields.
    const { took_ms: _t1, cached: _c1, ...firstRest } = first.body;
    const { took_ms: _t2, cached: _c2, ...againRest } = again.body;
    expect(againRest).toEqual(firstRest);
    expect(Object.keys(again.body)).toEqual(Object.keys(first.body));
    const stats = (await get('/v1/stats')).body.cache;
    expect(stats.hits).toBeGreaterThan(0);

    const added = await post(transcriptForm('ES2008a.vtt', devTranscript('ES2008a'), { id: 'ES2008a', title: 'Cache test', recorded_at: '1995-02-02' }));
    expect(added.status).toBe(201);
    const after = await get(q);
    expect(after.body.cached).toBe(false);
    expect(after.body.results.some((r: { recording_id: string }) => r.recording_id === 'ES2008a')).toBe(true);
  });

  it('publishes an OpenAPI document and a health check', async () => {
    const doc = await get('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/search', '/v1/recordings', '/v1/recordings/{id}', '/v1/ingest', '/v1/jobs/{id}']));
    const h = await get('/healthz');
    expect(h.body).toMatchObject({ status: 'ok', db: 'pglite', lexical: 'postgres', embedder: 'use-lite-512' });
  });
});
