import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../src/ingest/audio/decode.js';
import { ingestManifest } from '../../src/ingest/bulk.js';
import { parseManifest } from '../../src/ingest/manifest.js';
import { ingestMediaWithProgress } from '../../src/ingest/pipeline/cli.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { countFfmpegDecodes, JFK_WAV, lyingFlac, speak, type Spoken } from '../audio/helpers.js';
import { startLoopbackS3, type LoopbackS3 } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { migratedTemplate } from '../helpers/db.js';

const AUDIO = path.resolve(__dirname, '../../../shared/audio');
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const VTT = 'WEBVTT\n\n00:00.000 --> 00:11.000\n<v Kennedy>And so my fellow Americans, ask not what your country can do for you.\n';

function writeManifest(dir: string, rows: object[]): string {
  const file = path.join(dir, 'manifest.jsonl');
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('manifest `media` column (filesystem storage)', () => {
  let s: Services;
  let dir: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-manifest-'));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-data-'));
    fs.mkdirSync(path.join(dir, 'audio'));
    fs.copyFileSync(path.join(AUDIO, 'jfk.wav'), path.join(dir, 'audio', 'jfk.wav'));
    fs.copyFileSync(path.join(AUDIO, 'jfk.mp3'), path.join(dir, 'audio', 'jfk.mp3'));
    fs.writeFileSync(path.join(dir, 'audio', 'fake.wav'), 'not audio\n'.repeat(100));
    fs.writeFileSync(path.join(dir, 'jfk.vtt'), VTT);
    const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off' });
    s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedCacheDir: null });
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('parses media paths (confined to the manifest folder) and s3:// keys; a row needs a transcript or media', () => {
    const { rows, problems } = parseManifest(
      [
        { id: 'a', media: 'audio/a.wav' },
        { id: 'b', media: 's3://my-bucket/in/b.wav' },
        { id: 'c', media: '../outside.wav' },
        { id: 'd', media: 's3://x' },
        { id: 'e', title: 'nothing' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
      'm.jsonl',
      '/data/set',
    );
    expect(rows.map((r) => [r.meta.id, r.mediaPath])).toEqual([
      ['a', '/data/set/audio/a.wav'],
      ['b', 's3://my-bucket/in/b.wav'],
    ]);
    expect(problems.map((p) => [p.line, p.error])).toEqual([
      [3, expect.stringMatching(/leaves the manifest's folder/)],
      [4, expect.stringMatching(/s3:\/\/bucket\/key/)],
      [5, expect.stringMatching(/transcript \(or media\)/)],
    ]);
  });

  it('stores each media file once, transcribes media-only rows, indexes given transcripts, and reports bad rows', async () => {
    const manifest = writeManifest(dir, [
      { id: 'jfk', title: 'Inaugural address', recorded_at: '1961-01-20', media: 'audio/jfk.wav' },
      { id: 'jfk-vtt', title: 'With a transcript', transcript: 'jfk.vtt', media: 'audio/jfk.mp3' },
      { id: 'missing', media: 'audio/nope.wav' },
      { id: 'fake', media: 'audio/fake.wav' },
      { id: 'remote', media: 's3://some-bucket/jfk.wav' },
    ]);
    const summary = await ingestManifest(s, manifest);
    expect(summary.failures.map((f) => [f.id, f.error])).toEqual([
      ['missing', expect.stringMatching(/cannot read media audio\/nope\.wav: ENOENT/)],
      ['fake', expect.stringMatching(/^fake\.wav: not (a media|an audio)/)],
      ['remote', expect.stringMatching(/needs STORAGE=s3/)],
    ]);
    expect(summary).toMatchObject({ total: 5, ingested: 2, failed: 3 });

    const jfk = (await s.archive.get('jfk'))!;
    expect(jfk).toMatchObject({ status: 'ready', checksum: sha(path.join(AUDIO, 'jfk.wav')), source: `media/${sha(path.join(AUDIO, 'jfk.wav'))}.wav` });
    expect(jfk.momentCount).toBeGreaterThan(0);
    const withVtt = (await s.archive.get('jfk-vtt'))!;
    expect(withVtt).toMatchObject({ status: 'ready', checksum: sha(path.join(AUDIO, 'jfk.mp3')), source: `media/${sha(path.join(AUDIO, 'jfk.mp3'))}.mp3` });
    expect((await s.archive.segments('jfk-vtt'))[0]).toMatchObject({ speaker: 'Kennedy' });
    const stored = fs.readdirSync(path.join(dataDir, 'blobs', 'media')).sort();
    expect(stored).toEqual([`${sha(path.join(AUDIO, 'jfk.mp3'))}.mp3`, `${sha(path.join(AUDIO, 'jfk.wav'))}.wav`].sort());
    expect(fs.readFileSync(path.join(dataDir, 'blobs', 'media', `${sha(path.join(AUDIO, 'jfk.wav'))}.wav`))).toEqual(fs.readFileSync(path.join(AUDIO, 'jfk.wav')));

    // Running it again changes nothing.
    const again = await ingestManifest(s, manifest);
    expect(again).toMatchObject({ ingested: 0, unchanged: 2, failed: 3 });
  }, 120_000);
});

describe('manifest `media` column with s3:// keys (STORAGE=s3, s3rver on loopback)', () => {
  let s3: LoopbackS3;
  let s: Services;
  let dir: string;

  beforeAll(async () => {
    s3 = await startLoopbackS3();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-manifest-'));
    fs.writeFileSync(path.join(dir, 'jfk.vtt'), VTT);
    const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dir, EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', ...s3.env });
    s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedCacheDir: null, blobs: s3.store() });
    await s.blobs.put('incoming/jfk.wav', fs.readFileSync(path.join(AUDIO, 'jfk.wav')));
  });
  afterAll(async () => {
    await s?.close();
    await s3?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies an object of the bucket to its media key; other buckets and missing objects are row errors', async () => {
    const manifest = writeManifest(dir, [
      { id: 'jfk-s3', transcript: 'jfk.vtt', media: `s3://${s3.bucket}/incoming/jfk.wav` },
      { id: 'elsewhere', transcript: 'jfk.vtt', media: 's3://another-bucket/incoming/jfk.wav' },
      { id: 'gone', transcript: 'jfk.vtt', media: `s3://${s3.bucket}/incoming/gone.wav` },
    ]);
    const summary = await ingestManifest(s, manifest);
    expect(summary.failures.map((f) => [f.id, f.error])).toEqual([
      ['elsewhere', expect.stringMatching(/bucket "another-bucket" but S3_BUCKET is/)],
      ['gone', expect.stringMatching(/no such object/)],
    ]);
    const key = `media/${sha(path.join(AUDIO, 'jfk.wav'))}.wav`;
    expect(await s.archive.get('jfk-s3')).toMatchObject({ status: 'ready', source: key });
    expect(await s.blobs.stat(key)).toMatchObject({ size: fs.statSync(path.join(AUDIO, 'jfk.wav')).size });
    expect(await s.blobs.stat('incoming/jfk.wav')).not.toBeNull();
  });
});

/**
 * Every way media comes in (manifest row from the CLI or the API, a CLI file, an upload) runs the same job graph:
 * one decode (ffmpeg counted through a wrapper in FFMPEG_PATH), the file kept in the blob store for playback,
 * one recording per file (sha256).
 */
describe('media rows through the job graph (PGlite, real ffmpeg and pocketsphinx, loopback API)', () => {
  let t: TestServer;
  let work: string;
  let log: string;
  let spoken: Spoken;
  let decodes: () => number;
  const mediaJobs = async (id: string) =>
    t.services.db.query<{ status: string }>("SELECT status FROM jobs WHERE kind = 'ingest-media' AND recording_id = $1 ORDER BY created_at", [id]);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-onepath-'));
    ({ log, decodes } = countFfmpegDecodes(work));
    spoken = speak(['Ask not what your country can do for you.', 'Ask what you can do for your country.'], [0.6], fs.mkdtempSync(path.join(work, 'flite-')));
    fs.copyFileSync(spoken.file, path.join(work, 'talk.wav'));
    // 36 s of media at most: the speech fits, the lying FLAC's 60 s do not.
    t = await startTestServer({ EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', JOB_CONCURRENCY: '1', MAX_MEDIA_HOURS: '0.01' });
  });
  afterEach(() => fs.rmSync(log, { force: true }));
  afterAll(async () => {
    delete process.env.FFMPEG_PATH;
    await t?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a media-only manifest row: one job, one decode, media kept for playback; again: unchanged; uploaded: the same recording', async () => {
    const manifest = writeManifest(work, [{ id: 'talk', title: 'A talk', media: 'talk.wav' }]);
    const rows: string[] = [];
    const summary = await ingestManifest(t.services, manifest, { onEvent: (e) => e.type === 'row' && rows.push(`${e.id} ${e.status}`) });
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({ total: 1, ingested: 1, unchanged: 0, failed: 0 });
    expect(summary.moments).toBeGreaterThan(0);
    expect(rows).toEqual(['talk ingested']);
    expect(await mediaJobs('talk')).toEqual([{ status: 'succeeded' }]);
    expect(decodes()).toBe(1);

    const rec = await (await fetch(`${t.url}/v1/recordings/talk`)).json();
    expect(rec).toMatchObject({ status: 'ready', checksum: sha(spoken.file), media_url: '/v1/recordings/talk/media' });
    const media = await fetch(`${t.url}${rec.media_url}`);
    expect(media.status).toBe(200);
    expect(Buffer.from(await media.arrayBuffer())).toEqual(fs.readFileSync(spoken.file));

    const again = await ingestManifest(t.services, manifest);
    expect(again).toMatchObject({ total: 1, ingested: 0, unchanged: 1, failed: 0 });
    expect(decodes()).toBe(1);

    const f = new FormData();
    f.set('file', new File([new Uint8Array(fs.readFileSync(spoken.file))], 'talk-again.wav', { type: 'audio/wav' }));
    const up = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: f });
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ duplicate: true, recording: { id: 'talk', media_url: '/v1/recordings/talk/media' } });
    expect((await (await fetch(`${t.url}/v1/recordings`)).json()).total).toBe(1);
    expect(decodes()).toBe(1);
  }, 180_000);

  it('a manifest uploaded to the API with a media row: its job follows the media job (one job slot) and reports the row', async () => {
    const bytes = fs.readFileSync(JFK_WAV);
    const form = new FormData();
    form.set('manifest', new File(['{"id":"jfk-api","title":"Inaugural","media":"audio/jfk.wav"}\n{"id":"nothing","media":"audio/gone.wav"}\n'], 'manifest.jsonl'));
    form.append('files', new File([new Uint8Array(bytes)], 'audio/jfk.wav'));
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    let job = (await res.json()).job;
    for (let i = 0; i < 1200 && job.status !== 'succeeded' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await (await fetch(`${t.url}/v1/jobs/${job.id}`)).json();
    }
    expect(job.status, job.error ?? '').toBe('succeeded');
    expect(job.result).toMatchObject({ total: 2, ingested: 1, unchanged: 0, failed: 1, failures: [{ line: 2, id: 'nothing', error: expect.stringMatching(/audio\/gone\.wav/) }] });
    expect(Object.keys(job.result)).not.toEqual(expect.arrayContaining(['pending']));
    expect(Object.keys(job.result)).not.toEqual(expect.arrayContaining(['following']));
    expect(await mediaJobs('jfk-api')).toEqual([{ status: 'succeeded' }]);
    expect(decodes()).toBe(1);
    const rec = await (await fetch(`${t.url}/v1/recordings/jfk-api`)).json();
    expect(rec).toMatchObject({ status: 'ready', checksum: sha(JFK_WAV), media_url: '/v1/recordings/jfk-api/media' });
    expect((await fetch(`${t.url}${rec.media_url}`, { headers: { Range: 'bytes=0-99' } })).status).toBe(206);
  }, 180_000);

  it('a media row whose job fails is reported failed, naming the file as the manifest does; the other rows carry on', async () => {
    // A FLAC whose STREAMINFO says 1 s while its frames hold 60 s: ffprobe passes it, the decode stage stops it.
    fs.renameSync(lyingFlac(work, 60), path.join(work, 'lying.flac'));
    fs.writeFileSync(path.join(work, 'ok.vtt'), VTT);
    const manifest = writeManifest(work, [
      { id: 'lying', media: 'lying.flac' },
      { id: 'ok', transcript: 'ok.vtt' },
    ]);
    const summary = await ingestManifest(t.services, manifest);
    expect(summary).toMatchObject({ total: 2, ingested: 1, failed: 1 });
    expect(summary.failures).toEqual([
      { line: 1, id: 'lying', error: expect.stringMatching(/^media lying\.flac: decode: lying\.flac: media that decodes to more audio than its limit/) },
    ]);
    expect(await mediaJobs('lying')).toEqual([{ status: 'failed' }]);
    expect((await t.services.archive.get('lying'))?.status).toBe('failed');
  }, 120_000);

  it('followed by the CLI, media rows are transcribed JOB_CONCURRENCY recordings at a time (here one)', async () => {
    for (const [name, volume] of [['quiet-a.wav', '0.8'], ['quiet-b.wav', '0.7']]) {
      execFileSync(ffmpegPath(), ['-y', '-v', 'error', '-i', spoken.file, '-af', `volume=${volume}`, path.join(work, name)]);
    }
    const manifest = writeManifest(work, [
      { id: 'quiet-a', media: 'quiet-a.wav' },
      { id: 'quiet-b', media: 'quiet-b.wav' },
    ]);
    expect(await ingestManifest(t.services, manifest)).toMatchObject({ ingested: 2, failed: 0 });
    const jobs = await t.services.db.query<{ created_at: Date; updated_at: Date }>(
      "SELECT created_at, updated_at FROM jobs WHERE kind = 'ingest-media' AND recording_id IN ('quiet-a', 'quiet-b') ORDER BY created_at",
    );
    expect(jobs).toHaveLength(2);
    // The second job was submitted only once the first had ended.
    expect(new Date(jobs[1].created_at).getTime()).toBeGreaterThanOrEqual(new Date(jobs[0].updated_at).getTime());
  }, 120_000);

  it('a CLI media file is stored for playback too', async () => {
    const file = path.join(work, 'cli-talk.wav');
    execFileSync(ffmpegPath(), ['-y', '-v', 'error', '-i', spoken.file, '-af', 'volume=0.9', file]);
    fs.rmSync(log, { force: true });
    const job = await ingestMediaWithProgress(t.services, file, { id: 'cli-talk', title: 'CLI', recordedAt: null, collection: null, language: null, source: 'cli-talk.wav' }, { quiet: true });
    expect(job.status, job.error ?? '').toBe('succeeded');
    const rec = await (await fetch(`${t.url}/v1/recordings/cli-talk`)).json();
    expect(rec).toMatchObject({ status: 'ready', source: `media/${sha(file)}.wav`, media_url: '/v1/recordings/cli-talk/media' });
    expect((await fetch(`${t.url}${rec.media_url}`)).status).toBe(200);
    expect(decodes()).toBe(1);
  }, 120_000);
});
