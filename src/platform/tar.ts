import { once } from 'node:events';
import fs from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { AppError } from '../core/index.js';

/**
 * Just enough of POSIX tar (pax-extended ustar) for backups: regular files only, written as a stream and read
 * back from a file by offset. Files GNU tar and bsdtar list and extract; names longer than ustar's 100 bytes
 * go in a pax `path` record, sizes beyond its 8 GiB in base-256. No tar package is a dependency; this is the
 * subset the archive needs, and what it reads is only what it wrote (or what `tar` writes for plain files).
 */

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

export class TarWriter {
  private written = 0;
  private failed: Error | undefined;

  constructor(private readonly out: Writable) {
    // Kept for the next write to throw (a full disk): an 'error' event nobody listens to would end the process.
    out.on('error', (err) => (this.failed ??= err));
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.written;
  }

  /** Appends a file of exactly `size` bytes; a body that is shorter or longer fails the archive. */
  async add(name: string, size: number, body: Readable | Uint8Array, mtime = new Date()): Promise<void> {
    if (!name || name.startsWith('/') || name.split('/').includes('..')) throw new AppError('bad_request', `tar entry name "${name}"`);
    if (Buffer.byteLength(name) > 100) {
      const record = paxRecord('path', name);
      await this.write(header(`PaxHeader/${name.slice(-80).replace(/^\/+/, '')}`, record.length, 'x', mtime));
      await this.write(record);
      await this.pad(record.length);
    }
    await this.write(header(name, size, '0', mtime));
    let n = 0;
    if (body instanceof Uint8Array) {
      n = body.length;
      if (n === size) await this.write(body);
    } else {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        n += chunk.length;
        if (n > size) break;
        await this.write(chunk);
      }
    }
    if (n !== size) throw new AppError('internal', `${name}: ${n} bytes read where ${size} were announced (did it change while being archived?)`);
    await this.pad(size);
  }

  /** Writes the end-of-archive blocks and ends the stream. */
  async finish(): Promise<void> {
    await this.write(ZEROS);
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
    if (this.failed) throw this.failed;
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.write(ZEROS.subarray(0, BLOCK - rest));
  }

  private async write(buf: Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.out.destroyed) throw closed();
    this.written += buf.length;
    if (this.out.write(buf)) return;
    // A reader that goes away stops the writing, rather than leaving it waiting for a drain that never comes.
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.out.off('drain', onDrain).off('close', onClose).off('error', settle);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(this.failed ?? closed());
      this.out.on('drain', onDrain).on('close', onClose).on('error', settle);
    });
  }
}

const closed = () => new AppError('internal', 'the archive stream was closed before the archive was complete');

function header(name: string, size: number, type: '0' | 'x', mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(Buffer.byteLength(name) > 100 ? name.slice(0, 100) : name, 0, 100, 'utf8');
  h.write(octal(0o644, 7), 100);
  h.write(octal(0, 7), 108);
  h.write(octal(0, 7), 116);
  if (size < 8 ** 11) h.write(octal(size, 11), 124);
  else {
    // base-256: high bit set on the first byte, the size big-endian in the rest.
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 124 + 4);
  }
  h.write(octal(Math.floor(mtime.getTime() / 1000), 11), 136);
  h.write(type, 156);
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${octal(sum, 6)}\0 `, 148, 'latin1');
  return h;
}

const octal = (n: number, width: number) => n.toString(8).padStart(width, '0');

/** A pax record, "<len> key=value\n", where len counts the record's own bytes including its digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let len = n + String(n).length;
  if (String(len).length !== String(n).length) len = n + String(len).length;
  return Buffer.from(`${len}${body}`, 'utf8');
}

export interface TarEntry {
  name: string;
  size: number;
  /** Where the entry's bytes start in the file. */
  offset: number;
}

/** The regular files of a tar file, in order, with where their bytes are: read them with a ranged stream. */
export async function listTar(file: string): Promise<TarEntry[]> {
  const fh = await fs.open(file, 'r');
  try {
    const { size: total } = await fh.stat();
    const entries: TarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | null = null;
    for (;;) {
      if (pos + BLOCK > total) throw new AppError('bad_request', `${file} is not a complete tar archive (it ends inside an entry)`);
      await fh.read(h, 0, BLOCK, pos);
      if (h.every((b) => b === 0)) break;
      if (!validChecksum(h)) throw new AppError('bad_request', `${file} is not a tar archive (bad header at byte ${pos})`);
      const size = readSize(h);
      const type = String.fromCharCode(h[156] || 0x30);
      const body = pos + BLOCK;
      if (body + size > total) throw new AppError('bad_request', `${file} is not a complete tar archive (it ends inside an entry)`);
      if (type === 'x' || type === 'L') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, body);
        longName = type === 'L' ? data.toString('utf8').replace(/\0+$/, '') : (paxPath(data) ?? longName);
      } else if (type === '0' || type === '7') {
        const prefix = cString(h, 345, 155);
        const short = cString(h, 0, 100);
        entries.push({ name: longName ?? (prefix ? `${prefix}/${short}` : short), size, offset: body });
        longName = null;
      } else {
        longName = null; // directories, links, global headers: not part of what is restored
      }
      pos = body + Math.ceil(size / BLOCK) * BLOCK;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

function validChecksum(h: Buffer): boolean {
  const stored = parseInt(cString(h, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return stored === sum;
}

function readSize(h: Buffer): number {
  if (h[124] & 0x80) return Number(h.readBigUInt64BE(124 + 4));
  return parseInt(cString(h, 124, 12).trim() || '0', 8);
}

const cString = (h: Buffer, at: number, len: number) => {
  const end = h.indexOf(0, at);
  return h.toString('utf8', at, end < 0 || end > at + len ? at + len : end);
};

/** The `path` of pax records ("<len> key=value\n", len in bytes). */
function paxPath(data: Buffer): string | null {
  let path: string | null = null;
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.toString('latin1', i, sp), 10);
    if (!(len > 0) || i + len > data.length) break;
    const kv = data.toString('utf8', sp + 1, i + len - 1);
    const eq = kv.indexOf('=');
    if (kv.slice(0, eq) === 'path') path = kv.slice(eq + 1);
    i += len;
  }
  return path;
}
