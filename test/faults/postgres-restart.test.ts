import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { getJson, OwnPostgres } from './helpers.js';

/*
 * The service on a real Postgres 15 server of its own (initdb in a temp dir; EMBEDDINGS=none, as it may have no pgvector),
 * which is stopped and started again under the running API process. While it is down every request that needs
 * the database is a prompt JSON 503; once it is back the same process answers searches and ingests again.
 */

const ingest = (t: TestServer, id: string, title: string) =>
  getJson(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, devTranscript(id), { id, title, recorded_at: '1992-01-11', collection: 'qmsum' }) });
const search = (t: TestServer, q: string, extra = '') => getJson(`${t.url}/v1/search?q=${encodeURIComponent(q)}${extra}`);

describe('Postgres server restart under a running API (real Postgres 15)', () => {
  let pg: OwnPostgres;
  let t: TestServer;

  beforeAll(async () => {
    pg = await OwnPostgres.start();
    t = await startTestServer({ DATABASE_URL: pg.url, EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off' }, { embedder: null });
    expect(t.services.db.kind).toBe('postgres');
  });
  afterAll(async () => {
    await t?.close().catch(() => {});
    await pg?.destroy();
  });

  it('answers before the outage', async () => {
    const a = await ingest(t, 'ES2005a', 'Remote control kick-off');
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const s = await search(t, 'remote control profit');
    expect(s.status).toBe(200);
    expect(s.body.results.length).toBeGreaterThan(0);
  });

  it('answers a prompt JSON 503 for everything that needs the database while it is stopped', async () => {
    await pg.stop('fast');
    const checks = [
      () => search(t, 'remote control design buttons'),
      () => search(t, 'remote control design buttons', '&mode=bm25&temporal=off&speakers=off'),
      () => getJson(`${t.url}/v1/recordings`),
      () => getJson(`${t.url}/v1/recordings/ES2005a/transcript?format=json`),
      () => getJson(`${t.url}/healthz`),
      () => ingest(t, 'IS1004a', 'Design meeting'),
      () => getJson(`${t.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What did they decide about the buttons?' }) }),
    ];
    for (const check of checks) {
      const r = await check();
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.error.code).toBe('engine_unavailable');
      expect(r.body.error.message).toMatch(/database is unavailable/);
      expect(r.ms).toBeLessThan(5000);
    }
    // The process is alive and answers what needs no database.
    expect((await getJson(`${t.url}/openapi.json`)).status).toBe(200);
  });

  it('serves searches and ingests again after the restart, from the same process', async () => {
    await pg.up();
    // The very first request after the restart works: the pool dropped the connections the shutdown broke.
    const s = await search(t, 'remote control design buttons');
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.results.length).toBeGreaterThan(0);
    const b = await ingest(t, 'IS1004a', 'Design meeting');
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    const after = await search(t, 'remote control', '&recording=IS1004a');
    expect(after.status).toBe(200);
    expect(after.body.results.length).toBeGreaterThan(0);
    expect((await getJson(`${t.url}/healthz`)).body).toMatchObject({ status: 'ok', db: 'postgres', recordings: 2 });
  });

  it('survives an abrupt stop (immediate mode) as well', async () => {
    await pg.stop('immediate');
    expect((await search(t, 'remote control price')).status).toBe(503);
    await pg.up();
    const s = await search(t, 'remote control price');
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.results.length).toBeGreaterThan(0);
  });
});
