import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/archive/keys.js';
import { startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { HashEmbedder } from '../helpers/hash-embedder.js';

/** A diarized recording: two labelled speakers, each on its own topic, long enough for several moments. */
function diarized(extra = ''): string {
  const lines: string[] = ['WEBVTT', ''];
  const talk = [
    ['SPEAKER_00', 'The housing cooperative on Mill Street needs a new roof before the winter comes.'],
    ['SPEAKER_01', 'The harbour dredging contract went to the lowest bidder after a long tender.'],
    ['SPEAKER_00', 'Rents in the cooperative stayed flat for members who joined before the housing reform.'],
    ['SPEAKER_01', 'Fishing boats could not reach the harbour wall at low tide until the dredging ended.'],
  ];
  let t = 0;
  for (let round = 0; round < 4; round++) {
    for (const [who, said] of talk) {
      const end = t + 9;
      lines.push(`${clock(t)} --> ${clock(end)}`, `<v ${who}>${said}`, '');
      t = end + 1;
    }
  }
  if (extra) lines.push(`${clock(t)} --> ${clock(t + 5)}`, `<v SPEAKER_01>${extra}`, '');
  return lines.join('\n');
}
const clock = (s: number) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;

describe('speakers as archive entities (loopback HTTP, PGlite)', () => {
  let t: TestServer;
  const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(t.url + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const ingest = async (id: string, content: string) => {
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, content, { id, title: `Council ${id}`, recorded_at: '1987-03-12', collection: 'council' }) });
    expect(res.status).toBe(201);
  };
  const search = async (params: Record<string, string>) => (await json('GET', `/v1/search?${new URLSearchParams(params)}`)).body;
  const speakersOf = async (id: string) => (await json('GET', `/v1/recordings/${id}/speakers`)).body.speakers as { label: string; name: string; named: boolean; seconds: number; turns: number }[];

  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off' }, { embedder: new HashEmbedder() });
    await ingest('council-a', diarized());
    await ingest('council-b', diarized());
  });
  afterAll(async () => t?.close());

  it('lists a recording’s labels with talk time, and names none at first', async () => {
    const list = await speakersOf('council-a');
    expect(list.map((x) => [x.label, x.name, x.named, x.turns])).toEqual([
      ['SPEAKER_00', 'SPEAKER_00', false, 8],
      ['SPEAKER_01', 'SPEAKER_01', false, 8],
    ]);
    expect(list[0].seconds).toBeCloseTo(72, 3);
  });

  it('a named label is found by the speaker filter and by a question naming the speaker, on every leg; no stale cached result', async () => {
    // Asked (and cached) before the name exists: nothing.
    expect((await search({ q: 'housing cooperative', speaker: 'Margaret Hale' })).results).toEqual([]);
    const r = await json('PUT', '/v1/recordings/council-a/speakers/SPEAKER_00', { name: '  Margaret   Hale ' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ recording_id: 'council-a', labels: ['SPEAKER_00'], name: 'Margaret Hale' });
    expect(r.body.speakers.map((x: { label: string; name: string }) => [x.label, x.name])).toEqual([
      ['SPEAKER_00', 'Margaret Hale'],
      ['SPEAKER_01', 'SPEAKER_01'],
    ]);

    for (const mode of ['hybrid', 'bm25', 'vector']) {
      const out = await search({ q: 'housing cooperative', speaker: 'margaret hale', mode });
      expect(out.results.length, mode).toBeGreaterThan(0);
      for (const h of out.results) {
        expect(h.recording_id, mode).toBe('council-a');
        expect(h.speakers, mode).toContain('Margaret Hale');
      }
    }
    // The other recording's SPEAKER_00 is another person: its label is unchanged.
    const other = await search({ q: 'housing cooperative', speaker: 'SPEAKER_00', mode: 'bm25' });
    expect(new Set(other.results.map((h: { recording_id: string }) => h.recording_id))).toEqual(new Set(['council-b']));

    const asked = await search({ q: 'what did Margaret Hale say about the harbour dredging' });
    expect(asked.speaker_filter).toMatchObject({ label: 'Margaret Hale' });
    expect(asked.results.length).toBeGreaterThan(0);
    for (const h of asked.results) {
      expect(h.recording_id).toBe('council-a');
      expect(h.speakers).toContain('Margaret Hale');
    }
    // The transcript and the recording show the name.
    const transcript = (await json('GET', '/v1/recordings/council-a/transcript?format=json')).body;
    expect(transcript.segments[0].speaker).toBe('Margaret Hale');
    expect((await json('GET', '/v1/recordings/council-a')).body.speakers).toContain('Margaret Hale');
  });

  it('keeps the names when the recording is ingested again with a new transcript', async () => {
    await ingest('council-a', diarized('One more word on the harbour wall repairs.'));
    const list = await speakersOf('council-a');
    expect(list.find((x) => x.label === 'SPEAKER_00')).toMatchObject({ name: 'Margaret Hale', named: true, turns: 8 });
    expect(list.find((x) => x.label === 'SPEAKER_01')).toMatchObject({ name: 'SPEAKER_01', turns: 9 });
    const out = await search({ q: 'housing cooperative', speaker: 'Margaret Hale', mode: 'bm25' });
    expect(out.results.length).toBeGreaterThan(0);
    expect((await search({ q: 'housing cooperative', speaker: 'SPEAKER_00', mode: 'bm25' })).results.every((h: { recording_id: string }) => h.recording_id === 'council-b')).toBe(true);
  });

  it('renames by the name shown, and merges two labels into one speaker', async () => {
    const renamed = await json('PATCH', `/v1/recordings/council-a/speakers/${encodeURIComponent('Margaret Hale')}`, { name: 'Margaret Hale-Smith' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.labels).toEqual(['SPEAKER_00']);
    const merged = await json('POST', '/v1/recordings/council-a/speakers/merge', { labels: ['SPEAKER_01'], into: 'SPEAKER_00' });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ name: 'Margaret Hale-Smith', labels: ['SPEAKER_01', 'SPEAKER_00'] });
    expect(merged.body.speakers.map((x: { label: string; name: string }) => [x.label, x.name]).sort()).toEqual([
      ['SPEAKER_00', 'Margaret Hale-Smith'],
      ['SPEAKER_01', 'Margaret Hale-Smith'],
    ]);
    // Moments that held both speakers hold the one name once.
    const dredging = await search({ q: 'harbour dredging', speaker: 'Margaret Hale-Smith', mode: 'bm25', limit: '50' });
    expect(dredging.results.length).toBeGreaterThan(0);
    for (const h of dredging.results) expect(h.speakers).toEqual(['Margaret Hale-Smith']);
    expect((await search({ q: 'harbour dredging', speaker: 'Margaret Hale', mode: 'bm25' })).results).toEqual([]);
    expect((await search({ q: 'harbour dredging', speaker: 'SPEAKER_01', recording: 'council-a', mode: 'bm25' })).results).toEqual([]);
  });

  it('lists the archive’s speakers by name with recordings and talk time, filtered by prefix and paged; one speaker’s recordings', async () => {
    await json('PUT', '/v1/recordings/council-b/speakers/SPEAKER_00', { name: 'margaret hale-smith' });
    const all = (await json('GET', '/v1/speakers')).body;
    expect(all.total).toBe(2);
    expect(all.items.map((x: { name: string }) => x.name.toLowerCase())).toEqual(['margaret hale-smith', 'speaker_01']);
    const byName = Object.fromEntries(all.items.map((x: { name: string }) => [x.name.toLowerCase(), x]));
    expect(byName['margaret hale-smith']).toMatchObject({ recordings: 2, turns: 8 + 9 + 8 });
    expect(byName['margaret hale-smith'].seconds).toBeCloseTo(72 + 77 + 72, 3);
    expect(byName['margaret hale-smith'].search_url).toMatch(/^\/\?speaker=/);
    expect(byName.speaker_01).toMatchObject({ recordings: 1, turns: 8 });
    expect(byName.speaker_00).toBeUndefined();
    const marg = (await json('GET', '/v1/speakers?q=MARG')).body;
    expect(marg.items.map((x: { name: string }) => x.name.toLowerCase())).toEqual(['margaret hale-smith']);
    const page = (await json('GET', '/v1/speakers?limit=1&offset=1')).body;
    expect(page).toMatchObject({ total: 2, items: [{ name: 'SPEAKER_01' }] });
    const one = await json('GET', `/v1/speakers/${encodeURIComponent('Margaret Hale-Smith')}`);
    expect(one.status).toBe(200);
    expect(one.body.items.map((r: { recording_id: string }) => r.recording_id)).toEqual(['council-a', 'council-b']);
    expect(one.body.items[0]).toMatchObject({ title: 'Council council-a', recorded_at: '1987-03-12', url: '/r/council-a' });
  });

  it('answers unknown recordings and labels with 404, bad names with 400, and changes nothing', async () => {
    const before = await speakersOf('council-b');
    const cases: [string, string, unknown, number][] = [
      ['PUT', '/v1/recordings/nowhere/speakers/SPEAKER_00', { name: 'X' }, 404],
      ['GET', '/v1/recordings/nowhere/speakers', undefined, 404],
      ['PUT', '/v1/recordings/council-b/speakers/SPEAKER_07', { name: 'X' }, 404],
      ['POST', '/v1/recordings/council-b/speakers/merge', { labels: ['SPEAKER_07'], into: 'SPEAKER_01' }, 404],
      ['POST', '/v1/recordings/council-b/speakers/merge', { labels: ['SPEAKER_01'], into: 'Nobody' }, 404],
      ['GET', '/v1/speakers/Nobody%20At%20All', undefined, 404],
      ['PUT', '/v1/recordings/council-b/speakers/SPEAKER_01', { name: '   ' }, 400],
      ['PUT', '/v1/recordings/council-b/speakers/SPEAKER_01', { name: 'x'.repeat(101) }, 400],
      ['PUT', '/v1/recordings/council-b/speakers/SPEAKER_01', { name: 'a\u0000b' }, 400],
      ['PUT', '/v1/recordings/council-b/speakers/SPEAKER_01', { nom: 'X' }, 400],
      ['POST', '/v1/recordings/council-b/speakers/merge', { labels: ['SPEAKER_01'], into: 'SPEAKER_01' }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await json(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(status);
      expect(r.body.error.code, `${method} ${path}`).toBe(status === 404 ? 'not_found' : 'bad_request');
      expect(r.body.error.message.length).toBeGreaterThan(5);
    }
    expect(await speakersOf('council-b')).toEqual(before);
    const unknownInto = await json('POST', '/v1/recordings/council-b/speakers/merge', { labels: ['SPEAKER_01'], into: 'Nobody' });
    expect(unknownInto.body.error.message).toMatch(/^recording "council-b" has no speaker "Nobody" to merge into \(its speakers: .*SPEAKER_01/);
  });

  it('a line whose speaker was corrected keeps the correction when its former label is named', async () => {
    await ingest('council-c', diarized());
    expect((await json('PUT', '/v1/recordings/council-c/speakers/SPEAKER_00', { name: 'Ann' })).status).toBe(200);
    // Line 0 is SPEAKER_00's (now Ann); the archivist hears that it is in fact SPEAKER_01.
    expect((await json('PATCH', '/v1/recordings/council-c/segments/0', { speaker: 'SPEAKER_01' })).status).toBe(200);
    expect((await json('PUT', '/v1/recordings/council-c/speakers/SPEAKER_00', { name: 'Ann Reid' })).status).toBe(200);
    expect((await json('PUT', '/v1/recordings/council-c/speakers/SPEAKER_01', { name: 'Tom Hart' })).status).toBe(200);
    const lines = (await json('GET', '/v1/recordings/council-c/transcript?format=json')).body as { segments: { speaker: string }[] } | { speaker: string }[];
    const segs = Array.isArray(lines) ? lines : lines.segments;
    expect(segs.slice(0, 3).map((x) => x.speaker)).toEqual(['Tom Hart', 'Tom Hart', 'Ann Reid']);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await json('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/v1/recordings/{id}/speakers/{label}']).sort()).toEqual(['patch', 'put']);
    for (const p of ['/v1/speakers', '/v1/speakers/{name}', '/v1/recordings/{id}/speakers', '/v1/recordings/{id}/speakers/merge']) expect(doc.paths[p], p).toBeDefined();
  });
});

describe('naming speakers needs an archivist key (default policy)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off', EMBEDDINGS: 'none' }, { embedder: null });
    await t.services.archive.upsert({ id: 'rec', title: 'Rec', recordedAt: null, collection: null, language: 'en', source: null }, { status: 'ready' });
    await t.services.archive.replaceContent('rec', { cues: [{ start: 0, end: 4, speaker: 'SPEAKER_00', text: 'Hello there, housing.' }], moments: [], durationS: 4 });
  });
  afterAll(async () => t?.close());

  it('refuses without a key (401) and with a reader key (403), accepts an archivist key', async () => {
    const keys = new KeyStore(t.services.db);
    const reader = (await keys.create('r', 'reader')).key;
    const archivist = (await keys.create('a', 'archivist')).key;
    const put = (headers: Record<string, string>) =>
      fetch(`${t.url}/v1/recordings/rec/speakers/SPEAKER_00`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'Ann' }) });
    expect((await put({})).status).toBe(401);
    expect((await put({ authorization: `Bearer ${reader}` })).status).toBe(403);
    expect((await put({ authorization: `Bearer ${archivist}` })).status).toBe(200);
    const audit = await t.services.keys.auditLog(10);
    expect(audit.find((e) => e.action === 'speaker.rename')).toMatchObject({ target: 'rec', details: { labels: ['SPEAKER_00'], name: 'Ann' } });
  });
});
