import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enqueueManifestJob } from '../../src/ingest/pipeline/manifest.js';
import { Webhooks } from '../../src/ingest/pipeline/webhook.js';
import { KeyStore } from '../../src/archive/keys.js';
import { loadConfig } from '../../src/core/config.js';
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

const FOREIGN = 'http://attacker.example';
const bearerOf = (k: string) => ({ authorization: `Bearer ${k}` });
/** A well-formed key that no archive issued. */
const bogusKey = (i: number) => `sa_${String(i).padStart(10, '0')}_${'A'.repeat(32)}`;

describe('rate limits before authentication, per client, web pages included', () => {
  let t: TestServer;
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };
  beforeAll(async () => {
    // Searches cost one unit here, like any request: this block is about who is counted, not what.
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', RATE_LIMIT_PER_MIN: '3', RATE_COST_SEARCH: '1' });
    const store = new KeyStore(t.services.db);
    keys.a = (await store.create('a', 'reader')).key;
    keys.b = (await store.create('b', 'reader')).key;
    const writer = (await store.create('w', 'archivist')).key;
    const up = transcriptForm('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a', title: 'Remote control kick-off' });
    expect((await fetch(`${t.url}/v1/ingest`, { method: 'POST', headers: bearerOf(writer), body: up })).status).toBe(201);
  });
  afterAll(async () => t?.close());

  it('unknown keys are counted per address: guessing is refused with 429 after the limit, valid keys keep their own count', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${t.url}/v1/recordings`, { headers: bearerOf(bogusKey(i)) })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await fetch(`${t.url}/v1/recordings`, { headers: bearerOf(bogusKey(9)) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await limited.json()).error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A key in a cookie is guessed the same way.
    expect((await fetch(`${t.url}/v1/recordings`, { headers: { cookie: `sa_key=${bogusKey(10)}` } })).status).toBe(429);
    // The address is spent, a valid key is not.
    expect((await fetch(`${t.url}/v1/recordings`, { headers: bearerOf(keys.a) })).status).toBe(200);
  });

  it('web pages are counted per client (not one shared bucket) and answer an HTML 429 page over the limit', async () => {
    const page = (k: string, q: string) => fetch(`${t.url}/?q=${encodeURIComponent(q)}&mode=bm25`, { headers: bearerOf(k) });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await page(keys.b, 'remote control')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await page(keys.b, 'remote control');
    expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Too many requests/);
    // Another client is not affected by b's pages.
    const other = await new KeyStore(t.services.db).create('c', 'reader');
    const ok = await page(other.key, 'remote control');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/class="hit"/);
    const ask = await fetch(`${t.url}/ask`, { method: 'POST', headers: bearerOf(other.key), body: new URLSearchParams({ question: 'remote control price' }) });
    expect(ask.status).toBe(200);
  });
});

describe('a cost budget: costly queries spend a client\'s budget faster than cached ones', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', RATE_LIMIT_PER_MIN: '40', RATE_COST_SEARCH: '5', RATE_COST_ASK: '30' });
    expect((await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a', title: 'Remote control kick-off' }) })).status).toBe(201);
  });
  afterAll(async () => t?.close());

  it('long uncached searches are limited after a few requests; the same number of cheap cached ones is not', async () => {
    const store = new KeyStore(t.services.db);
    const costly = (await store.create('costly', 'reader')).key;
    const cheap = (await store.create('cheap', 'reader')).key;
    const search = (k: string, q: string) => fetch(`${t.url}/v1/search?q=${encodeURIComponent(q)}&mode=bm25`, { headers: bearerOf(k) });
    // 300 characters: 3 × RATE_COST_SEARCH = 15 units each, so the third leaves 40 - 45 < 0.
    const long = (i: number) => `${i} what did the team say about the remote control and its price `.repeat(6).slice(0, 300);
    const costlyStatuses = [];
    for (let i = 0; i < 6; i++) costlyStatuses.push((await search(costly, long(i))).status);
    expect(costlyStatuses).toEqual([200, 200, 200, 429, 429, 429]);
    const cheapStatuses = [];
    for (let i = 0; i < 20; i++) cheapStatuses.push((await search(cheap, 'remote control')).status);
    expect(cheapStatuses.every((s) => s === 200)).toBe(true);
  });

  it('an answer costs more than a search', async () => {
    const asker = (await new KeyStore(t.services.db).create('asker', 'reader')).key;
    const ask = (question: string) =>
      fetch(`${t.url}/v1/ask`, { method: 'POST', headers: { ...bearerOf(asker), 'content-type': 'application/json' }, body: JSON.stringify({ question }) });
    expect((await ask('what was the remote control price?')).status).toBe(200);
    expect((await ask('who designed the remote control?')).status).toBe(200);
    expect((await ask('when is the next meeting?')).status).toBe(429);
  });

  it('the costs are settings', () => {
    expect(loadConfig({}).RATE_COST_SEARCH).toBe(5);
    expect(loadConfig({}).RATE_COST_ASK).toBe(30);
    expect(() => loadConfig({ RATE_COST_ASK: '-1' })).toThrow(/RATE_COST_ASK/);
  });
});

describe('jobs need an archivist key (default policy)', () => {
  let t: TestServer;
  let jobId: string;
  const key: Record<'reader' | 'archivist', string> = { reader: '', archivist: '' };
  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off' });
    const store = new KeyStore(t.services.db);
    key.reader = (await store.create('r', 'reader')).key;
    key.archivist = (await store.create('a', 'archivist')).key;
    const form = new FormData();
    form.set('manifest', new File([JSON.stringify({ id: 'bad', transcript: 'bad.vtt' }) + '\n' + JSON.stringify({ id: 'good', transcript: 'good.vtt' }) + '\n'], 'manifest.jsonl'));
    form.append('files', new File(['WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nbackwards\n'], 'bad.vtt'));
    form.append('files', new File(['WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Clerk>The minutes were approved.\n'], 'good.vtt'));
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', headers: bearerOf(key.archivist), body: form });
    expect(res.status).toBe(202);
    jobId = (await res.json()).job.id;
    await waitForJob(t.url, jobId, bearerOf(key.archivist));
  });
  afterAll(async () => t?.close());

  it('GET /v1/jobs, /v1/jobs/:id and the job events refuse anonymous users (401) and readers (403)', async () => {
    for (const p of ['/v1/jobs', `/v1/jobs/${jobId}`, `/v1/jobs/${jobId}/events`]) {
      expect((await fetch(`${t.url}${p}`)).status, p).toBe(401);
      expect((await fetch(`${t.url}${p}`, { headers: bearerOf(key.reader) })).status, p).toBe(403);
      const ok = await fetch(`${t.url}${p}`, { headers: bearerOf(key.archivist) });
      expect(ok.status, p).toBe(200);
      await ok.body?.cancel();
    }
  });

  it('the web job page needs the key too: a sign-in page, not the job', async () => {
    const anon = await fetch(`${t.url}/ingest/jobs/${jobId}`);
    expect(anon.status).toBe(401);
    const html = await anon.text();
    expect(html).toMatch(/Sign in/);
    expect(html).not.toMatch(/bad\.vtt/);
    const ok = await fetch(`${t.url}/ingest/jobs/${jobId}`, { headers: bearerOf(key.archivist) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/Rows that failed/);
  });

  it("a failed manifest row names the file as the manifest gives it, never the server's path", async () => {
    const job = await (await fetch(`${t.url}/v1/jobs/${jobId}`, { headers: bearerOf(key.archivist) })).json();
    expect(job.result.failures).toHaveLength(1);
    const error: string = job.result.failures[0].error;
    expect(error).toMatch(/^bad\.vtt:3: cue ends before it starts/);
    expect(error).not.toContain(t.dataDir);
    expect(error).not.toMatch(/uploads/);
  });
});

describe('AUTH_PUBLIC_READ=off covers the web pages: sign in with a key kept in an HttpOnly cookie', () => {
  let t: TestServer;
  let reader: string;
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);
  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_READ: 'off' });
    reader = (await new KeyStore(t.services.db).create('reading room', 'reader')).key;
    const up = transcriptForm('ES2005a.vtt', 'WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Zebulon Quartermain>The remote control costs twelve euros.\n', { id: 'ES2005a', title: 'Remote control kick-off' });
    expect((await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: up })).status).toBe(201);
  });
  afterAll(async () => t?.close());

  it('anonymous users get a sign-in page (401) on every page, and nothing of the archive', async () => {
    for (const p of ['/', '/?q=remote', '/r/ES2005a', '/r/no-such', '/ask', '/ingest']) {
      const res = await fetch(`${t.url}${p}`);
      expect(res.status, p).toBe(401);
      expect(res.headers.get('content-type'), p).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html, p).toMatch(/<form[^>]*action="\/signin"/);
      expect(html, p).not.toMatch(/Zebulon|Remote control kick-off|1 recording/);
    }
    const asked = await fetch(`${t.url}/ask`, { method: 'POST', body: form({ question: 'remote control price' }) });
    expect(asked.status).toBe(401);
    expect(await asked.text()).not.toMatch(/twelve euros/);
    // The health check answers, without the archive's counts.
    const health = await (await fetch(`${t.url}/healthz`)).json();
    expect(health.status).toBe('ok');
    expect(health.recordings).toBeUndefined();
  });

  it('signing in sets an HttpOnly, SameSite=Strict cookie the pages (and the media element) use; a wrong key does not', async () => {
    const wrong = await fetch(`${t.url}/signin`, { method: 'POST', body: form({ key: bogusKey(1), next: '/' }), redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const res = await fetch(`${t.url}/signin`, { method: 'POST', body: form({ key: reader, next: '/r/ES2005a' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/r/ES2005a');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    const cookie = set.split(';')[0];
    const home = await fetch(`${t.url}/`, { headers: { cookie } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toMatch(/Zebulon Quartermain/); // the speaker list, read through the API with the key
    expect(html).toMatch(/Sign out/);
    expect((await fetch(`${t.url}/r/ES2005a`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${t.url}/v1/recordings/ES2005a`, { headers: { cookie } })).status).toBe(200);
    // An off-site redirect target is not followed.
    const off = await fetch(`${t.url}/signin`, { method: 'POST', body: form({ key: reader, next: '//attacker.example/' }), redirect: 'manual' });
    expect(off.headers.get('location')).toBe('/');

    const out = await fetch(`${t.url}/signout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/sa_key=;.*Max-Age=0/i);
  });
});

describe('redaction: errors and logs carry no configured URLs, credentials or server paths', () => {
  it('an unreachable LLM endpoint is "the answer service is unavailable", without its URL or credentials', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', LLM_BASE_URL: `http://archive-bot:hunter2@127.0.0.1:${port}/v1`, LLM_MODEL: 'm' });
    try {
      expect((await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a' }) })).status).toBe(201);
      const api = await fetch(`${t.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'remote control price' }) });
      expect(api.status).toBe(502);
      const body = await api.json();
      expect(body.error).toEqual({ code: 'upstream_error', message: 'the answer service is unavailable' });
      const page = await fetch(`${t.url}/ask`, { method: 'POST', body: new URLSearchParams({ question: 'remote control price' }) });
      const html = await page.text();
      expect(html).toMatch(/the answer service is unavailable/);
      for (const text of [JSON.stringify(body), html]) {
        expect(text).not.toMatch(/hunter2|archive-bot|LLM_BASE_URL/);
        expect(text).not.toContain(String(port));
      }
    } finally {
      await t.close();
    }
  });

  it("a manifest job that cannot read its upload fails naming the manifest, not the folder it was kept in", async () => {
    const t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', JOB_ATTEMPTS: '1' });
    try {
      // The upload's folder is gone by the time the job runs (a cleaned-up disk, a worker without DATA_DIR).
      const dir = path.join(t.dataDir, 'uploads', '00000000-0000-4000-8000-00000000dead');
      const job = await t.runtime.jobs.create('ingest-manifest', {});
      await enqueueManifestJob(t.runtime.queue, { jobId: job.id, manifestPath: path.join(dir, 'manifest.jsonl'), dir });
      const done = await waitForJob(t.url, job.id, {});
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(/cannot read manifest manifest\.jsonl: ENOENT/);
      expect(done.error).not.toContain(t.dataDir);
    } finally {
      await t.close();
    }
  });

  it('a webhook URL with credentials is delivered with them as Basic auth, and logged without them', async () => {
    const seen: (string | undefined)[] = [];
    const hook = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume().on('end', () => res.writeHead(req.headers.authorization ? 200 : 401).end());
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    try {
      const ok = new Webhooks(`http://hooks:s3cret-token@127.0.0.1:${port}/hook?sig=q-secret`, log, { tries: 1 });
      ok.deliver({ job: 'j1', kind: 'k', recording_id: null, status: 'succeeded', error: null });
      await ok.drain();
      expect(seen).toEqual([`Basic ${Buffer.from('hooks:s3cret-token').toString('base64')}`]);
      const down = new Webhooks(`http://hooks:s3cret-token@127.0.0.1:1/hook?sig=q-secret`, log, { tries: 1, timeoutMs: 2000 });
      down.deliver({ job: 'j2', kind: 'k', recording_id: null, status: 'failed', error: null });
      await down.drain();
      const warned = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'webhook not delivered');
      expect(warned).toBeTruthy();
      expect(lines.join('\n')).not.toMatch(/s3cret-token|q-secret/);
    } finally {
      await new Promise((r) => hook.close(r));
    }
  });
});

describe('CSRF: state-changing requests from other origins are refused', () => {
  let t: TestServer;
  let admin: string;
  const upload = (headers: Record<string, string>, id: string) =>
    fetch(`${t.url}/v1/ingest`, { method: 'POST', headers, body: transcriptForm(`${id}.vtt`, 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhello there\n', { id }) });
  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'on' });
    admin = (await new KeyStore(t.services.db).create('admin', 'admin')).key;
  });
  afterAll(async () => t?.close());

  it('a cross-site form post to the API or a page is 403, and nothing is stored', async () => {
    const foreign = await upload({ origin: FOREIGN }, 'csrf1');
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('forbidden');
    expect((await upload({ 'sec-fetch-site': 'cross-site' }, 'csrf2')).status).toBe(403);
    expect((await upload({ 'sec-fetch-site': 'same-site', origin: 'http://sub.127.0.0.1' }, 'csrf3')).status).toBe(403);
    const page = await fetch(`${t.url}/ingest`, { method: 'POST', headers: { origin: FOREIGN }, body: transcriptForm('csrf4.vtt', 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhello\n', { id: 'csrf4' }) });
    expect(page.status).toBe(403);
    expect(await page.text()).toMatch(/another site/);
    expect((await fetch(`${t.url}/signin`, { method: 'POST', headers: { origin: FOREIGN }, body: new URLSearchParams({ key: admin }) })).status).toBe(403);
    // A cookie does not make it pass: the browser would send it.
    expect((await fetch(`${t.url}/v1/recordings/csrf1`, { method: 'DELETE', headers: { origin: FOREIGN, cookie: `sa_key=${admin}` } })).status).toBe(403);
    expect((await t.services.archive.counts()).recordings).toBe(0);
  });

  it('a cross-site write is refused whatever its Content-Type (JSON too), and changes nothing', async () => {
    expect((await upload({}, 'target')).status).toBe(201);
    const patch = (headers: Record<string, string>, title: string) =>
      fetch(`${t.url}/v1/recordings/target`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ title }) });
    for (const [headers, title] of [
      [{ origin: FOREIGN }, 'by origin'],
      [{ 'sec-fetch-site': 'cross-site' }, 'by fetch site'],
      [{ origin: FOREIGN, 'content-type': 'application/octet-stream' }, 'as octets'],
    ] as const) {
      const res = await patch(headers, title);
      expect(res.status, title).toBe(403);
      expect((await res.json()).error.code).toBe('forbidden');
    }
    const json = await fetch(`${t.url}/v1/recordings/target`, { method: 'DELETE', headers: { origin: FOREIGN, 'content-type': 'application/json' } });
    expect(json.status).toBe(403);
    expect((await t.services.archive.get('target'))?.title).not.toMatch(/^by |^as /);
    // The same JSON write from the archive's own pages, or from a client that sends neither header, passes.
    expect((await patch({ origin: t.url, 'sec-fetch-site': 'same-origin' }, 'same origin')).status).toBe(200);
    expect((await patch({}, 'no origin')).status).toBe(200);
    expect((await t.services.archive.get('target'))?.title).toBe('no origin');
  });

  it('same-origin browsers, clients without an Origin (curl, the CLI) and requests with a key in a header pass', async () => {
    expect((await upload({}, 'curl')).status).toBe(201);
    expect((await upload({ origin: t.url, 'sec-fetch-site': 'same-origin' }, 'browser')).status).toBe(201);
    expect((await upload({ origin: t.url }, 'old-browser')).status).toBe(201);
    expect((await upload({ origin: FOREIGN, ...bearerOf(admin) }, 'scripted')).status).toBe(201);
    expect((await fetch(`${t.url}/v1/recordings/curl`, { method: 'DELETE', headers: bearerOf(admin) })).status).toBe(200);
  });
});

describe('event streams: a cap per client on open streams', () => {
  let t: TestServer;
  let archivist: string;
  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', SSE_MAX_PER_CLIENT: '2' });
    archivist = (await new KeyStore(t.services.db).create('a', 'archivist')).key;
  });
  afterAll(async () => t?.close());

  it('over SSE_MAX_PER_CLIENT open streams is 429; closing one frees its place; other clients are not affected', async () => {
    // A job that nobody runs stays queued: its event stream stays open.
    const job = await t.runtime.jobs.create('ingest-manifest', {});
    const ctrls: AbortController[] = [];
    const open = (headers: Record<string, string> = {}) => {
      const ctrl = new AbortController();
      ctrls.push(ctrl);
      return fetch(`${t.url}/v1/jobs/${job.id}/events`, { headers, signal: ctrl.signal }).then((res) => ({ res, close: () => ctrl.abort() }));
    };
    try {
      const a = await open();
      const b = await open();
      expect([a.res.status, b.res.status]).toEqual([200, 200]);
      const c = await open();
      expect(c.res.status).toBe(429);
      expect((await c.res.json()).error.message).toMatch(/SSE_MAX_PER_CLIENT/);
      const keyed = await open(bearerOf(archivist));
      expect(keyed.res.status).toBe(200);
      a.close();
      await vi.waitFor(async () => {
        const d = await open();
        expect(d.res.status).toBe(200);
        d.close();
      }, { timeout: 5000, interval: 200 });
    } finally {
      for (const c of ctrls) c.abort();
    }
  });
});
