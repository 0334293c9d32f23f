import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChapterStore } from '../../src/archive/chapters.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { HashEmbedder } from '../helpers/hash-embedder.js';

describe('GET /v1/recordings/:id/chapters (loopback HTTP, PGlite)', () => {
  let t: TestServer;
  const get = async (p: string) => {
    const res = await fetch(t.url + p);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
  };
  const ingest = async (name: string, content: string, fields: Record<string, string>) => {
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(name, content, fields) });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off' }, { embedder: new HashEmbedder() });
    const a = await ingest('ES2005b.vtt', devTranscript('ES2005b'), { id: 'ES2005b', title: 'Functional design', recorded_at: '1992-01-12', collection: 'qmsum' });
    expect(a.status).toBe(201);
  });
  afterAll(async () => t?.close());

  it('returns the chapters of an ingested transcript, in order, covering it, with titles, keywords and deep links', async () => {
    const { status, type, body } = await get('/v1/recordings/ES2005b/chapters');
    expect(status).toBe(200);
    expect(type).toContain('application/json');
    expect(body.recording_id).toBe('ES2005b');
    const chapters = body.chapters as { n: number; start: number; end: number; title: string; keywords: string[]; url: string }[];
    expect(chapters.length).toBeGreaterThanOrEqual(2);
    const segments = (await get('/v1/recordings/ES2005b/transcript?format=json')).body.segments as { start: number; end: number }[];
    expect(chapters[0].start).toBe(segments[0].start);
    expect(chapters.at(-1)!.end).toBeCloseTo(Math.max(...segments.map((s) => s.end)), 3);
    chapters.forEach((ch, i) => {
      expect(ch.n).toBe(i + 1);
      expect(ch.end).toBeGreaterThan(ch.start);
      if (i > 0) expect(ch.start).toBe(chapters[i - 1].end);
      expect(ch.title.length).toBeGreaterThan(2);
      expect(ch.keywords.length).toBeGreaterThanOrEqual(1);
      expect(ch.url).toBe(`/r/ES2005b?t=${ch.start}`);
    });
  });

  it('answers 404 JSON for an unknown recording and 400 for a malformed id', async () => {
    const missing = await get('/v1/recordings/no-such-recording/chapters');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const bad = await get(`/v1/recordings/${encodeURIComponent('bad id!')}/chapters`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
  });

  it('is in the OpenAPI document', async () => {
    const { body } = await get('/openapi.json');
    expect(body.paths['/v1/recordings/{id}/chapters']?.get).toBeTruthy();
  });

  it('shows the chapters on the recording page: a list linking to ?t= and the timeline', async () => {
    const { body: api } = await get('/v1/recordings/ES2005b/chapters');
    const { status, body: html } = await get('/r/ES2005b');
    expect(status).toBe(200);
    expect(html).toContain('<nav class="chapters"');
    const first = api.chapters[1];
    expect(html).toContain(`href="/r/ES2005b?t=${first.start}"`);
    expect(html).toContain('chapters-track');
    expect(html).toContain(first.title.split(',')[0]);
  });

  it('shows no chapter list for a recording that is one chapter long (the API still has it)', async () => {
    // The first 100 s of a meeting: shorter than two chapters however short a recording is.
    const endsBy = (b: string, s: number) => {
      const m = / --> (\d\d):(\d\d):(\d\d\.\d+)/.exec(b);
      return !!m && Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) <= s;
    };
    const [head, ...blocks] = devTranscript('ES2005a').split(/\n\n+/);
    const opening = [head, ...blocks.filter((b) => endsBy(b, 100))].join('\n\n') + '\n';
    expect((await ingest('ES2005a.vtt', opening, { id: 'ES2005a', title: 'Kick-off' })).status).toBe(201);
    const { body } = await get('/v1/recordings/ES2005a/chapters');
    expect(body.chapters).toHaveLength(1);
    const { body: html } = await get('/r/ES2005a');
    expect(html).not.toContain('<nav class="chapters"');
    expect(html).not.toContain('chapters-track');
  });

  it('works for a transcript without speakers or embeddings (SRT import) and goes with its recording', async () => {
    const cues = devTranscript('IS1004a')
      .split(/\n\n+/)
      .filter((b) => b.includes('-->'))
      .map((b, i) => {
        const [time, ...text] = b.split('\n');
        return `${i + 1}\n${time.replace(/\./g, ',')}\n${text.join(' ').replace(/<v [^>]*>/g, '')}`;
      });
    const r = await ingest('IS1004a.srt', cues.join('\n\n') + '\n', { id: 'IS1004a', title: 'Design meeting' });
    expect(r.status).toBe(201);
    const { body } = await get('/v1/recordings/IS1004a/chapters');
    expect(body.chapters.length).toBeGreaterThanOrEqual(1);
    const store = new ChapterStore(t.services.db);
    expect((await store.list('IS1004a')).length).toBe(body.chapters.length);
    await t.services.archive.delete('IS1004a');
    expect(await store.list('IS1004a')).toEqual([]); // foreign key, ON DELETE CASCADE
  });

  it('never fails an ingest when chapters cannot be stored', async () => {
    await t.services.db.exec('ALTER TABLE chapters RENAME TO chapters_away');
    try {
      const r = await ingest('ES2005c.vtt', devTranscript('ES2005c'), { id: 'ES2005c', title: 'Conceptual design' });
      expect(r.status).toBe(201);
      expect((await t.services.archive.get('ES2005c'))?.status).toBe('ready');
    } finally {
      await t.services.db.exec('ALTER TABLE chapters_away RENAME TO chapters');
    }
    expect((await get('/v1/recordings/ES2005c/chapters')).body.chapters).toEqual([]);
  });
});
