/**
 * What a backup file guarantees, whatever writes its tar: GNU tar lists and extracts it byte for byte (long
 * and non-ASCII blob keys included); the same entries re-packed by GNU tar, in its gnu or pax format, restore;
 * and a file that is cut off anywhere, or is no tar, or no backup, is refused as bad_request with DATA_DIR
 * left exactly as it was (an archive kept, an absent DATA_DIR still absent).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBackup, restoreBackup, writeBackup, writeBackupFile } from '../../src/archive/backup.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { openServices, type Services } from '../../src/main/services.js';
import { HashEmbedder } from '../faults/helpers.js';
import { devTranscript } from '../helpers/server.js';
import { migratedTemplate } from '../helpers/db.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-backup-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const BLOBS: Record<string, Buffer> = {
  'media/ES2005a/original.wav': randomBytes(70_001),
  'media/ES2005a/empty.txt': Buffer.alloc(0),
  'media/ES2005a/exact.bin': randomBytes(512),
  // Longer than a tar header's 100-byte name field, and not ASCII.
  [`frames/ES2005a/${'ü-keyframe-'.repeat(10)}0001.jpg`]: randomBytes(5_000),
};

const config = (dataDir: string) => loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, SAMPLE_ARCHIVE: 'off' });
const tar = (...args: string[]) => {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

/** Every file under a folder with its size and mtime: what "left as it was" means. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    const st = fs.statSync(path.join(root, rel));
    out[rel] = st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`;
  }
  return out;
}

describe('a backup file', () => {
  const data = path.join(dir, 'data');
  const file = path.join(dir, 'archive.tar');
  const extracted = path.join(dir, 'extracted');
  const names = ['manifest.json', 'database.tar', ...Object.keys(BLOBS).sort().map((k) => `blobs/${k}`)];

  beforeAll(async () => {
    const s = await openServices(config(data), { logger: createLogger('silent'), embedder: new HashEmbedder(), embedCacheDir: null, cache: 'off' });
    try {
      await ingestTranscript(s, {
        meta: { id: 'ES2005a', title: 'ES2005a', recordedAt: '1992-01-11', collection: 'qmsum', language: 'en', source: 'ES2005a.vtt' },
        fileName: 'ES2005a.vtt',
        content: devTranscript('ES2005a'),
      });
      for (const [key, body] of Object.entries(BLOBS)) await s.blobs.put(key, body);
      await writeBackupFile(s, file);
    } finally {
      await s.close();
    }
    fs.mkdirSync(extracted);
    tar('-xf', file, '-C', extracted);
  });

  it('is a plain tar that GNU tar lists and extracts byte for byte', async () => {
    expect(tar('-tf', file).trim().split('\n')).toEqual(names);
    for (const [key, body] of Object.entries(BLOBS)) expect(fs.readFileSync(path.join(extracted, 'blobs', key)).equals(body), key).toBe(true);
    const { manifest } = await readBackup(file);
    expect(JSON.parse(fs.readFileSync(path.join(extracted, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(manifest.counts).toMatchObject({ recordings: 1, media_files: Object.keys(BLOBS).length });
    // The database is PGlite's own data directory dump, a tar in the tar.
    expect(tar('-tf', path.join(extracted, 'database.tar')).split('\n')).toContain('/PG_VERSION');
  });

  it('restores when GNU tar has re-packed it, in its gnu and pax formats', async () => {
    for (const format of ['gnu', 'pax']) {
      const repacked = path.join(dir, `${format}.tar`);
      tar(`--format=${format}`, '-cf', repacked, '-C', extracted, ...names);
      const { entries } = await readBackup(repacked);
      expect(entries.map((e) => e.name)).toEqual(names);
    }
    const target = path.join(dir, 'from-gnu');
    const r = await restoreBackup(config(target), path.join(dir, 'gnu.tar'));
    expect(r.counts).toMatchObject({ recordings: 1, media_files: Object.keys(BLOBS).length });
    for (const [key, body] of Object.entries(BLOBS)) expect(fs.readFileSync(path.join(target, 'blobs', key)).equals(body), key).toBe(true);
  });

  it('is refused when cut off, not a tar, or not a backup, leaving DATA_DIR as it was', async () => {
    // Where each entry's header is, as GNU tar counts them (512-byte blocks).
    const blocks = tar('-tRf', file)
      .trim()
      .split('\n')
      .map((line) => Number(/^block (\d+):/.exec(line)![1]));
    const whole = fs.readFileSync(file);
    const lastEnd = whole.length - 1024; // what follows the last entry: the two end-of-archive blocks
    const cuts: Record<string, Buffer> = {
      'inside the manifest': whole.subarray(0, 300),
      'inside the database': whole.subarray(0, blocks[1] * 512 + 512 + 1000),
      'right after the database': whole.subarray(0, blocks[2] * 512),
      'inside a blob': whole.subarray(0, blocks[3] * 512 + 512 + 100),
      'before the end-of-archive blocks': whole.subarray(0, lastEnd),
      'inside the end-of-archive blocks': whole.subarray(0, lastEnd + 512),
      'not a tar': randomBytes(4096),
      'a tar of something else': spawnSync('tar', ['-cf', '-', '-C', data, 'blobs']).stdout,
    };

    const before = snapshot(data);
    const absent = path.join(dir, 'absent');
    for (const [what, bytes] of Object.entries(cuts)) {
      const bad = path.join(dir, 'bad.tar');
      fs.writeFileSync(bad, bytes);
      await expect(restoreBackup(config(data), bad, { force: true }), what).rejects.toMatchObject({ code: 'bad_request' });
      expect(snapshot(data), what).toEqual(before);
      await expect(restoreBackup(config(absent), bad), what).rejects.toMatchObject({ code: 'bad_request' });
      expect(fs.existsSync(absent), what).toBe(false);
    }
  });
});

describe('writing a backup', () => {
  let s: Services;
  beforeAll(async () => {
    s = await openServices(config(path.join(dir, 'writing')), { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: new HashEmbedder(), embedCacheDir: null, cache: 'off' });
    await s.blobs.put('media/big.wav', randomBytes(8 << 20));
  });
  afterAll(() => s?.close());

  it('fails, rather than hangs, when its reader goes away or its disk fills', async () => {
    const gone = new PassThrough();
    gone.once('data', () => gone.destroy());
    await expect(writeBackup(s, gone)).rejects.toThrow();

    let room = 3 << 20;
    const full = new Writable({
      write(chunk: Buffer, _enc, cb) {
        room -= chunk.length;
        cb(room < 0 ? Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }) : null);
      },
    });
    await expect(writeBackup(s, full)).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});
