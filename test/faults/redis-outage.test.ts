import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../helpers/postgres.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { captureLogger, getJson, OwnRedis, sleep, waitFor } from './helpers.js';

/*
 * Redis is the cache, the rate-limit counters and (JOB_QUEUE=bullmq) the job queue. Here it is a redis-server
 * of the test's own, SIGKILLed under a running API and started again on the same port (empty: no persistence).
 * test/cache/fault.test.ts proves the cache adapter's behaviour on its own (fast misses, one warning, probe,
 * deferred generation bump); this file proves what a client of the HTTP API sees, and the job queue.
 */

const JFK = path.resolve(__dirname, '../../../shared/audio/jfk.wav');
const UNAVAILABLE = 'redis cache unavailable; caching is off until it returns';
const BACK = 'redis cache is back; caching is on';

describe('Redis stops under a running API (cache, rate limits, BullMQ jobs)', () => {
  let redis: OwnRedis;
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let t: TestServer;
  const log = captureLogger();
  const search = (q: string) => getJson(`${t.url}/v1/search?q=${encodeURIComponent(q)}`);
  const stats = async () => (await getJson(`${t.url}/v1/stats`)).body.cache as { degraded: boolean; backend: string };
  const count = (msg: string) => log.lines.filter((l) => l.msg === msg).length;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    // A scratch database on the local Postgres server: starts in a fraction of PGlite's time; no vectors needed here.
    db = await createScratchDatabase();
    t = await startTestServer(
      {
        SAMPLE_ARCHIVE: 'off',
        DATABASE_URL: db.url,
        EMBEDDINGS: 'none',
        REDIS_URL: redis.url,
        JOB_QUEUE: 'bullmq',
        WORKERS_IN_API: 'on',
        JOB_QUEUE_PREFIX: `sa-fault-${randomBytes(4).toString('hex')}`,
        JOB_BACKOFF_MS: '200',
        RATE_LIMIT_PER_MIN: '100000',
      },
      { embedder: null, logger: log.logger },
    );
    const form = transcriptForm('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a', title: 'Remote control kick-off', recorded_at: '1992-01-11' });
    expect((await getJson(`${t.url}/v1/ingest`, { method: 'POST', body: form })).status).toBe(201);
    await waitFor(async () => (await stats()).degraded === false, 5000, 'the cache to be on');
  });
  afterAll(async () => {
    // Redis must be up for the queue to close cleanly; the kill below may have left it down.
    await redis?.up().catch(() => {});
    await t?.close().catch(() => {});
    await redis?.destroy();
    await db?.drop();
  });

  it('searches answer uncached while Redis is down, with one warning, and caching comes back with Redis', async () => {
    const q = 'remote control profit fifty million';
    expect((await search(q)).body.cached).toBe(false);
    // (waitFor: on a loaded machine a Redis command can exceed the cache's 150 ms timeout and switch it off briefly.)
    await waitFor(async () => (await search(q)).body.cached === true, 10_000, 'a cached search');
    expect(await stats()).toMatchObject({ backend: 'redis', degraded: false });
    const warned = count(UNAVAILABLE);

    await redis.kill('SIGKILL');
    for (let i = 0; i < 5; i++) {
      const r = await search(q);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.cached).toBe(false);
      expect(r.body.results.length).toBeGreaterThan(0);
      expect(r.ms).toBeLessThan(3000);
    }
    expect((await stats()).degraded).toBe(true);
    expect(count(UNAVAILABLE)).toBe(warned + 1); // one warning for the outage, not one per request
    // Rate limiting is on (RATE_LIMIT_PER_MIN): its counters fell back to memory instead of failing requests.
    expect(count('rate limit store unavailable; counting in memory')).toBeGreaterThanOrEqual(1);

    await redis.up();
    await waitFor(async () => (await stats()).degraded === false, 10_000, 'caching to resume');
    expect(count(BACK)).toBeGreaterThanOrEqual(1);
    expect((await search(q)).body.cached).toBe(false); // the restarted Redis is empty
    await waitFor(async () => (await search(q)).body.cached === true, 10_000, 'a cached search after the restart');
  });

  it('a manifest job submitted while Redis is down is accepted, waits, and runs when Redis returns', async () => {
    await redis.kill('SIGKILL');
    const manifest = JSON.stringify({ id: 'IS1004a', title: 'Design meeting', recorded_at: '2021-06-03', transcript: 'recordings/IS1004a.vtt' });
    const form = new FormData();
    form.set('manifest', new File([`${manifest}\n`], 'manifest.jsonl'));
    form.append('files', new File([devTranscript('IS1004a')], 'recordings/IS1004a.vtt'));
    const submitted = await getJson(`${t.url}/v1/ingest`, { method: 'POST', body: form });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.ms).toBeLessThan(5000);
    const id = submitted.body.job.id as string;

    // While Redis is away the job waits (recorded in Postgres), and the rest of the API keeps answering.
    await sleep(1500);
    expect((await getJson(`${t.url}/v1/jobs/${id}`)).body.status).toBe('queued');
    const during = await search('remote control');
    expect(during.status).toBe(200);
    expect(during.body.results.some((r: { recording_id: string }) => r.recording_id === 'IS1004a')).toBe(false);

    await redis.up();
    await waitFor(async () => (await getJson(`${t.url}/v1/jobs/${id}`)).body.status === 'succeeded', 20_000, 'the job to run');
    const job = (await getJson(`${t.url}/v1/jobs/${id}`)).body;
    expect(job.result).toMatchObject({ ingested: 1, failed: 0 });
    const found = await getJson(`${t.url}/v1/search?q=${encodeURIComponent('remote control')}&recording=IS1004a`);
    expect(found.body.results.length).toBeGreaterThan(0);
  });

  it('a media upload while Redis is down is accepted, waits, and is transcribed when Redis returns', async () => {
    await redis.kill('SIGKILL');
    const form = new FormData();
    form.set('title', 'Inaugural address');
    form.set('file', new File([new Uint8Array(fs.readFileSync(JFK))], 'jfk.wav', { type: 'audio/wav' }));
    const submitted = await getJson(`${t.url}/v1/recordings`, { method: 'POST', body: form });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.ms).toBeLessThan(5000);
    const id = submitted.body.job.id as string;
    await sleep(1500);
    expect((await getJson(`${t.url}/v1/jobs/${id}`)).body.status).toBe('queued');

    await redis.up();
    await waitFor(async () => (await getJson(`${t.url}/v1/jobs/${id}`)).body.status === 'succeeded', 90_000, 'the media job to run');
    const found = await getJson(`${t.url}/v1/search?q=country&mode=bm25&recording=${encodeURIComponent(submitted.body.recording.id)}`);
    expect(found.body.results.length).toBeGreaterThan(0);
  }, 120_000);
});
