/**
 * Backup and restore of the embedded archive, in process: a backup taken over HTTP while a third recording is
 * being ingested restores into an empty DATA_DIR with the counts its manifest names, the same media bytes,
 * and the same answers to the same searches (BM25, vector, hybrid). With real processes: backup-served.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBackup, restoreBackup } from '../../src/archive/backup.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { openServices, type Services } from '../../src/main/services.js';
import { searchMoments } from '../../src/retrieval/search.js';
import { HashEmbedder } from '../faults/helpers.js';
import { devTranscript, startTestServer, type TestServer } from '../helpers/server.js';

const QUERIES = ['remote control buttons', 'project budget', 'design of the casing'];
const MEDIA = 'media/ES2005a/original.wav';
// Longer than a tar header's 100-byte name field.
const THUMB = `frames/ES2005a/${'keyframe-'.repeat(12)}0001.jpg`;

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sa-${name}-`));
const meta = (id: string, recordedAt: string) => ({ id, title: id, recordedAt, collection: 'qmsum', language: 'en', source: `${id}.vtt` });

/**
 * POSTs for the backup on a connection of its own, streamed to `file`: a kept-alive connection the server is
 * closing as the request goes out would fail it for reasons of no interest here.
 */
const download = (url: string, key: string, file: string) =>
  new Promise<{ status: number | undefined; type: string | undefined }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${key}` } }, (res) => {
      pipeline(res, fs.createWriteStream(file)).then(() => resolve({ status: res.statusCode, type: res.headers['content-type'] }), reject);
    });
    req.on('error', reject);
    req.end();
  });

/** What the searches return, without timings. */
async function answers(s: Services) {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
      const r = await searchMoments(s, { q, mode, limit: 10, filters: {} });
      out.push({ q, mode, results: r.results });
    }
  }
  return out;
}

describe('backup over HTTP while the archive is written, restore into an empty DATA_DIR', () => {
  const embedder = new HashEmbedder();
  let t: TestServer;
  const dirs: string[] = [];
  const media = randomBytes(300_000);
  const thumb = randomBytes(5_000);

  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off' }, { embedder, cache: 'off' });
    for (const [id, d] of [['ES2005a', '1992-01-11'], ['ES2005b', '1992-01-12']] as const)
      await ingestTranscript(t.services, { meta: meta(id, d), fileName: `${id}.vtt`, content: devTranscript(id) });
    await t.services.blobs.put(MEDIA, media);
    await t.services.blobs.put(THUMB, thumb);
  });
  afterAll(async () => {
    await t?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('needs an admin key', async () => {
    const res = await fetch(`${t.url}/v1/admin/backup`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
    const archivist = (await t.services.keys.create('digitisation', 'archivist')).key;
    const res2 = await fetch(`${t.url}/v1/admin/backup`, { method: 'POST', headers: { authorization: `Bearer ${archivist}` } });
    expect(res2.status).toBe(403);
    const doc = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(Object.keys(doc.paths['/v1/admin/backup'].post.responses['200'].content)).toEqual(['application/x-tar']);
  });

  it('restores what was searchable, with its media, and a recording ingested during the backup whole or not at all', async () => {
    const before = await answers(t.services);
    expect((before as { results: unknown[] }[]).every((a) => a.results.length > 0)).toBe(true);
    const key = (await t.services.keys.create('backups', 'admin')).key;
    const dir = tmp('backup');
    dirs.push(dir);
    const file = path.join(dir, 'archive.tar');

    const [res] = await Promise.all([
      download(`${t.url}/v1/admin/backup`, key, file),
      ingestTranscript(t.services, { meta: meta('ES2005c', '1992-01-13'), fileName: 'ES2005c.vtt', content: devTranscript('ES2005c') }),
    ]);
    expect(res).toEqual({ status: 200, type: 'application/x-tar' });

    // A plain tar, which tar itself lists, long names included.
    const listed = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')).toEqual(expect.arrayContaining(['manifest.json', 'database.tar', `blobs/${MEDIA}`, `blobs/${THUMB}`]));
    const { manifest } = await readBackup(file);
    expect(manifest).toMatchObject({ format: 'speech-archive-backup', version: 1, media: 'included', counts: { media_files: 2, media_bytes: media.length + thumb.length } });

    const target = tmp('restored');
    dirs.push(target);
    const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: target, SAMPLE_ARCHIVE: 'off' });
    const out = await restoreBackup(cfg, file);
    expect(out.counts).toEqual({ recordings: manifest.counts.recordings, moments: manifest.counts.moments, media_files: 2 });
    expect(fs.existsSync(path.join(target, 'pg', 'owner.lock'))).toBe(false);

    const r = await openServices(cfg, { logger: createLogger('silent'), embedder, embedCacheDir: null, cache: 'off' });
    try {
      const third = await r.archive.get('ES2005c');
      if (third) {
        expect(third.status).toBe('ready');
        expect(await r.archive.moments('ES2005c')).toEqual(await t.services.archive.moments('ES2005c'));
      } else {
        expect(manifest.counts.recordings).toBe(2);
        await t.services.archive.delete('ES2005c');
        await t.services.lexical.deleteRecording('ES2005c');
        await t.services.vectors!.deleteRecording('ES2005c');
        expect(await answers(r)).toEqual(before);
      }
      expect(await answers(r)).toEqual(await answers(t.services));
      const read = async (k: string) => Buffer.concat(await (await r.blobs.get(k)).toArray());
      expect((await read(MEDIA)).equals(media)).toBe(true);
      expect((await read(THUMB)).equals(thumb)).toBe(true);
    } finally {
      await r.close();
    }

    // Not over an archive, unless told to.
    await expect(restoreBackup(cfg, file)).rejects.toMatchObject({ code: 'conflict' });
    await expect(restoreBackup(cfg, file, { force: true })).resolves.toMatchObject({ counts: out.counts });
  });

  it('refuses a file that is not a backup, touching nothing', async () => {
    const dir = tmp('notabackup');
    dirs.push(dir);
    const file = path.join(dir, 'x.tar');
    fs.writeFileSync(file, randomBytes(4096));
    const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'data'), SAMPLE_ARCHIVE: 'off' });
    await expect(restoreBackup(cfg, file)).rejects.toMatchObject({ code: 'bad_request' });
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });
});
