import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { BlobStore } from '../../src/platform/storage/port.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

/** A stream of `total` pseudo-random bytes in 64 KiB chunks, made on demand (never one buffer). */
function generated(total: number, seed = 1): { stream: Readable; sha256: string } {
  const h = createHash('sha256');
  const chunk = (i: number) => {
    const b = Buffer.alloc(Math.min(65536, total - i * 65536));
    for (let j = 0; j < b.length; j += 4) b.writeUInt32LE(((i + 1) * 2654435761 + j * seed) >>> 0, j - (j + 4 > b.length ? j + 4 - b.length : 0));
    return b;
  };
  const chunks = Math.ceil(total / 65536);
  for (let i = 0; i < chunks; i++) h.update(chunk(i));
  function* gen() {
    for (let i = 0; i < chunks; i++) yield chunk(i);
  }
  return { stream: Readable.from(gen()), sha256: h.digest('hex') };
}

/** Emits some bytes, then fails, as a client that drops the connection mid-upload. */
function failing(after: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= after) {
        this.destroy(new Error('connection reset by peer'));
        return;
      }
      const b = randomBytes(Math.min(65536, after - sent));
      sent += b.length;
      this.push(b);
    },
  });
}

export interface ContractSetup {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/** What every BlobStore must do; run against the filesystem store and S3 (a real S3-protocol server). */
export function blobStoreContract(name: string, setup: () => Promise<ContractSetup>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let env: ContractSetup;
    let store: BlobStore;
    beforeAll(async () => {
      env = await setup();
      store = env.store;
    });
    afterAll(async () => env?.cleanup());

    it('puts a buffer and gets it back with its size, sha256 and content type', async () => {
      const body = randomBytes(3000);
      const out = await store.put('media/one.wav', body, { contentType: 'audio/wav' });
      expect(out).toEqual({ size: 3000, sha256: sha(body) });
      expect(await readAll(await store.get('media/one.wav'))).toEqual(body);
      expect(await store.stat('media/one.wav')).toEqual({ size: 3000, contentType: 'audio/wav' });
    });

    it('streams a body larger than one multipart part without holding it whole', async () => {
      const g = generated(11 * 1024 * 1024 + 12345);
      const out = await store.put('big/stream.bin', g.stream);
      expect(out).toEqual({ size: 11 * 1024 * 1024 + 12345, sha256: g.sha256 });
      const h = createHash('sha256');
      for await (const c of await store.get('big/stream.bin')) h.update(c as Buffer);
      expect(h.digest('hex')).toBe(g.sha256);
      expect((await store.stat('big/stream.bin'))?.size).toBe(11 * 1024 * 1024 + 12345);
    }, 60_000);

    it('reads byte ranges: closed, open-ended, single byte', async () => {
      const body = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
      await store.put('range/r.txt', body);
      expect((await readAll(await store.get('range/r.txt', { start: 10, end: 19 }))).toString()).toBe('abcdefghij');
      expect((await readAll(await store.get('range/r.txt', { start: 30 }))).toString()).toBe('uvwxyz');
      // (bytes=0-0 is left out: s3rver reads an end of 0 as "to the end"; S3 and the filesystem do not)
      expect((await readAll(await store.get('range/r.txt', { start: 5, end: 5 }))).toString()).toBe('5');
      expect((await readAll(await store.get('range/r.txt', { start: 0, end: 3 }))).toString()).toBe('0123');
    });

    it('says clearly when a blob is absent', async () => {
      expect(await store.stat('nope/missing.wav')).toBeNull();
      const err = await store.get('nope/missing.wav').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('not_found');
      await expect(store.localFile('nope/missing.wav')).rejects.toMatchObject({ code: 'not_found' });
    });

    it('overwrites, deletes, and deleting an absent blob is not an error', async () => {
      await store.put('del/x.bin', Buffer.from('first'));
      await store.put('del/x.bin', Buffer.from('second!'));
      expect((await readAll(await store.get('del/x.bin'))).toString()).toBe('second!');
      await store.delete('del/x.bin');
      expect(await store.stat('del/x.bin')).toBeNull();
      await store.delete('del/x.bin');
    });

    it('deletes by prefix and nothing else', async () => {
      for (const k of ['pre/a/1.bin', 'pre/a/2.bin', 'pre/a/b/3.bin', 'pre/ab/4.bin', 'pre/b/5.bin', 'pre/a.bin']) await store.put(k, Buffer.from(k));
      await store.deletePrefix('pre/a/');
      for (const k of ['pre/a/1.bin', 'pre/a/2.bin', 'pre/a/b/3.bin']) expect(await store.stat(k)).toBeNull();
      for (const k of ['pre/ab/4.bin', 'pre/b/5.bin', 'pre/a.bin']) expect(await store.stat(k)).not.toBeNull();
      await store.deletePrefix('pre/a');
      expect(await store.stat('pre/ab/4.bin')).toBeNull();
      expect(await store.stat('pre/a.bin')).toBeNull();
      expect(await store.stat('pre/b/5.bin')).not.toBeNull();
      await store.deletePrefix('pre/nothing-here/');
    });

    it('hands out a local file for tools that read files, released afterwards', async () => {
      const body = randomBytes(5000);
      await store.put('local/f.wav', body);
      const lf = await store.localFile('local/f.wav');
      expect(lf.path.endsWith('.wav')).toBe(true);
      expect(fs.readFileSync(lf.path)).toEqual(body);
      await lf.release();
      if (store.kind === 's3') expect(fs.existsSync(lf.path)).toBe(false);
      else expect(fs.existsSync(lf.path)).toBe(true); // the filesystem store's own file stays
    });

    it('a stream that fails mid-way leaves no blob, and does not damage the one already there', async () => {
      await expect(store.put('fail/new.bin', failing(200_000))).rejects.toThrow(/connection reset/);
      expect(await store.stat('fail/new.bin')).toBeNull();
      await store.put('fail/old.bin', Buffer.from('keep me'));
      await expect(store.put('fail/old.bin', failing(6 * 1024 * 1024))).rejects.toThrow(/connection reset/);
      expect((await readAll(await store.get('fail/old.bin'))).toString()).toBe('keep me');
    }, 60_000);

    it('refuses keys that could escape or alias: "..", absolute, empty segments, dot-files', async () => {
      for (const k of ['../x.bin', 'a/../../x.bin', '/etc/passwd', 'a//b', './a', 'a/./b', '.partial/x', 'a\\b', '']) {
        await expect(store.put(k, Buffer.from('x')), k).rejects.toMatchObject({ code: 'bad_request' });
        await expect(store.stat(k), k).rejects.toMatchObject({ code: 'bad_request' });
      }
    });

    it('presigns a PUT and a GET a client can use directly (S3), or says it cannot (filesystem)', async () => {
      const put = await store.presignPut('presigned/p.wav', { expiresS: 300, contentType: 'audio/wav' });
      const get = await store.presignGet('range/r.txt', { expiresS: 300 });
      if (store.kind === 'fs') {
        expect(put).toBeNull();
        expect(get).toBeNull();
        return;
      }
      expect(put).toMatch(/^https?:\/\//);
      const body = randomBytes(4096);
      const res = await fetch(put!, { method: 'PUT', body, headers: { 'Content-Type': 'audio/wav' } });
      expect(res.status).toBe(200);
      expect(await store.stat('presigned/p.wav')).toEqual({ size: 4096, contentType: 'audio/wav' });
      expect(await readAll(await store.get('presigned/p.wav'))).toEqual(body);
      const g = await fetch(get!, { headers: { Range: 'bytes=10-19' } });
      expect(g.status).toBe(206);
      expect(await g.text()).toBe('abcdefghij');
      const g2 = await fetch((await store.presignGet('presigned/p.wav', { expiresS: 300 }))!);
      expect(Buffer.from(await g2.arrayBuffer())).toEqual(body);
    });
  });
}
