import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/archive/keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('web: naming speakers on the recording page, and the speakers page (loopback HTTP, PGlite)', () => {
  let t: TestServer;
  const key = { reader: '', archivist: '' };
  const page = async (path: string, as?: string) => {
    const res = await fetch(t.url + path, { headers: as ? { cookie: `sa_key=${as}` } : {}, redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  };
  const post = (path: string, fields: Record<string, string>, as?: string) =>
    fetch(t.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url, 'sec-fetch-site': 'same-origin', ...(as ? { cookie: `sa_key=${as}` } : {}) },
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });

  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off', EMBEDDINGS: 'none' }, { embedder: null });
    const keys = new KeyStore(t.services.db);
    key.reader = (await keys.create('reading room', 'reader')).key;
    key.archivist = (await keys.create('digitisation', 'archivist')).key;
    const meta = { id: 'hearing', title: 'Harbour hearing', recordedAt: '1987-03-12', collection: null, language: 'en', source: null };
    await t.services.archive.upsert(meta, { status: 'ready' });
    await t.services.archive.replaceContent('hearing', {
      cues: [
        { start: 0, end: 10, speaker: 'SPEAKER_00', text: 'The harbour wall must be repaired.' },
        { start: 10, end: 16, speaker: 'SPEAKER_01', text: 'The dredging can wait a year.' },
      ],
      moments: [],
      durationS: 16,
    });
  });
  afterAll(async () => t?.close());

  it('shows the speaker forms to keys that may write only', async () => {
    expect((await page('/r/hearing')).html).not.toContain('speaker-editor');
    expect((await page('/r/hearing', key.reader)).html).not.toContain('speaker-editor');
    const html = (await page('/r/hearing', key.archivist)).html;
    expect(html).toContain('class="speaker-editor"');
    expect(html).toContain('name="label" value="SPEAKER_00"');
    expect(html).toContain('action="/r/hearing/speakers"');
  });

  it('renames and merges from the page, back on the recording; a reader is refused and nothing changes', async () => {
    const refused = await post('/r/hearing/speakers', { label: 'SPEAKER_00', name: 'Margaret Hale', action: 'rename' }, key.reader);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('archivist');
    expect((await t.services.speakers.ofRecording('hearing')).map((x) => x.name)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    const ok = await post('/r/hearing/speakers', { label: 'SPEAKER_00', name: 'Margaret Hale', action: 'rename' }, key.archivist);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/r/hearing#speakers');
    const html = (await page('/r/hearing', key.archivist)).html;
    expect(html).toContain('<span class="who">Margaret Hale</span>');
    expect(html).toContain('value="Margaret Hale"');
    const bad = await post('/r/hearing/speakers', { label: 'SPEAKER_01', name: '', action: 'rename' }, key.archivist);
    expect(bad.status).toBe(400);
    const merged = await post('/r/hearing/speakers', { label: 'SPEAKER_01', into: 'SPEAKER_00', action: 'merge' }, key.archivist);
    expect(merged.status).toBe(303);
    expect((await t.services.speakers.ofRecording('hearing')).map((x) => x.name)).toEqual(['Margaret Hale', 'Margaret Hale']);
    // One speaker left: nothing to merge into.
    expect((await page('/r/hearing', key.archivist)).html).not.toContain('class="speaker-merge"');
  });

  it('lists speakers with recordings and talk time, each name a search filtered by it, and one speaker’s recordings', async () => {
    const list = await page('/speakers?q=marg');
    expect(list.status).toBe(200);
    expect(list.html).toContain('<a class="speaker-name" href="/?speaker=Margaret+Hale">Margaret Hale</a>');
    expect(list.html).toContain('<a href="/speakers/Margaret%20Hale">1</a>');
    expect(list.html).toContain('0:16');
    expect((await page('/speakers?q=zz')).html).not.toContain('speaker-name');
    const one = await page('/speakers/Margaret%20Hale');
    expect(one.status).toBe(200);
    expect(one.html).toContain('<a href="/r/hearing">Harbour hearing</a>');
    expect((await page('/speakers/Nobody')).status).toBe(404);
  });
});
