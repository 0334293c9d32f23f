/**
 * The media job graph over the in-process queue: real audio (jfk.wav) through pocketsphinx into a searchable
 * recording with per-stage timings, followed over SSE on a loopback server; chunk and diarization failures
 * degrade instead of failing; a bad file fails the job and the webhook hears it; a "dead" process's job resumes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAP_TEXT } from '../../src/ingest/audio/stitch.js';
import { UNKNOWN_SPEAKER } from '../../src/ingest/audio/diarize/assign.js';
import { createJobRuntime, type JobRuntime } from '../../src/ingest/pipeline/runtime.js';
import { sha256File, submitMedia } from '../../src/ingest/pipeline/submit.js';
import { loadConfig } from '../../src/core/config.js';
import { InProcessQueue } from '../../src/platform/queue/inprocess.js';
import type { Job } from '../../src/archive/jobs.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { JFK_WAV, sameAudioOtherFile } from '../audio/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from './contract.js';
import { fakeEngine, meta, webhookReceiver } from './helpers.js';
import { migratedTemplate } from '../helpers/db.js';

interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a whole SSE response (until the server ends it). */
async function readSse(res: Response): Promise<SseEvent[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.includes('data:'))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data: JSON.parse(data) };
    });
}

describe('media pipeline on the in-process queue, real audio', () => {
  let srv: TestServer;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeAll(async () => {
    hook = await webhookReceiver();
    srv = await startTestServer({ WEBHOOK_URL: hook.url, SAMPLE_ARCHIVE: 'off' });
  });
  afterAll(async () => {
    await srv?.close();
    await hook?.close();
  });

  it('ingests jfk.wav into a searchable recording, streaming progress over SSE, with per-stage timings', async () => {
    const sha = await sha256File(JFK_WAV);
    const submitted = await submitMedia(srv.services, srv.runtime, { source: { file: JFK_WAV }, meta: meta('jfk-inaugural'), sha256: sha });
    expect(submitted.kind).toBe('ingest-media');
    expect(['queued', 'running']).toContain(submitted.status);

    const res = await fetch(`${srv.url}/v1/jobs/${submitted.id}/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(res); // resolves only because the server ends the stream after `done`
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data as { progress: number; stage: string });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThanOrEqual(progress[i - 1].progress);
    expect(new Set(progress.map((p) => p.stage)).size).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)!.event).toBe('done');
    expect(events.filter((e) => e.event === 'done' || e.event === 'failed')).toHaveLength(1);

    const job = (await (await fetch(`${srv.url}/v1/jobs/${submitted.id}`)).json()) as Job & {
      stages: { stage: string; status: string; attempts: number; parts: number }[];
      timings: { secondsPerStage: Record<string, number>; wallSeconds: number; rtf: number };
      result: { moments: number; durationS: number; speakers: string[]; failedChunks: number; diarization: string; timings: { rtf: number } };
    };
    expect(job).toMatchObject({ status: 'succeeded', progress: 1, error: null, recordingId: 'jfk-inaugural', attempts: 1 });
    expect(job).not.toHaveProperty('payload');
    expect(job.stages.map((s) => s.stage)).toEqual(['decode', 'chunk', 'asr', 'diarize', 'stitch', 'sentences', 'embed', 'index']);
    for (const s of job.stages) expect(s).toMatchObject({ status: 'done', attempts: s.parts });
    expect(job.timings.secondsPerStage.decode).toBeGreaterThan(0);
    expect(job.timings.secondsPerStage.asr).toBeGreaterThan(0);
    expect(job.timings.secondsPerStage.embed).toBeGreaterThan(0);
    expect(job.timings.rtf).toBeGreaterThan(0);
    expect(job.result).toMatchObject({ failedChunks: 0, diarization: 'basic' });
    expect(job.result.durationS).toBeCloseTo(11, 0);
    expect(job.result.timings.rtf).toBeGreaterThan(0);

    // Searchable: the words pocketsphinx heard are in the index, with speakers.
    const search = (await (await fetch(`${srv.url}/v1/search?q=country&recording=jfk-inaugural&mode=bm25`)).json()) as { results: { text: string }[] };
    expect(search.results.length).toBeGreaterThan(0);
    expect(search.results[0].text).toMatch(/country/);
    const rec = await srv.services.archive.get('jfk-inaugural');
    expect(rec).toMatchObject({ status: 'ready', checksum: sha });
    const segs = await srv.services.archive.segments('jfk-inaugural');
    expect(segs.length).toBeGreaterThan(0);
    expect(segs.every((c) => c.speaker)).toBe(true);

    // Listed, and the webhook was told.
    const listed = (await (await fetch(`${srv.url}/v1/jobs?status=succeeded`)).json()) as { items: Job[] };
    expect(listed.items.map((j) => j.id)).toContain(submitted.id);
    expect((await (await fetch(`${srv.url}/v1/jobs?status=failed`)).json()).items).toEqual([]);
    expect((await fetch(`${srv.url}/v1/jobs?status=nope`)).status).toBe(400);
    await waitFor(() => hook.bodies.length === 1, 5000, 'the webhook');
    expect(hook.bodies[0]).toMatchObject({ job: submitted.id, recording_id: 'jfk-inaugural', status: 'succeeded', error: null });

    // The same media again: nothing to do.
    const again = await submitMedia(srv.services, srv.runtime, { source: { file: JFK_WAV }, meta: meta('jfk-inaugural'), sha256: sha });
    expect(again).toMatchObject({ status: 'succeeded', result: { status: 'unchanged' } });
    expect(await srv.services.archive.segments('jfk-inaugural')).toEqual(segs);
  }, 180_000);

  it('answers 404 for an unknown job, on the job and on its events', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await fetch(`${srv.url}/v1/jobs/${id}`)).status).toBe(404);
    expect((await fetch(`${srv.url}/v1/jobs/${id}/events`)).status).toBe(404);
  });
});

describe('media pipeline failures and resume (fake ASR engine)', () => {
  let s: Services;
  let dataDir: string;
  const runtimes: JobRuntime[] = [];
  const runtime = (engine: ReturnType<typeof fakeEngine>, o: { attempts?: number } = {}) => {
    const q = new InProcessQueue({ attempts: o.attempts ?? 2, backoffMs: 10, concurrency: 2 }, s.log);
    const rt = createJobRuntime(s, { queue: q, engine: async () => engine, webhook: { backoffMs: 20 } });
    runtimes.push(rt);
    return rt;
  };
  const finished = async (rt: JobRuntime, id: string) =>
    waitFor(async () => {
      const j = await rt.jobs.get(id);
      return j && (j.status === 'succeeded' || j.status === 'failed') ? j : null;
    }, 60_000, `job ${id} to finish`);

  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  beforeAll(async () => {
    hook = await webhookReceiver();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-pipeline-'));
    const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDINGS: 'none', WEBHOOK_URL: hook.url });
    s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: null, embedCacheDir: null });
  });
  afterAll(async () => {
    for (const rt of runtimes) await Promise.race([rt.close(), new Promise((r) => setTimeout(r, 500))]);
    await s?.close();
    await hook?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns a chunk that fails every retry into a gap, and failed diarization into Unknown speaker', async () => {
    const engine = fakeEngine({ failFirstChunk: true });
    const rt = runtime(engine);
    await rt.start();
    const job = await submitMedia(s, rt, {
      source: { file: JFK_WAV },
      meta: meta('jfk-gap'),
      sha256: await sha256File(JFK_WAV),
      // sherpa has no model files here: its load fails, the transcript does not.
      settings: { chunkS: 3, overlapS: 0.5, diarization: 'sherpa' },
    });
    const done = await finished(rt, job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ failedChunks: 1, diarization: 'failed', speakers: [UNKNOWN_SPEAKER] });
    const asr = (await rt.pipeline.stages.list(job.id)).filter((r) => r.stage === 'asr');
    expect(asr.length).toBeGreaterThanOrEqual(3);
    const failed = asr.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 2, error: 'decoder crashed' });
    const segs = await s.archive.segments('jfk-gap');
    expect(segs.some((c) => c.text === GAP_TEXT && c.speaker === UNKNOWN_SPEAKER)).toBe(true);
    expect(segs.filter((c) => c.text !== GAP_TEXT).length).toBeGreaterThan(0);
    expect((await s.archive.get('jfk-gap'))?.status).toBe('ready');
    // One dead letter: the chunk.
    expect((await rt.queue.deadLetters()).map((d) => d.name)).toEqual(['media.asr']);
    // The job row reads 'succeeded' a moment before its webhook goes out.
    await waitFor(() => hook.bodies.some((b) => (b as { job: string }).job === job.id), 5000, 'the webhook');
    await rt.webhooks.drain();
    expect(hook.bodies.filter((b) => (b as { job: string }).job === job.id)).toEqual([expect.objectContaining({ status: 'succeeded', recording_id: 'jfk-gap' })]);
  });

  it('fails the job for a file that is not media, without retrying, and tells the webhook (retrying its delivery)', async () => {
    const rt = runtime(fakeEngine());
    await rt.start();
    const bad = path.join(dataDir, 'not-audio.wav');
    fs.writeFileSync(bad, 'this is not a wave file\n'.repeat(50));
    // The first delivery gets a 500: the webhook is retried.
    hook.statuses.push(500);
    const job = await submitMedia(s, rt, { source: { file: bad }, meta: meta('not-audio'), sha256: await sha256File(bad) });
    const done = await finished(rt, job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^decode: .*not-audio\.wav/);
    const decode = (await rt.pipeline.stages.list(job.id)).find((r) => r.stage === 'decode')!;
    expect(decode).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await s.archive.get('not-audio'))?.status).toBe('failed');
    // The first delivery was answered 500, the second 200.
    await waitFor(() => hook.bodies.filter((b) => (b as { job: string }).job === job.id).length >= 2, 5000, 'the webhook retried');
    await rt.webhooks.drain();
    expect(hook.bodies.filter((b) => (b as { job: string }).job === job.id)).toEqual([
      expect.objectContaining({ job: job.id, recording_id: 'not-audio', status: 'failed', error: done.error }),
      expect.objectContaining({ job: job.id, recording_id: 'not-audio', status: 'failed', error: done.error }),
    ]);
  });

  it('resumes a job whose process died mid-ASR: finished stages are not redone, the transcript is the same', async () => {
    const refFile = sameAudioOtherFile(JFK_WAV, 'jfk-ref');
    const sha = await sha256File(refFile);
    const settings = { chunkS: 3, overlapS: 0.5, diarization: 'none' as const };
    // Reference: the same job run without interruption.
    const ref = runtime(fakeEngine());
    await ref.start();
    const refJob = await submitMedia(s, ref, { source: { file: refFile }, meta: meta('jfk-ref'), sha256: sha, settings });
    expect((await finished(ref, refJob.id)).status).toBe('succeeded');

    // A process whose engine hangs after two chunks: it "dies" with stages done, running and pending.
    const dying = runtime(fakeEngine({ hangAfter: 2 }));
    await dying.start();
    const copy = sameAudioOtherFile(JFK_WAV, 'jfk-resumed');
    const job = await submitMedia(s, dying, { source: { file: copy }, meta: meta('jfk-resumed'), sha256: await sha256File(copy), settings });
    // Two chunks done and the next one started (and hung): on busy cores that start can come well after them.
    await waitFor(async () => {
      const rows = await dying.pipeline.stages.list(job.id);
      return rows.filter((r) => r.stage === 'asr' && r.status === 'done').length === 2 && rows.some((r) => r.status === 'running');
    }, 30_000, 'two chunks done and a third running');
    await new Promise((r) => setTimeout(r, 100));
    const before = await dying.pipeline.stages.list(job.id);
    const doneBefore = before.filter((r) => r.status === 'done');
    expect(doneBefore.map((r) => `${r.stage}.${r.part}`)).toEqual(expect.arrayContaining(['decode.0', 'chunk.0']));
    // Chunks are transcribed concurrently: which two finished first is not fixed (asr.0 and asr.2, say).
    expect(doneBefore.filter((r) => r.stage === 'asr')).toHaveLength(2);
    expect(before.some((r) => r.status === 'running')).toBe(true);
    expect((await s.archive.get('jfk-resumed'))?.status).toBe('processing');

    // A new process over the same database: resume finds the job in Postgres.
    const next = runtime(fakeEngine());
    await next.start();
    const done = await finished(next, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    const after = await next.pipeline.stages.list(job.id);
    for (const r of doneBefore) {
      expect(after.find((a) => a.stage === r.stage && a.part === r.part)).toMatchObject({ status: 'done', attempts: 1, finishedAt: r.finishedAt });
    }
    // The stages that were running when it died ran again.
    for (const r of before.filter((x) => x.status === 'running')) expect(after.find((a) => a.stage === r.stage && a.part === r.part)!.attempts).toBe(2);
    const strip = (cs: { start: number; end: number; text: string; speaker?: string }[]) => cs.map(({ start, end, text, speaker }) => ({ start, end, text, speaker }));
    const resumed = await s.archive.segments('jfk-resumed');
    expect(resumed.length).toBeGreaterThan(0);
    expect(strip(resumed)).toEqual(strip(await s.archive.segments('jfk-ref')));
  });
});
