import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestManifest } from '../../ingest/bulk.js';
import { parseManifest } from '../../ingest/manifest.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openServices, type Services } from '../../src/services.js';
import { startLoopbackS3, type LoopbackS3 } from '../helpers/s3.js';

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
    s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, embedCacheDir: null });
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
    s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, embedCacheDir: null, blobs: s3.store() });
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
