/**
 * A worker process (`src/main/worker.ts`, BullMQ on the local Redis, the local Postgres) is SIGKILLed in the middle
 * of a media ingest, after some ASR chunks are done. A new worker finishes the job: stages done before the
 * kill are not redone, the ones that were running run again (BullMQ's stalled check hands them over), and the
 * recording ends up with exactly the segments of an uninterrupted run: none lost, none doubled. The second
 * worker then stops gracefully on SIGTERM.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRuntime, type JobRuntime } from '../../src/ingest/pipeline/runtime.js';
import { sha256File, submitMedia } from '../../src/ingest/pipeline/submit.js';
import { loadConfig } from '../../src/core/config.js';
import { BullMqQueue } from '../../src/platform/queue/bullmq.js';
import type { Job } from '../../src/archive/jobs.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { JFK_WAV, sameAudioOtherFile } from '../audio/helpers.js';
import { createScratchDatabase } from '../helpers/postgres.js';
import { waitFor } from './contract.js';
import { meta } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Short chunks: enough of them (≥ 5) to kill mid-way, on little audio, so the test stays cheap.
const SETTINGS = { chunkS: 4, overlapS: 1, diarization: 'basic' as const };

interface Worker {
  proc: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('a worker killed mid-job', () => {
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let s: Services;
  let rt: JobRuntime;
  let queue: BullMqQueue;
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  const workers: Worker[] = [];

  const startWorker = (): Worker => {
    // node --import tsx (what `npx tsx` does) so the pid is the worker's own and SIGKILL reaches it.
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main/worker.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    const w = { proc, log: () => log, exited };
    workers.push(w);
    return w;
  };

  const job = (id: string) => rt.jobs.get(id) as Promise<Job>;
  const rows = (id: string) => rt.pipeline.stages.list(id);
  const finished = (id: string, timeoutMs: number) =>
    waitFor(async () => {
      const j = await job(id);
      return j.status === 'succeeded' || j.status === 'failed' ? j : null;
    }, timeoutMs, `job ${id} to finish`);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-kill-'));
    // 22 s of speech: jfk.wav twice.
    file = path.join(dir, 'jfk-x2.wav');
    execFileSync('sox', [JFK_WAV, file, 'repeat', '1']);
    db = await createScratchDatabase();
    env = {
      JOB_QUEUE: 'bullmq',
      REDIS_URL,
      JOB_QUEUE_PREFIX: `sa-kill-${randomBytes(4).toString('hex')}`,
      DATABASE_URL: db.url,
      // The worker's stages are what is killed here, not vectors (and the local Postgres may have no pgvector).
      EMBEDDINGS: 'none',
      DATA_DIR: dir,
      LOG_LEVEL: 'info',
      JOB_CONCURRENCY: '2',
      // A dead worker's lock expires after 3 s; stalled checks run every 3 s.
      JOB_LOCK_MS: '3000',
      JOB_SWEEP_MS: '5000',
    };
    const cfg = loadConfig({ ...env, LOG_LEVEL: 'silent' });
    s = await openServices(cfg, { logger: createLogger('silent'), embedder: null, cache: 'off' });
    queue = new BullMqQueue({ attempts: 3, backoffMs: 500, concurrency: 1, url: REDIS_URL, prefix: env.JOB_QUEUE_PREFIX, log: s.log });
    // This process only enqueues, like the API with JOB_QUEUE=bullmq.
    rt = createJobRuntime(s, { queue, consume: false });
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await rt?.close();
    await queue?.obliterate();
    await s?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes on a new worker with no lost, no duplicated segments, and no completed stage redone', async () => {
    const sha = await sha256File(file);
    const w1 = startWorker();
    const killed = await submitMedia(s, rt, { source: { file }, meta: meta('long-killed'), sha256: sha, settings: SETTINGS });

    // Kill as soon as one ASR chunk is done (and not all of them are) while a stage is running: between one chunk's
    // end and the next one's start no stage is, and a kill there would be no kill mid-stage.
    const snapshot = await waitFor(
      async () => {
        const rs = await rows(killed.id);
        const asr = rs.filter((r) => r.stage === 'asr');
        return asr.some((r) => r.status === 'done') && rs.some((r) => r.status === 'running') ? rs : null;
      },
      120_000,
      'a first ASR chunk',
    );
    w1.proc.kill('SIGKILL');
    expect((await w1.exited).signal).toBe('SIGKILL');
    const before = await rows(killed.id);
    const asrBefore = before.filter((r) => r.stage === 'asr');
    expect(asrBefore.length).toBeGreaterThanOrEqual(5);
    expect(asrBefore.filter((r) => r.status === 'done').length).toBeLessThan(asrBefore.length);
    expect(snapshot.length).toBe(before.length);
    const doneBefore = before.filter((r) => r.status === 'done');
    const runningBefore = before.filter((r) => r.status === 'running');
    expect(doneBefore.map((r) => r.stage)).toEqual(expect.arrayContaining(['decode', 'chunk', 'asr']));
    expect(runningBefore.length).toBeGreaterThan(0);
    expect((await job(killed.id)).status).toBe('running');

    // A new worker: its resume finds the job in Postgres; BullMQ's stalled check returns the killed worker's
    // active jobs to the queue once their locks expire.
    const w2 = startWorker();
    const done = await finished(killed.id, 240_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(w2.log()).toMatch(/stalled/);

    const after = await rows(killed.id);
    for (const r of doneBefore) {
      expect(after.find((a) => a.stage === r.stage && a.part === r.part)).toMatchObject({ status: 'done', attempts: 1, finishedAt: r.finishedAt });
    }
    for (const r of runningBefore) {
      const a = after.find((x) => x.stage === r.stage && x.part === r.part)!;
      expect(a.status).toBe('done');
      expect(a.attempts).toBeGreaterThanOrEqual(2);
    }
    expect(after.every((r) => r.status === 'done')).toBe(true);

    // The same file, uninterrupted, on the same worker.
    const refFile = sameAudioOtherFile(file, 'long-ref');
    const ref = await submitMedia(s, rt, { source: { file: refFile }, meta: meta('long-ref'), sha256: await sha256File(refFile), settings: SETTINGS });
    expect((await finished(ref.id, 240_000)).status).toBe('succeeded');
    expect((await rows(ref.id)).every((r) => r.attempts === 1)).toBe(true);

    const strip = (cs: { start: number; end: number; text: string; speaker?: string }[]) => cs.map(({ start, end, text, speaker }) => ({ start, end, text, speaker }));
    const got = strip(await s.archive.segments('long-killed'));
    const want = strip(await s.archive.segments('long-ref'));
    expect(want.length).toBeGreaterThan(4);
    expect(got).toEqual(want);
    const words = (await s.archive.segments('long-killed')).flatMap((c) => c.words ?? []);
    expect(new Set(words.map((w) => `${w.start}:${w.text}`)).size).toBe(words.length);
    expect(await s.archive.get('long-killed')).toMatchObject({ status: 'ready' });
    const r = done.result as { failedChunks: number; timings: { rtf: number; secondsPerStage: Record<string, number> } };
    expect(r.failedChunks).toBe(0);
    expect(r.timings.rtf).toBeGreaterThan(0);
    expect(r.timings.secondsPerStage.asr).toBeGreaterThan(0);

    // Graceful stop.
    w2.proc.kill('SIGTERM');
    expect(await w2.exited).toEqual({ code: 0, signal: null });
    expect(w2.log()).toMatch(/shutting down/);
  }, 600_000);
});
