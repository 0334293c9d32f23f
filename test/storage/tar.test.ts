/**
 * The backup's tar: what it writes, GNU tar extracts byte for byte; what GNU tar writes (its own long-name
 * records and pax ones), it reads back with every file's bytes where it says.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { listTar, TarWriter } from '../../src/platform/tar.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-tar-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, Buffer> = {
  'manifest.json': Buffer.from('{"a":1}\n'),
  'empty.bin': Buffer.alloc(0),
  'exact/512.bin': randomBytes(512),
  [`deep/${'ü-long-segment-'.repeat(9)}/name.wav`]: randomBytes(70_001),
};

const bytesAt = (file: string, offset: number, size: number) => fs.readFileSync(file).subarray(offset, offset + size);

describe('tar', () => {
  it('writes archives GNU tar extracts, and reads its own back', async () => {
    const file = path.join(dir, 'mine.tar');
    const tar = new TarWriter(fs.createWriteStream(file));
    for (const [name, body] of Object.entries(FILES)) await tar.add(name, body.length, name.endsWith('.wav') ? Readable.from([body.subarray(0, 1000), body.subarray(1000)]) : body);
    await tar.finish();
    const out = path.join(dir, 'x');
    fs.mkdirSync(out);
    const r = spawnSync('tar', ['-xf', file, '-C', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const [name, body] of Object.entries(FILES)) expect(fs.readFileSync(path.join(out, name)).equals(body), name).toBe(true);
    const entries = await listTar(file);
    expect(entries.map((e) => e.name)).toEqual(Object.keys(FILES));
    for (const e of entries) expect(bytesAt(file, e.offset, e.size).equals(FILES[e.name])).toBe(true);
  });

  it('reads what GNU tar writes, in its gnu and pax formats', async () => {
    const src = path.join(dir, 'src');
    for (const [name, body] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(src, name)), { recursive: true });
      fs.writeFileSync(path.join(src, name), body);
    }
    for (const format of ['gnu', 'pax']) {
      const file = path.join(dir, `${format}.tar`);
      const r = spawnSync('tar', [`--format=${format}`, '-cf', file, '-C', src, ...Object.keys(FILES)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const entries = await listTar(file);
      expect(entries.map((e) => e.name)).toEqual(Object.keys(FILES));
      for (const e of entries) expect(bytesAt(file, e.offset, e.size).equals(FILES[e.name]), `${format} ${e.name}`).toBe(true);
    }
  });

  it('refuses a cut-off archive and a body shorter than announced', async () => {
    const file = path.join(dir, 'mine.tar');
    const cut = path.join(dir, 'cut.tar');
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 3000));
    await expect(listTar(cut)).rejects.toMatchObject({ code: 'bad_request' });
    const tar = new TarWriter(fs.createWriteStream(path.join(dir, 'short.tar')));
    await expect(tar.add('a.bin', 10, Readable.from([Buffer.alloc(5)]))).rejects.toThrow(/5 bytes read where 10/);
  });
});
