import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { HashEmbedder } from '../helpers/hash-embedder.js';

const ts = (s: number) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;
const LINES = [
  ['Chair', 'Good evening, the council is now in session.'],
  ['Clerk', 'The first item is the harbour lighthouse repairs.'],
  ['Chair', 'The zeppelin mooring mast will be discussed afterwards.'],
  ['Member', 'I object to the cost of the mooring mast.'],
  ['Chair', 'Noted. We move on to the library roof.'],
  ['Clerk', 'The library roof leaks above the reading room.'],
  ['Member', 'Die Häuser am Hafen brauchen neue Dächer.'],
  ['Chair', 'Thank you, the meeting is closed.'],
];
const VTT = `WEBVTT\n\n${LINES.map(([who, text], i) => `${ts(i * 10)} --> ${ts(i * 10 + 8)}\n<v ${who}>${text}\n`).join('\n')}`;

describe('corrections: PATCH a recording and its lines, re-indexed at once, with history (loopback HTTP, PGlite)', () => {
  let t: TestServer;
  let key: string;
  const call = async (method: string, p: string, body?: unknown, auth = true) => {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(t.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const search = async (params: Record<string, string>) => {
    const { status, body } = await call('GET', `/v1/search?${new URLSearchParams({ limit: '20', temporal: 'off', speakers: 'off', ...params })}`);
    expect(status).toBe(200);
    return (body.results as { recording_id: string; recorded_at: string | null; text: string; recording_title: string }[]).filter((r) => r.recording_id === 'council-1987');
  };
  const transcript = async () => (await call('GET', '/v1/recordings/council-1987/transcript?format=json')).body.segments as { start: number; end: number; speaker: string | null; text: string }[];
  const history = async () => (await call('GET', '/v1/recordings/council-1987/history')).body.items as { rev: number; actor: string; target: string; seq: number | null; changes: { field: string; before: unknown; after: unknown }[]; revert_of: number | null }[];

  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off', MOMENT_TARGET_S: '20', MOMENT_MAX_S: '30', MOMENT_OVERLAP_S: '0' }, { embedder: new HashEmbedder() });
    key = (await t.services.keys.create('Ada Archivist', 'archivist')).key;
    const res = await fetch(`${t.url}/v1/ingest`, {
      method: 'POST',
      body: transcriptForm('council.vtt', VTT, { id: 'council-1987', title: 'Council meting', recorded_at: '1987-03-12', collection: 'council', language: 'en' }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => t?.close());

  it('moves a recording to its corrected date and collection in both legs, and the cached search does not serve the old', async () => {
    const old = { from: '1987-01-01', to: '1987-12-31' };
    // Searched (and cached) before the correction, in both legs.
    expect((await search({ q: 'lighthouse', mode: 'bm25', ...old })).length).toBeGreaterThan(0);
    expect((await search({ q: 'lighthouse harbour', mode: 'vector', ...old })).length).toBeGreaterThan(0);
    expect((await search({ q: 'lighthouse', mode: 'bm25', collection: 'council' })).length).toBeGreaterThan(0);

    const { status, body } = await call('PATCH', '/v1/recordings/council-1987', { title: 'Council meeting', recorded_at: '2003-05-06', collection: 'harbour board' });
    expect(status).toBe(200);
    expect(body.recording).toMatchObject({ id: 'council-1987', title: 'Council meeting', recordedAt: '2003-05-06', collection: 'harbour board', language: 'en' });
    expect(body.revision.changes).toEqual([
      { field: 'title', before: 'Council meting', after: 'Council meeting' },
      { field: 'recorded_at', before: '1987-03-12', after: '2003-05-06' },
      { field: 'collection', before: 'council', after: 'harbour board' },
    ]);

    const now = { from: '2003-01-01', to: '2003-12-31' };
    expect(await search({ q: 'lighthouse', mode: 'bm25', ...old })).toEqual([]);
    expect(await search({ q: 'lighthouse harbour', mode: 'vector', ...old })).toEqual([]);
    expect(await search({ q: 'lighthouse', mode: 'bm25', collection: 'council' })).toEqual([]);
    const found = await search({ q: 'lighthouse', mode: 'bm25', ...now });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ recorded_at: '2003-05-06', recording_title: 'Council meeting' });
    expect((await search({ q: 'lighthouse harbour', mode: 'vector', ...now })).length).toBeGreaterThan(0);
    expect((await search({ q: 'lighthouse', mode: 'hybrid', collection: 'harbour board' })).length).toBeGreaterThan(0);
  });

  it('re-analyses the text in the corrected language', async () => {
    // "Häuser" is stemmed to "haus" only by the German analysis.
    expect(await search({ q: 'Haus', mode: 'bm25', lang: 'de' })).toEqual([]);
    const { status } = await call('PATCH', '/v1/recordings/council-1987', { language: 'de' });
    expect(status).toBe(200);
    expect((await search({ q: 'Haus', mode: 'bm25', lang: 'de' })).length).toBeGreaterThan(0);
    expect((await call('PATCH', '/v1/recordings/council-1987', { language: 'en' })).status).toBe(200);
  });

  it('corrects a transcript line: the new words are found in both legs, the old ones no longer', async () => {
    expect((await search({ q: 'zeppelin', mode: 'bm25' })).length).toBeGreaterThan(0);
    const before = await transcript();
    const { status, body } = await call('PATCH', '/v1/recordings/council-1987/segments/2', { text: 'The airship mooring mast will be discussed afterwards.', speaker: 'Mayor' });
    expect(status).toBe(200);
    expect(body.segment).toMatchObject({ seq: 2, start: 20, end: 28, speaker: 'Mayor', text: 'The airship mooring mast will be discussed afterwards.' });
    expect(await search({ q: 'zeppelin', mode: 'bm25' })).toEqual([]);
    const hits = await search({ q: 'airship', mode: 'bm25' });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0].text).toContain('airship');
    const vec = await search({ q: 'airship', mode: 'vector' });
    expect(vec[0]?.text).toContain('airship');
    const after = await transcript();
    expect(after.map((l, i) => (i === 2 ? before[i] : l))).toEqual(before);
    expect(after[2]).toMatchObject({ speaker: 'Mayor', text: 'The airship mooring mast will be discussed afterwards.' });
    expect((await call('GET', '/v1/recordings/council-1987')).body.speakers).toContain('Mayor');
    // Times: the line may move between its neighbours.
    const moved = await call('PATCH', '/v1/recordings/council-1987/segments/2', { start: 21.5, end: 29 });
    expect(moved.status).toBe(200);
    expect((await transcript())[2]).toMatchObject({ start: 21.5, end: 29 });
  });

  it('keeps every change as a revision, newest first, naming the key', async () => {
    const items = await history();
    expect(items.map((r) => [r.target, r.seq, r.changes.map((c) => c.field)])).toEqual([
      ['segment', 2, ['start', 'end']],
      ['segment', 2, ['speaker', 'text']],
      ['recording', null, ['language']],
      ['recording', null, ['language']],
      ['recording', null, ['title', 'recorded_at', 'collection']],
    ]);
    expect(items[0].actor).toMatch(/^key:\w+ \(Ada Archivist\)$/);
    expect(items[1].changes).toContainEqual({ field: 'text', before: 'The zeppelin mooring mast will be discussed afterwards.', after: 'The airship mooring mast will be discussed afterwards.' });
    // The history names keys: readers without the archivist role do not see it.
    const reader = (await t.services.keys.create('Rita Reader', 'reader')).key;
    const res = await fetch(`${t.url}/v1/recordings/council-1987/history`, { headers: { authorization: `Bearer ${reader}` } });
    expect(res.status).toBe(403);
  });

  it('records nothing when the values sent are the stored ones', async () => {
    const n = (await history()).length;
    const { status, body } = await call('PATCH', '/v1/recordings/council-1987', { title: 'Council meeting' });
    expect(status).toBe(200);
    expect(body.revision).toBeNull();
    expect((await history()).length).toBe(n);
  });

  it('refuses unknown recordings and lines (404) and invalid fields (400, naming the field), changing nothing', async () => {
    const rec = (await call('GET', '/v1/recordings/council-1987')).body;
    const lines = await transcript();
    const n = (await history()).length;
    const cases: [string, string, unknown, number, RegExp][] = [
      ['PATCH', '/v1/recordings/no-such-thing', { title: 'x' }, 404, /no recording/],
      ['PATCH', '/v1/recordings/no-such-thing/segments/0', { text: 'x' }, 404, /no recording/],
      ['PATCH', '/v1/recordings/council-1987/segments/99', { text: 'x' }, 404, /no transcript line 99/],
      ['GET', '/v1/recordings/no-such-thing/history', undefined, 404, /no recording/],
      ['POST', '/v1/recordings/council-1987/history/999999/revert', undefined, 404, /no revision 999999/],
      ['PATCH', '/v1/recordings/council-1987', { recorded_at: '1987-02-30' }, 400, /recorded_at/],
      ['PATCH', '/v1/recordings/council-1987', { title: '  ' }, 400, /title/],
      ['PATCH', '/v1/recordings/council-1987', { colour: 'red' }, 400, /colour/],
      ['PATCH', '/v1/recordings/council-1987', {}, 400, /at least one/],
      ['PATCH', '/v1/recordings/council-1987/segments/2', { start: 'soon' }, 400, /start/],
      ['PATCH', '/v1/recordings/council-1987/segments/2', { start: 35, end: 38 }, 400, /start: .*next line/],
      ['PATCH', '/v1/recordings/council-1987/segments/2', { start: 5 }, 400, /start: .*previous line/],
      ['PATCH', '/v1/recordings/council-1987/segments/2', { end: 21 }, 400, /end: must be after start/],
      ['PATCH', '/v1/recordings/council-1987/segments/7', { end: 500 }, 400, /end: must be within the recording/],
      ['PATCH', '/v1/recordings/council-1987/segments/2', { text: 'a\u0000b' }, 400, /text/],
    ];
    for (const [method, p, body, status, message] of cases) {
      const res = await call(method, p, body);
      expect([p, body, res.status]).toEqual([p, body, status]);
      expect(res.body.error.code).toBe(status === 404 ? 'not_found' : 'bad_request');
      expect(res.body.error.message).toMatch(message);
    }
    expect((await call('GET', '/v1/recordings/council-1987')).body).toEqual(rec);
    expect(await transcript()).toEqual(lines);
    expect((await history()).length).toBe(n);
  });

  it('reverts a revision as a new revision', async () => {
    const textRev = (await history()).find((r) => r.changes.some((c) => c.field === 'text'))!;
    const { status, body } = await call('POST', `/v1/recordings/council-1987/history/${textRev.rev}/revert`);
    expect(status).toBe(200);
    expect(body.revision).toMatchObject({ revert_of: textRev.rev, target: 'segment', seq: 2 });
    expect((await transcript())[2]).toMatchObject({ speaker: 'Chair', text: 'The zeppelin mooring mast will be discussed afterwards.' });
    expect((await search({ q: 'zeppelin', mode: 'bm25' })).length).toBeGreaterThan(0);
    expect(await search({ q: 'airship', mode: 'bm25' })).toEqual([]);
    expect((await history())[0].rev).toBe(body.revision.rev);
  });

  it('undoes a correction whose indexing fails: rows, history and both legs as they were', async () => {
    const rec = (await call('GET', '/v1/recordings/council-1987')).body;
    const lines = await transcript();
    const n = (await history()).length;
    const lexical = t.services.lexical;
    const real = lexical.replaceRecording.bind(lexical);
    let calls = 0;
    lexical.replaceRecording = async (id, docs) => {
      if (calls++ === 0) throw new Error('lexical index unavailable');
      return real(id, docs);
    };
    try {
      const res = await call('PATCH', '/v1/recordings/council-1987/segments/5', { text: 'The library roof is fine now.' });
      expect(res.status).toBe(500);
    } finally {
      lexical.replaceRecording = real;
    }
    expect(calls).toBe(2);
    expect(await transcript()).toEqual(lines);
    expect({ ...(await call('GET', '/v1/recordings/council-1987')).body, updatedAt: rec.updatedAt }).toEqual(rec);
    expect((await history()).length).toBe(n);
    expect((await search({ q: 'leaks', mode: 'bm25' })).length).toBeGreaterThan(0);
    expect(await search({ q: 'fine', mode: 'bm25' })).toEqual([]);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(Object.keys(doc.paths['/v1/recordings/{id}'])).toContain('patch');
    expect(Object.keys(doc.paths['/v1/recordings/{id}/segments/{seq}'])).toEqual(['patch']);
    expect(Object.keys(doc.paths['/v1/recordings/{id}/history'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/recordings/{id}/history/{rev}/revert'])).toEqual(['post']);
  });

  it('needs a key with the archivist role when writes are not public', async () => {
    const closed = await startTestServer({ SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off' }, { embedder: new HashEmbedder() });
    try {
      const res = await fetch(`${closed.url}/v1/recordings/x`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"title":"y"}' });
      expect(res.status).toBe(401);
      const reader = (await closed.services.keys.create('r', 'reader')).key;
      const res2 = await fetch(`${closed.url}/v1/recordings/x`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${reader}` }, body: '{"title":"y"}' });
      expect(res2.status).toBe(403);
    } finally {
      await closed.close();
    }
  });
});
