import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/index.js';
import { checkKey, contentTypeFor, hashingStream } from './keys.js';
import type { BlobStore } from './port.js';

/**
 * Blobs as files under one folder (`${DATA_DIR}/blobs` by default), a key being a relative path. A write goes
 * to `.partial/<uuid>` and is renamed into place only when the whole stream arrived, so a failed or aborted
 * upload leaves nothing behind and a reader never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs' as const;
  private readonly partial: string;

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.partial = path.join(this.root, '.partial');
  }

  /** The file of a key (validated: it cannot leave the root). */
  pathOf(key: string): string {
    checkKey(key);
    const full = path.resolve(this.root, ...key.split('/'));
    const rel = path.relative(this.root, full);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new AppError('bad_request', `invalid blob key "${key}"`);
    return full;
  }

  async put(key: string, body: Readable | Buffer, _opts: { contentType?: string } = {}): Promise<{ size: number; sha256: string }> {
    const dest = this.pathOf(key);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // Until the pipeline below listens, an error of the source must not go unhandled (it still fails the put).
    const early = () => {};
    source.on('error', early);
    const tmp = path.join(this.partial, randomUUID());
    const hasher = hashingStream();
    try {
      await fs.mkdir(this.partial, { recursive: true });
      const piped = pipeline(source, hasher, createWriteStream(tmp, { flags: 'wx' }));
      source.off('error', early);
      await piped;
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.rename(tmp, dest);
    } catch (err) {
      source.off('error', early);
      if (!source.destroyed) source.destroy();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return hasher.digest();
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const file = this.pathOf(key);
    // Opening first turns a missing blob into not_found here rather than an error event on the stream later.
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') throw notFound(key);
      throw err;
    }
    return handle.createReadStream({ start: range?.start, end: range?.end });
  }

  async stat(key: string): Promise<{ size: number; contentType: string | null } | null> {
    try {
      const st = await fs.stat(this.pathOf(key));
      return st.isFile() ? { size: st.size, contentType: contentTypeFor(key) } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new AppError('bad_request', 'deletePrefix needs a prefix');
    // Walk only the folder the prefix points into; "media/ab" matches files "media/ab*" and everything under "media/ab/".
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dirPart ? this.pathOf(dirPart) : this.root;
    for (const key of await this.walk(start)) {
      if (key.startsWith(prefix)) await fs.rm(path.join(this.root, ...key.split('/')), { force: true });
    }
  }

  async localFile(key: string): Promise<{ path: string; release(): Promise<void> }> {
    const file = this.pathOf(key);
    if (!(await this.stat(key))) throw notFound(key);
    return { path: file, release: async () => {} };
  }

  async presignPut(): Promise<string | null> {
    return null;
  }

  async presignGet(): Promise<string | null> {
    return null;
  }

  /** Copies a blob within the store (a new file; the copy is atomic like put). */
  async copy(from: string, to: string): Promise<void> {
    const src = this.pathOf(from);
    const dest = this.pathOf(to);
    if (!(await this.stat(from))) throw notFound(from);
    await fs.mkdir(this.partial, { recursive: true });
    const tmp = path.join(this.partial, randomUUID());
    try {
      await fs.copyFile(src, tmp);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.rename(tmp, dest);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /** Renames a blob (one rename on the filesystem). */
  async move(from: string, to: string): Promise<void> {
    const src = this.pathOf(from);
    const dest = this.pathOf(to);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      await fs.rename(src, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(from);
      throw err;
    }
  }

  /** Keys of every file under `dir` (skipping `.partial`). */
  private async walk(dir: string): Promise<string[]> {
    const out: string[] = [];
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return out;
      throw err;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (full === this.partial) continue;
      if (e.isDirectory()) out.push(...(await this.walk(full)));
      else if (e.isFile()) out.push(path.relative(this.root, full).split(path.sep).join('/'));
    }
    return out;
  }
}

function notFound(key: string): AppError {
  return new AppError('not_found', `no blob "${key}"`);
}
