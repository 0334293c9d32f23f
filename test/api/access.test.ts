import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/auth/keys.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

const JFK = path.resolve(__dirname, '../../../shared/audio/jfk.wav');

async function waitForJob(url: string, id: string, headers: Record<string, string>, timeoutMs = 120_000) {
  const t0 = Date.now();
  for (;;) {
    const job = await (await fetch(`${url}/v1/jobs/${id}`, { headers })).json();
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describe('access control: API keys and roles over HTTP (default policy: public read, no public write)', () => {
  let t: TestServer;
  const key: Record<'reader' | 'archivist' | 'admin', string> = { reader: '', archivist: '', admin: '' };
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
  const ingest = (headers: Record<string, string>, id = 'ES2005a') =>
    fetch(`${t.url}/v1/ingest`, {
      method: 'POST',
      headers,
      body: transcriptForm(`${id}.vtt`, devTranscript(id), { id, title: `Meeting ${id}`, recorded_at: '1992-01-11', collection: 'qmsum' }),
    });

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off' });
    const keys = new KeyStore(t.services.db);
    for (const role of ['reader', 'archivist', 'admin'] as const) key[role] = (await keys.create(`test ${role}`, role)).key;
  });
  afterAll(async () => t?.close());

  it('refuses writes without a key (401) or with a reader key (403), each with a JSON error naming what is needed', async () => {
    const none = await ingest({});
    expect(none.status).toBe(401);
    const body = await none.json();
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toMatch(/archivist/);

    const reader = await ingest(bearer(key.reader));
    expect(reader.status).toBe(403);
    expect((await reader.json()).error).toMatchObject({ code: 'forbidden' });

    const forged = await ingest(bearer(key.archivist.slice(0, -4) + 'AAAA'));
    expect(forged.status).toBe(401);
    // Nothing was stored by the refused requests.
    expect((await t.services.archive.counts()).recordings).toBe(0);
  });

  it('an archivist key ingests (Bearer or X-API-Key); readers and anonymous users search', async () => {
    expect((await ingest(bearer(key.archivist))).status).toBe(201);
    expect((await ingest({ 'x-api-key': key.archivist }, 'IS1004a')).status).toBe(201);
    for (const headers of [{}, bearer(key.reader)]) {
      const res = await fetch(`${t.url}/v1/search?q=remote%20control&mode=bm25`, { headers });
      expect(res.status).toBe(200);
      expect((await res.json()).results.length).toBeGreaterThan(0);
    }
    // Asking is a read even though it is a POST.
    const ask = await fetch(`${t.url}/v1/ask`, { method: 'POST', headers: { ...bearer(key.reader), 'content-type': 'application/json' }, body: JSON.stringify({ question: 'remote control price' }) });
    expect(ask.status).toBe(200);
  });

  it('with AUTH_PUBLIC_READ=off, searching needs a key too', async () => {
    const closed = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off', AUTH_PUBLIC_READ: 'off' });
    try {
      const k = (await new KeyStore(closed.services.db).create('r', 'reader')).key;
      expect((await fetch(`${closed.url}/v1/search?q=x`)).status).toBe(401);
      expect((await fetch(`${closed.url}/v1/search?q=x`, { headers: bearer(k) })).status).toBe(200);
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(401);
    } finally {
      await closed.close();
    }
  });

  it('a revoked key stops working', async () => {
    const keys = new KeyStore(t.services.db);
    const { key: k, record } = await keys.create('temp', 'archivist');
    expect((await fetch(`${t.url}/v1/jobs`, { headers: bearer(k) })).status).toBe(200);
    await keys.revoke(record.id);
    // The server's own KeyStore caches verifications for a few seconds; a fresh store sees the revocation at once.
    expect(await new KeyStore(t.services.db).verify(k)).toBeNull();
  });

  it('DELETE removes a recording from search, cache, storage and rows; only an admin may; it is audited', async () => {
    const up = new FormData();
    up.set('title', 'Inaugural address');
    up.set('recorded_at', '1961-01-20');
    up.set('file', new File([new Uint8Array(fs.readFileSync(JFK))], 'jfk.wav', { type: 'audio/wav' }));
    const res = await fetch(`${t.url}/v1/recordings`, { method: 'POST', headers: bearer(key.archivist), body: up });
    expect(res.status).toBe(202);
    const { recording, job } = await res.json();
    expect((await waitForJob(t.url, job.id, bearer(key.archivist))).status).toBe('succeeded');
    const blobs = path.join(t.dataDir, 'blobs');
    expect(filesUnder(blobs)).toEqual([`${recording.checksum}.wav`]);

    const q = `${t.url}/v1/search?q=country&mode=bm25&limit=50`;
    const before = await (await fetch(q)).json();
    expect(before.results.map((r: { recording_id: string }) => r.recording_id)).toContain(recording.id);
    await fetch(q); // now cached

    expect((await fetch(`${t.url}/v1/recordings/${recording.id}`, { method: 'DELETE', headers: bearer(key.archivist) })).status).toBe(403);
    expect((await fetch(`${t.url}/v1/recordings/${recording.id}`, { method: 'DELETE' })).status).toBe(401);
    const del = await fetch(`${t.url}/v1/recordings/${recording.id}`, { method: 'DELETE', headers: bearer(key.admin) });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ deleted: recording.id, media: [recording.source] });

    const after = await (await fetch(q)).json();
    expect(after.results.map((r: { recording_id: string }) => r.recording_id)).not.toContain(recording.id);
    expect((await fetch(`${t.url}/v1/recordings/${recording.id}`)).status).toBe(404);
    expect((await fetch(`${t.url}/v1/recordings/${recording.id}/media`)).status).toBe(404);
    expect(filesUnder(blobs)).toEqual([]);
    const [{ n }] = await t.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM moments WHERE recording_id = $1', [recording.id]);
    expect(Number(n)).toBe(0);
    // The other recordings are untouched.
    expect((await t.services.archive.counts()).recordings).toBe(2);

    const audit = await (await fetch(`${t.url}/v1/audit`, { headers: bearer(key.admin) })).json();
    expect(audit.items[0]).toMatchObject({ action: 'recording.delete', target: recording.id });
    expect(audit.items[0].actor).toMatch(/test admin/);
    expect((await fetch(`${t.url}/v1/audit`, { headers: bearer(key.archivist) })).status).toBe(403);
    expect((await fetch(`${t.url}/v1/recordings/${recording.id}`, { method: 'DELETE', headers: bearer(key.admin) })).status).toBe(404);
  }, 150_000);

  it('exposes Prometheus metrics: request latency per route pattern, jobs, cache', async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/v1\/search"/);
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/recordings\/:id"/);
    expect(text).not.toMatch(/route="\/v1\/recordings\/[a-z0-9-]+"/);
    expect(text).toMatch(/jobs\{status="succeeded"\} [1-9]/);
    expect(text).toMatch(/cache_hit_ratio \d/);
    expect(text).toMatch(/ingest_stage_duration_seconds_count\{stage="asr"\} [1-9]/);
    expect(text).toMatch(/asr_real_time_factor_count\{engine="pocketsphinx"\} 1/);
  });
});

describe('rate limits per key, counted in Redis', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', RATE_LIMIT_PER_MIN: '3', REDIS_URL: 'redis://127.0.0.1:6379' });
  });
  afterAll(async () => t?.close());

  it('answers 429 with a JSON error after the limit, per key', async () => {
    const keys = new KeyStore(t.services.db);
    const a = (await keys.create('a', 'reader')).key;
    const b = (await keys.create('b', 'reader')).key;
    const hit = (k: string) => fetch(`${t.url}/v1/recordings`, { headers: { authorization: `Bearer ${k}` } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await hit(a)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await hit(a);
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe('rate_limited');
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await hit(b)).status).toBe(200);
  });
});
