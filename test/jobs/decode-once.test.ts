/**
 * Media is decoded once per job, and never past MAX_MEDIA_HOURS. ffmpeg is counted by putting a wrapper in
 * FFMPEG_PATH that logs every run that decodes to PCM and then runs the real binary.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../ingest/audio/decode.js';
import { analyseMedia } from '../../ingest/audio/transcribe.js';
import { pcmKeyOf } from '../../ingest/pipeline/pipeline.js';
import { createJobRuntime, type JobRuntime } from '../../ingest/pipeline/runtime.js';
import { sha256File, submitMedia } from '../../ingest/pipeline/submit.js';
import { loadConfig } from '../../src/config.js';
import { InProcessQueue } from '../../src/jobs/inprocess.js';
import { createLogger } from '../../src/log.js';
import { openServices, type Services } from '../../src/services.js';
import { failure, JFK_WAV } from '../audio/helpers.js';
import { waitFor } from './contract.js';
import { fakeEngine, meta } from './helpers.js';

let s: Services;
let dataDir: string;
let log: string;
const realFfmpeg = ffmpegPath();
const runtimes: JobRuntime[] = [];

const decodes = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('pipe:1')).length : 0);

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

/** A FLAC whose STREAMINFO says it holds 1 s while its frames hold `seconds`: ffprobe believes the header. */
function lyingFlac(seconds: number): string {
  const file = path.join(dataDir, `lying-${seconds}.flac`);
  execFileSync(realFfmpeg, ['-y', '-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=16000`, '-c:a', 'flac', file]);
  const b = fs.readFileSync(file);
  // STREAMINFO's 36-bit total sample count is the low bits of the 8 bytes at offset 18.
  const v = b.readBigUInt64BE(18);
  b.writeBigUInt64BE((v & ~((1n << 36n) - 1n)) | 16_000n, 18);
  fs.writeFileSync(file, b);
  return file;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-decode-once-'));
  log = path.join(dataDir, 'ffmpeg.log');
  const wrapper = path.join(dataDir, 'ffmpeg');
  fs.writeFileSync(wrapper, `#!/bin/sh\necho "$@" >> '${log}'\nexec '${realFfmpeg}' "$@"\n`, { mode: 0o755 });
  process.env.FFMPEG_PATH = wrapper;
  // 36 s: jfk.wav (11 s) fits, the lying FLAC's 60 s do not.
  const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDINGS: 'none', MAX_MEDIA_HOURS: '0.01' });
  s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, embedder: null, embedCacheDir: null });
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
    const file = lyingFlac(60);
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
