import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitMediaIngest } from '../../src/ingest/pipeline/submit.js';
import { KeyStore } from '../../src/archive/keys.js';
import { mediaKey } from '../../src/platform/storage/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const jfk = fs.readFileSync(path.resolve(__dirname, '../../../shared/audio/jfk.wav'));
const sha = createHash('sha256').update(jfk).digest('hex');

/** Jobs are read with an archivist key (set once the key exists). */
let jobHeaders: Record<string, string> = {};

async function waitForJob(url: string, id: string, timeoutMs = 150_000) {
  const t0 = Date.now();
  for (;;) {
    // A poll may meet a kept-alive socket the server just closed (ECONNRESET) on a busy machine: poll again.
    const job = await fetch(`${url}/v1/jobs/${id}`, { headers: jobHeaders }).then((r) => r.json()).catch(() => null);
    if (job?.status === 'succeeded' || job?.status === 'failed') return job;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${job?.status} (${job?.stage}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('POST /v1/jobs/:id/retry (real pipeline: ffprobe, pocketsphinx, PGlite, loopback; writes need a key)', () => {
  let t: TestServer;
  let keys: { archivist: string; reader: string };
  const retry = (id: string, key?: string) => fetch(`${t.url}/v1/jobs/${id}/retry`, { method: 'POST', headers: key ? { Authorization: `Bearer ${key}` } : {} });

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off' });
    const store = new KeyStore(t.services.db);
    keys = { archivist: (await store.create('retry-test', 'archivist')).key, reader: (await store.create('retry-test-reader', 'reader')).key };
    jobHeaders = { Authorization: `Bearer ${keys.archivist}` };
  });
  afterAll(async () => t?.close());

  it('runs a failed media job again from the stage that failed, once however many ask, and it then succeeds', async () => {
    // The media is not in storage when the job runs (an outage, a slow replica): the decode stage fails for good.
    const key = mediaKey(sha, 'wav');
    const meta = { id: 'retry-jfk', title: 'Inaugural address', recordedAt: '1961-01-20', collection: 'speeches', language: null, source: key };
    const submitted = await submitMediaIngest(t.services, t.runtime, { blobKey: key, meta, sha256: sha });
    const failed = await waitForJob(t.url, submitted.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^decode: /);
    expect(failed.attempts).toBe(1);
    expect((await (await fetch(`${t.url}/v1/recordings/retry-jfk`)).json()).status).toBe('failed');

    // Retrying is a write: no key is 401, a reader key 403, and neither changes anything.
    expect((await retry(submitted.id)).status).toBe(401);
    expect((await retry(submitted.id, keys.reader)).status).toBe(403);
    expect((await (await fetch(`${t.url}/v1/jobs/${submitted.id}`, { headers: jobHeaders })).json()).status).toBe('failed');

    // The media is back; three retries at once: one re-enqueues (202), the others find it queued or running (200).
    await t.services.blobs.put(key, jfk, { contentType: 'audio/wav' });
    const answers = await Promise.all([1, 2, 3].map(() => retry(submitted.id, keys.archivist)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    for (const b of bodies) {
      expect(b.id).toBe(submitted.id);
      expect(['queued', 'running']).toContain(b.status);
      expect(b.error).toBeNull();
    }
    expect((await (await fetch(`${t.url}/v1/recordings/retry-jfk`)).json()).status).toBe('processing');

    const done = await waitForJob(t.url, submitted.id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.result.moments).toBeGreaterThan(0);
    const decode = done.stages.find((s: { stage: string }) => s.stage === 'decode');
    expect(decode).toMatchObject({ status: 'done', attempts: 2 }); // the failed stage ran again…
    expect(done.stages.every((s: { status: string }) => s.status === 'done')).toBe(true); // …and everything after it
    const rec = await (await fetch(`${t.url}/v1/recordings/retry-jfk`)).json();
    expect(rec.status).toBe('ready');
    const search = await (await fetch(`${t.url}/v1/search?q=country&mode=bm25`)).json();
    expect(search.results.map((r: { recording_id: string }) => r.recording_id)).toContain('retry-jfk');

    // Nothing to retry once it succeeded.
    const again = await retry(submitted.id, keys.archivist);
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('conflict');
  }, 200_000);

  it('answers 404 for an unknown job, 400 for a malformed id, and 409 for a failed manifest job (its files are gone)', async () => {
    expect((await retry('00000000-0000-4000-8000-000000000000', keys.archivist)).status).toBe(404);
    expect((await retry('not-a-job', keys.archivist)).status).toBe(400);

    const form = new FormData();
    form.set('manifest', new File(['{"id":"a","transcript":"recordings/a.vtt"}\n'], 'manifest.jsonl'));
    form.append('files', new File(['WEBVTT\n\n00:00:01.000 --> 00:00:xx\nbroken\n'], 'recordings/a.vtt'));
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${keys.archivist}` } });
    expect(res.status).toBe(202);
    const { job } = await res.json();
    expect((await waitForJob(t.url, job.id)).status).toBe('failed');
    const r = await retry(job.id, keys.archivist);
    expect(r.status).toBe(409);
    expect((await r.json()).error.message).toMatch(/upload them again/);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(Object.keys(doc.paths['/v1/jobs/{id}/retry'])).toEqual(['post']);
  });
});
