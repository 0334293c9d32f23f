import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { FakeElasticsearch, getJson, HashEmbedder } from './helpers.js';

/*
 * A retrieval leg fails while the other one works: hybrid search and answers degrade to the working leg and
 * say so; a mode that needs only the failed leg is a 503. The lexical case runs the real Elasticsearch client
 * and adapter (LEXICAL_ENGINE=elasticsearch): the service starts against a minimal loopback ES, which is then
 * closed, so the adapter meets a refused connection, as with a cluster that went away.
 */

const Q = 'remote control buttons design';
const ingest = (t: TestServer, id: string, title: string, recordedAt: string) =>
  getJson(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, devTranscript(id), { id, title, recorded_at: recordedAt, collection: 'qmsum' }) });
const search = (t: TestServer, query: string, extra = '') => getJson(`${t.url}/v1/search?q=${encodeURIComponent(query)}${extra}`);
const ask = (t: TestServer, question: string) =>
  getJson(`${t.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });

describe('a retrieval leg fails (loopback HTTP, PGlite, Elasticsearch adapter)', () => {
  const embedder = new HashEmbedder();
  let es: FakeElasticsearch;
  let t: TestServer;

  beforeAll(async () => {
    es = await FakeElasticsearch.start();
    t = await startTestServer({ LEXICAL_ENGINE: 'elasticsearch', ES_URL: es.url, SAMPLE_ARCHIVE: 'off' }, { embedder });
    expect((await ingest(t, 'ES2005a', 'Remote control kick-off', '1992-01-11')).status).toBe(201);
    expect(es.docs.size).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await t?.close();
    await es?.down();
  });

  it('hybrid answers from the vector leg alone, flagged degraded, and is not cached', async () => {
    const healthy = await search(t, Q);
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ degraded: false, degraded_legs: [] });

    await es.down();
    const first = await search(t, `${Q} again`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ mode: 'hybrid', degraded: true, degraded_legs: ['bm25'], cached: false });
    expect(first.body.warnings.join(' ')).toMatch(/lexical index \(elasticsearch\) is unavailable/);
    expect(first.body.results.length).toBeGreaterThan(0);
    for (const r of first.body.results) {
      expect(r.scores.bm25).toBeNull();
      expect(r.scores.vector).toEqual(expect.any(Number));
    }
    expect(first.ms).toBeLessThan(5000);
    // Not cached: the same search asks the engines again (and would see them back).
    const second = await search(t, `${Q} again`);
    expect(second.body).toMatchObject({ degraded: true, cached: false });
    expect(second.body.results.map((r: { url: string }) => r.url)).toEqual(first.body.results.map((r: { url: string }) => r.url));
  });

  it('mode=bm25 is a 503 engine_unavailable while the engine is down', async () => {
    const res = await search(t, Q, '&mode=bm25');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('engine_unavailable');
    expect(res.body.error.message).toMatch(/lexical index \(elasticsearch\)/);
    expect(res.ms).toBeLessThan(5000);
    // A bad request stays a 400 (not an outage, not degraded).
    expect((await search(t, Q, '&from=1992-13-45')).status).toBe(400);
  });

  it('POST /v1/ask answers from the degraded retrieval and says so, uncached', async () => {
    const a = await ask(t, 'What did they say about the remote control buttons?');
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ degraded: true, degraded_legs: ['bm25'], cached: false });
    expect(a.body.warnings.join(' ')).toMatch(/lexical index \(elasticsearch\) is unavailable/);
    const again = await ask(t, 'What did they say about the remote control buttons?');
    expect(again.body).toMatchObject({ degraded: true, cached: false });
  });

  it('documents degraded_legs in the OpenAPI schema', async () => {
    const { body } = await getJson(`${t.url}/openapi.json`);
    const props = body.components.schemas.SearchResponse.properties;
    expect(props.degraded_legs.items.enum).toEqual(['bm25', 'vector']);
    expect(body.components.schemas.SearchResponse.required).toContain('degraded_legs');
    expect(body.components.schemas.AskResponse.properties.degraded_legs).toBeDefined();
    expect(body.paths['/v1/search'].get.responses['503']).toBeDefined();
  });

  it('is whole again, and cached, once the engine is back', async () => {
    await es.up();
    const back = await search(t, `${Q} once more`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ degraded: false, degraded_legs: [], cached: false });
    expect(back.body.results.some((r: { scores: { bm25: number | null } }) => r.scores.bm25 !== null)).toBe(true);
    expect((await search(t, `${Q} once more`)).body.cached).toBe(true);
    expect((await search(t, Q, '&mode=bm25')).status).toBe(200);
  });

  it('vector leg down (the embedding service fails): hybrid is BM25 only, mode=vector a 503, ask says so', async () => {
    embedder.down = true;
    const s = await search(t, 'remote control fifty million euros profit');
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body).toMatchObject({ degraded: true, degraded_legs: ['vector'], cached: false });
    expect(s.body.results.length).toBeGreaterThan(0);
    for (const r of s.body.results) expect(r.scores.vector).toBeNull();
    expect(s.body.warnings.join(' ')).toMatch(/vector index is unavailable/);
    expect((await search(t, 'remote control fifty million euros profit')).body.cached).toBe(false);

    const v = await search(t, 'remote control', '&mode=vector');
    expect(v.status).toBe(503);
    expect(v.body.error.code).toBe('engine_unavailable');

    const a = await ask(t, 'What profit did the project manager mention?');
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ degraded: true, degraded_legs: ['vector'], cached: false });

    // Both legs down: nothing can answer, a 503 naming both (not a 500, not an empty 200).
    await es.down();
    const none = await search(t, 'remote control price');
    expect(none.status).toBe(503);
    expect(none.body.error.code).toBe('engine_unavailable');
    expect(none.body.error.message).toMatch(/lexical index.*vector index/);
    await es.up();

    embedder.down = false;
    const back = await search(t, 'remote control fifty million euros profit');
    expect(back.body).toMatchObject({ degraded: false, degraded_legs: [], cached: false });
    expect((await search(t, 'remote control fifty million euros profit')).body.cached).toBe(true);
  });
});

describe('Elasticsearch is down when the service starts (loopback HTTP, PGlite, Elasticsearch adapter)', () => {
  const embedder = new HashEmbedder();
  let es: FakeElasticsearch;
  let t: TestServer;

  beforeAll(async () => {
    es = await FakeElasticsearch.start();
    await es.down();
  });
  afterAll(async () => {
    await t?.close();
    await es?.down();
  });

  it('starts anyway, answers degraded, refuses the lexical write without storing half of it, and heals once ES answers', async () => {
    const t0 = performance.now();
    t = await startTestServer({ LEXICAL_ENGINE: 'elasticsearch', ES_URL: es.url, SAMPLE_ARCHIVE: 'off' }, { embedder });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect((await getJson(`${t.url}/healthz`)).status).toBe(200);

    // Nothing indexed yet: a degraded, empty answer rather than a 500.
    const empty = await search(t, Q);
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
    expect(empty.body).toMatchObject({ degraded: true, degraded_legs: ['bm25'] });

    const refused = await ingest(t, 'ES2005a', 'Remote control kick-off', '1992-01-11');
    expect(refused.status, JSON.stringify(refused.body)).toBeGreaterThanOrEqual(500);
    expect(refused.body.error.message).toMatch(/Elasticsearch/);
    // The recording is kept as failed, with the reason, for the archivist to send again (not half-ready).
    const failed = await getJson(`${t.url}/v1/recordings/ES2005a`);
    expect(failed.body).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(failed.body)).toMatch(/Elasticsearch/);

    await es.up();
    expect((await ingest(t, 'ES2005a', 'Remote control kick-off', '1992-01-11')).status).toBe(201);
    expect(es.paths).toContain('PUT /_index_template/moments-decades');
    expect((await getJson(`${t.url}/v1/recordings/ES2005a`)).body).toMatchObject({ status: 'ready' });
    const whole = await search(t, Q);
    expect(whole.body).toMatchObject({ degraded: false, degraded_legs: [] });
    expect(whole.body.results.some((r: { scores: { bm25: number | null } }) => r.scores.bm25 !== null)).toBe(true);
  });
});
