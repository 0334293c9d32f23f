import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDev, startTestServer, type TestServer } from '../helpers/server.js';

interface Bucket {
  value: string;
  moments: number;
  recordings: number;
}

describe('HTTP API: facets and browsing by filters (PGlite, loopback HTTP)', () => {
  let t: TestServer;
  const get = async (p: string) => {
    const res = await fetch(t.url + p);
    return { status: res.status, body: await res.json() };
  };
  const momentsOf = async (id: string) => (await get(`/v1/recordings/${id}`)).body.momentCount as number;

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none' });
    await ingestDev(t, [
      ['ES2005a', 'Remote control kick-off', '1992-01-11', 'qmsum'],
      ['IS1004a', 'Design meeting', '2021-06-03', 'qmsum'],
      ['Bed002', 'Research group meeting', '2001-03-05', 'icsi'],
    ]);
  }, 120_000);
  afterAll(async () => t?.close());

  it('counts facets over every match, not the page, and the counts agree with the filters they link to', async () => {
    const all = await get('/v1/search?q=meeting%20design&mode=bm25&limit=1&facets=true');
    expect(all.status).toBe(200);
    const f = all.body.facets;
    expect(all.body.results).toHaveLength(1);
    expect(all.body.total_relation).toBe('eq');
    expect(f.moments).toBe(all.body.total);
    expect(f.moments).toBeGreaterThan(1);
    // Every moment here has a collection and a date: the buckets add up to the whole.
    const sum = (bs: Bucket[], k: 'moments' | 'recordings') => bs.reduce((a, b) => a + b[k], 0);
    expect(sum(f.collection, 'moments')).toBe(f.moments);
    expect(sum(f.year, 'moments')).toBe(f.moments);
    expect(sum(f.decade, 'recordings')).toBe(f.recordings);
    expect(f.year.map((b: Bucket) => b.value)).toEqual(['1992', '2001', '2021']);
    expect(f.decade.map((b: Bucket) => b.value)).toEqual(['1990s', '2000s', '2020s']);
    expect(f.collection.find((b: Bucket) => b.value === 'qmsum').recordings).toBe(2);
    // Each bucket is what the search filtered to it matches.
    const qmsum = await get('/v1/search?q=meeting%20design&mode=bm25&limit=1&facets=true&collection=qmsum');
    expect(qmsum.body.total).toBe(f.collection.find((b: Bucket) => b.value === 'qmsum').moments);
    expect(qmsum.body.facets.collection.map((b: Bucket) => b.value)).toEqual(['qmsum']);
    const y2001 = await get('/v1/search?q=meeting%20design&mode=bm25&limit=1&facets=true&from=2001-01-01&to=2001-12-31');
    expect(y2001.body.total).toBe(f.year.find((b: Bucket) => b.value === '2001').moments);
    const speaker: Bucket = f.speaker[0];
    const bySpeaker = await get(`/v1/search?q=meeting%20design&mode=bm25&limit=1&facets=true&speaker=${encodeURIComponent(speaker.value)}`);
    expect(bySpeaker.body.total).toBe(speaker.moments);
    expect(bySpeaker.body.facets.recordings).toBe(speaker.recordings);
  });

  it('leaves facets out unless asked, caches them with the page, and keeps cursor paging', async () => {
    expect((await get('/v1/search?q=design&mode=bm25')).body.facets).toBeNull();
    const first = await get('/v1/search?q=remote%20design&mode=bm25&limit=2&facets=true');
    const again = await get('/v1/search?q=remote%20design&mode=bm25&limit=2&facets=true');
    expect(again.body.cached).toBe(true);
    expect(again.body.facets).toEqual(first.body.facets);
    // The next page keeps the same search: its facets are the same counts.
    const next = await get(`/v1/search?q=remote%20design&mode=bm25&limit=2&facets=true&cursor=${first.body.next_cursor}`);
    expect(next.status).toBe(200);
    expect(next.body.facets).toEqual(first.body.facets);
    expect(next.body.results[0].moment_ids).not.toEqual(first.body.results[0].moment_ids);
  });

  it('browses by filters alone: the recordings passing them, newest first, paged, with facets of all their moments', async () => {
    const qmsum = await get('/v1/search?collection=qmsum&facets=true');
    expect(qmsum.status).toBe(200);
    expect(qmsum.body.results).toEqual([]);
    expect(qmsum.body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['IS1004a', 'ES2005a']);
    expect(qmsum.body.total).toBe(2);
    const moments = (await momentsOf('IS1004a')) + (await momentsOf('ES2005a'));
    expect(qmsum.body.facets).toMatchObject({ moments, recordings: 2, collection: [{ value: 'qmsum', moments, recordings: 2 }] });
    expect(qmsum.body.recordings[0]).toMatchObject({ recording_title: 'Design meeting', recorded_at: '2021-06-03', url: '/r/IS1004a' });
    // Dates alone, a page at a time.
    const p1 = await get('/v1/search?q=&from=1990-01-01&to=2009-12-31&limit=1');
    expect(p1.body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['Bed002']);
    expect(p1.body.total).toBe(2);
    expect(p1.body.routing).toEqual({ from: '1990-01-01', to: '2009-12-31', source: 'params' });
    const p2 = await get(`/v1/search?q=&from=1990-01-01&to=2009-12-31&limit=1&cursor=${p1.body.next_cursor}`);
    expect(p2.body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['ES2005a']);
    expect(p2.body.next_cursor).toBeNull();
    // Oldest first: its own order and its own cursors.
    const o1 = await get('/v1/search?from=1990-01-01&to=2009-12-31&limit=1&order=oldest');
    expect(o1.body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['ES2005a']);
    expect((await get(`/v1/search?from=1990-01-01&to=2009-12-31&limit=1&cursor=${o1.body.next_cursor}`)).status).toBe(400);
    const o2 = await get(`/v1/search?from=1990-01-01&to=2009-12-31&limit=1&order=oldest&cursor=${o1.body.next_cursor}`);
    expect(o2.body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['Bed002']);
    // A speaker, in any case.
    const sp = await get('/v1/search?speaker=grad%20a');
    expect(sp.body.recordings.map((r: { recording_id: string }) => r.recording_id)).toEqual(['Bed002']);
  });

  it('refuses an empty q without a filter (and an export without q), naming the problem', async () => {
    for (const p of ['/v1/search', '/v1/search?q=%20%20', '/v1/search?q=&mode=bm25&kind=speech']) {
      const res = await get(p);
      expect(res.status, p).toBe(400);
      expect(res.body.error.message).toMatch(/q \(the query\) is required/);
    }
    expect((await get('/v1/search/export?collection=qmsum')).status).toBe(400);
  });

  it('lists the collections with their recordings, and documents the facets', async () => {
    expect((await get('/v1/collections')).body.items).toEqual([
      { name: 'icsi', recordings: 1 },
      { name: 'qmsum', recordings: 2 },
    ]);
    const doc = (await get('/openapi.json')).body;
    const search = doc.paths['/v1/search'].get;
    expect(search.parameters.map((p: { name: string }) => p.name)).toContain('facets');
    expect(search.description).toMatch(/distinct recordings/);
    expect(doc.paths['/v1/collections']).toBeDefined();
  });
});
