/**
 * Media is decoded once per job, and never past MAX_MEDIA_HOURS. ffmpeg is counted by putting a wrapper in
 * FFMPEG_PATH that logs every run that decodes to PCM and then runs the real binary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analyseMedia } from '../../src/ingest/audio/transcribe.js';
import { pcmKeyOf } from '../../src/ingest/pipeline/pipeline.js';
import { createJobRuntime, type JobRuntime } from '../../src/ingest/pipeline/runtime.js';
import { sha256File, submitMedia } from '../../src/ingest/pipeline/submit.js';
import { loadConfig } from '../../src/core/config.js';
import { InProcessQueue } from '../../src/platform/queue/inprocess.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { countFfmpegDecodes, failure, JFK_WAV, lyingFlac } from '../audio/helpers.js';
import { waitFor } from './contract.js';
import { fakeEngine, meta } from './helpers.js';
import { migratedTemplate } from '../helpers/db.js';

let s: Services;
let dataDir: string;
const runtimes: JobRuntime[] = [];

let log: string;
let decodes: () => number;

const runtime = () => {
  const q = new InProcessQueue({ attempts: 2, backoffMs: 10, concurrency: 2 }, s.log);
  const rt = createJobRuntime(s, { queue: q, engine: async () => fakeEngine(), webhook: { backoffMs: 20 } });
  runtimes.push(rt);
  return rt;
};
const finished = (rt: JobRuntime, id: string) =>
  waitFor(async () => {
    const j = await rt.jobs.get(id);
    return j && (j.status === 'succeeded' || j.status === 'failed') ? j : null;
  }, 60_000, `job ${id} to finish`);


beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-decode-once-'));
  ({ log, decodes } = countFfmpegDecodes(dataDir));
  // 36 s: jfk.wav (11 s) fits, the lying FLAC's 60 s do not.
  const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDINGS: 'none', MAX_MEDIA_HOURS: '0.01' });
  s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: null, embedCacheDir: null });
});
afterEach(() => fs.rmSync(log, { force: true }));
afterAll(async () => {
  delete process.env.FFMPEG_PATH;
  for (const rt of runtimes) await Promise.race([rt.close(), new Promise((r) => setTimeout(r, 500))]);
  await s?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('media pipeline: one decode per job', () => {
  it('asr chunks and diarization read the PCM the decode stage stored: ffmpeg runs once, and the PCM is removed at the end', async () => {
    const rt = runtime();
    await rt.start();
    const job = await submitMedia(s, rt, {
      source: { file: JFK_WAV },
      meta: meta('jfk-once'),
      sha256: await sha256File(JFK_WAV),
      settings: { chunkS: 3, overlapS: 0.5, diarization: 'basic' },
    });
    const done = await finished(rt, job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ failedChunks: 0, diarization: 'basic' });
    expect((done.result as { chunks: number }).chunks).toBeGreaterThanOrEqual(3);
    expect(decodes()).toBe(1);
    expect(await s.blobs.stat(pcmKeyOf(job.id))).toBeNull();
    expect((await s.archive.get('jfk-once'))?.status).toBe('ready');
  });
});

describe('MAX_MEDIA_HOURS while decoding', () => {
  it('a header that says 1 s over 60 s of audio: decoding stops at the limit and the job fails at once, naming it', async () => {
    const file = lyingFlac(dataDir, 60);
    const rt = runtime();
    await rt.start();
    const job = await submitMedia(s, rt, { source: { file }, meta: meta('lying'), sha256: await sha256File(file) });
    const done = await finished(rt, job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^decode: lying-60\.flac: media that decodes to more audio than its limit, over the 36 s limit \(MAX_MEDIA_HOURS\)/);
    const decode = (await rt.pipeline.stages.list(job.id)).find((r) => r.stage === 'decode')!;
    expect(decode).toMatchObject({ status: 'failed', attempts: 1 });
    // ffmpeg was told to stop just past the limit rather than decode the whole file.
    expect(fs.readFileSync(log, 'utf8')).toMatch(/-t 37\.000/);
    expect(await s.blobs.stat(pcmKeyOf(job.id))).toBeNull();
    expect((await s.archive.get('lying'))?.status).toBe('failed');
  });

  it('a header over the limit is refused before anything is decoded', async () => {
    const err = await failure(analyseMedia(JFK_WAV, { maxS: 5 }));
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413, details: { reason: 'too_long' } });
    expect(err.message).toMatch(/^jfk\.wav: 11(\.\d)? s of media, over the 5 s limit \(MAX_MEDIA_HOURS\)$/);
    expect(decodes()).toBe(0);
  });
});
