import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { extract as tarExtract, pack as tarPack, type Pack } from 'tar-stream';
import { z } from 'zod';
import { AppError, type Config } from '../core/index.js';
import {
  closeBlobStore,
  createBlobStore,
  FsBlobStore,
  loadPgliteDir,
  LOCK_FILE,
  openDatabase,
  takeOwnership,
  type BlobStore,
  type Db,
} from '../platform/index.js';
import { ArchiveStore } from './archive.js';

/**
 * A backup of the embedded archive is one tar file:
 *
 *   manifest.json     what it holds (BackupManifest)
 *   database.tar      the PGlite data directory (PGlite dumpDataDir), read between transactions
 *   blobs/<key>       every media file and artefact of the filesystem blob store
 *
 * The database is copied first and the blobs after it, so every blob the copied rows name is there (a blob
 * added meanwhile is carried along unused). A Postgres server is backed up with its own tools (pg_dump), and an
 * S3 bucket by S3's: the manifest says when the media are not in the file.
 */

const FORMAT = 'speech-archive-backup';
const VERSION = 1;
const MANIFEST = 'manifest.json';
const DATABASE = 'database.tar';
const BLOBS = 'blobs/';

export const BackupManifest = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  created_at: z.string(),
  database: z.object({ engine: z.literal('pglite'), bytes: z.number().int().nonnegative() }),
  media: z.enum(['included', 'not included (S3)']),
  counts: z.object({
    recordings: z.number().int().nonnegative(),
    moments: z.number().int().nonnegative(),
    media_files: z.number().int().nonnegative(),
    media_bytes: z.number().int().nonnegative(),
  }),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

// Counted before and after the copy: an ingest committing in between is waited out by copying again.
const COPY_ATTEMPTS = 3;

/** Writes a backup of the archive to `out` (and ends it); the archive goes on serving meanwhile. */
export async function writeBackup(s: { db: Db; blobs: BlobStore }, out: Writable, now = new Date()): Promise<BackupManifest> {
  const dump = s.db.dumpDataDir?.bind(s.db);
  if (!dump) {
    throw new AppError('bad_request', 'the archive is on a Postgres server: back it up with pg_dump and the media with your storage tools (README "Backup and restore")');
  }
  const archive = new ArchiveStore(s.db);
  let counts = await archive.counts();
  let database = await dump();
  for (let i = 1; i < COPY_ATTEMPTS; i++) {
    const after = await archive.counts();
    if (after.recordings === counts.recordings && after.moments === counts.moments) break;
    counts = after;
    database = await dump();
  }
  const blobs = s.blobs instanceof FsBlobStore ? await listFiles(s.blobs.root) : [];
  const manifest: BackupManifest = {
    format: FORMAT,
    version: VERSION,
    created_at: now.toISOString(),
    database: { engine: 'pglite', bytes: database.size },
    media: s.blobs instanceof FsBlobStore ? 'included' : 'not included (S3)',
    counts: { ...counts, media_files: blobs.length, media_bytes: blobs.reduce((a, b) => a + b.size, 0) },
  };
  const tar = tarPack();
  const piped = pipeline(tar, out);
  piped.catch(() => {}); // awaited below, after the entries or on the first failure
  try {
    const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await addEntry(tar, MANIFEST, json.length, json, now);
    await addEntry(tar, DATABASE, database.size, Readable.fromWeb(database.stream() as WebReadableStream<Uint8Array>), now);
    for (const b of blobs) {
      let fh: fsp.FileHandle;
      try {
        fh = await fsp.open(b.file, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted since it was listed
        throw err;
      }
      try {
        await addEntry(tar, `${BLOBS}${b.key}`, b.size, fh.createReadStream({ autoClose: false }), b.mtime);
      } finally {
        await fh.close();
      }
    }
    tar.finalize();
    await piped;
  } catch (err) {
    tar.destroy(err as Error);
    out.destroy(err as Error);
    // The output's own failure (a full disk, a client gone) is the cause; the entry only saw the stream close.
    throw await piped.then(
      () => err,
      (e: unknown) => e,
    );
  }
  return manifest;
}

/**
 * Appends a file of exactly `size` bytes, as announced in its header: a body that turns out shorter or longer
 * (a file changed while being archived) fails the backup rather than writing a tar whose entries are shifted.
 */
async function addEntry(tar: Pack, name: string, size: number, body: Readable | Buffer, mtime: Date): Promise<void> {
  let sink!: ReturnType<Pack['entry']>;
  const written = new Promise<void>((resolve, reject) => {
    sink = tar.entry({ name, size, mtime, type: 'file' }, (err) => (err ? reject(err) : resolve()));
  });
  written.catch(() => {}); // awaited below, unless the body fails first
  sink.on('error', () => {}); // the callback above has it; unheard, it would end the process
  let n = 0;
  for await (const chunk of Buffer.isBuffer(body) ? [body] : (body as AsyncIterable<Buffer>)) {
    n += chunk.length;
    if (n > size) break;
    if (!sink.write(chunk)) await drained(sink);
  }
  if (n !== size) {
    const err = new AppError('internal', `${name}: ${n} bytes read where ${size} were announced (did it change while being archived?)`);
    sink.destroy(err);
    throw err;
  }
  sink.end(undefined); // (its types ask for a last chunk)
  await written;
}

/** Resolves when the entry takes more bytes; rejects when the archive is torn down meanwhile (its reader gone). */
function drained(sink: ReturnType<Pack['entry']>): Promise<void> {
  if (sink.destroying || sink.destroyed) return Promise.reject(closed());
  return new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      sink.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      sink.off('drain', onDrain);
      reject(closed());
    };
    sink.once('drain', onDrain).once('close', onClose);
  });
}

const closed = () => new AppError('internal', 'the backup stream was closed before the backup was complete');

/** Writes a backup to `file`: aside first and renamed into place, so a failed backup leaves no partial file. */
export async function writeBackupFile(s: { db: Db; blobs: BlobStore }, file: string): Promise<BackupManifest> {
  const tmp = `${file}.partial-${process.pid}`;
  try {
    const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    const manifest = await writeBackup(s, out);
    await fsp.rename(tmp, file);
    return manifest;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

interface BlobFile {
  key: string;
  file: string;
  size: number;
  mtime: Date;
}

async function listFiles(root: string): Promise<BlobFile[]> {
  const out: BlobFile[] = [];
  const walk = async (dir: string, prefix: string) => {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      // No key starts with a dot: those are the store's own (.partial: uploads in progress).
      if (e.name.startsWith('.')) continue;
      const file = path.join(dir, e.name);
      if (e.isDirectory()) await walk(file, `${prefix}${e.name}/`);
      else if (e.isFile()) {
        const st = await fsp.stat(file).catch(() => null);
        if (st) out.push({ key: `${prefix}${e.name}`, file, size: st.size, mtime: st.mtime });
      }
    }
  };
  await walk(root, '');
  return out;
}

export interface RestoreOutcome {
  manifest: BackupManifest;
  /** What the restored database holds, counted after opening it. */
  counts: { recordings: number; moments: number; media_files: number };
}

/**
 * Restores a backup into DATA_DIR: only into an empty one (no database, no media) unless `force`, which
 * replaces what is there. Holds the database directory's owner lock throughout, so it refuses while a server
 * (or any process) has the archive open, and nothing opens it half restored. The file is read once, in order,
 * into a folder beside the archive (the database loaded, the media put); only a file read whole replaces
 * anything, so a cut-off or damaged one leaves DATA_DIR as it was. The database is then opened once, which
 * brings an older backup's schema up to date, and its counts are checked against the manifest's.
 */
export async function restoreBackup(cfg: Config, file: string, opts: { force?: boolean } = {}): Promise<RestoreOutcome> {
  if (cfg.DATABASE_URL) throw new AppError('bad_request', 'DATABASE_URL is set: a backup restores the embedded archive; a Postgres server is restored with pg_restore');
  // The manifest alone first: a file that is no backup is refused before DATA_DIR is created or locked.
  await readBackup(file, { manifestOnly: true });
  const pgDir = path.join(cfg.dataDir, 'pg');
  const created = [cfg.dataDir, pgDir].filter((d) => !fs.existsSync(d));
  const staging = path.join(cfg.dataDir, `restore-${process.pid}.partial`);
  const lock = takeOwnership(pgDir, { command: 'speech-archive restore' });
  const blobs = createBlobStore(cfg);
  let replaced = false;
  let manifest: BackupManifest;
  let mediaFiles = 0;
  try {
    const pgFiles = fs.readdirSync(pgDir).filter((n) => n !== LOCK_FILE && !n.startsWith(`${LOCK_FILE}.`));
    const blobFiles = blobs instanceof FsBlobStore && fs.existsSync(blobs.root) ? fs.readdirSync(blobs.root).filter((n) => !n.startsWith('.')) : [];
    if ((pgFiles.length || blobFiles.length) && !opts.force) {
      throw new AppError('conflict', `${cfg.dataDir} holds an archive already: restore into an empty DATA_DIR, or pass --force to replace it`);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    const stagedDb = path.join(staging, DATABASE);
    const stagedBlobs = new FsBlobStore(path.join(staging, 'blobs'));
    ({ manifest } = await readBackup(file, {
      database: (body) => pipeline(body, fs.createWriteStream(stagedDb, { flags: 'wx' })),
      blob: async (key, body) => {
        await stagedBlobs.put(key, body);
        mediaFiles++;
      },
    }));
    const stagedPg = path.join(staging, 'pg');
    await loadPgliteDir(stagedPg, await fs.openAsBlob(stagedDb));
    fs.rmSync(stagedDb);

    // Read and loaded whole before anything is replaced.
    replaced = true;
    for (const n of pgFiles) fs.rmSync(path.join(pgDir, n), { recursive: true, force: true });
    for (const n of fs.readdirSync(stagedPg)) fs.renameSync(path.join(stagedPg, n), path.join(pgDir, n));
    if (blobs instanceof FsBlobStore) {
      fs.rmSync(blobs.root, { recursive: true, force: true });
      if (fs.existsSync(stagedBlobs.root)) {
        fs.rmSync(path.join(stagedBlobs.root, '.partial'), { recursive: true, force: true });
        fs.renameSync(stagedBlobs.root, blobs.root);
      }
    } else {
      for (const b of await listFiles(stagedBlobs.root)) await blobs.put(b.key, fs.createReadStream(b.file));
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    closeBlobStore(blobs);
    lock.release();
    // Refused before replacing anything: the folders this restore made go too, so DATA_DIR is as it was.
    if (!replaced) for (const d of created.reverse()) fs.rmSync(d, { recursive: true, force: true });
  }
  const db = await openDatabase(cfg);
  let counts: { recordings: number; moments: number };
  try {
    counts = await new ArchiveStore(db).counts();
  } finally {
    await db.close();
  }
  if (counts.recordings !== manifest.counts.recordings || counts.moments !== manifest.counts.moments) {
    throw new AppError(
      'internal',
      `the restored database holds ${counts.recordings} recordings and ${counts.moments} moments where the backup's manifest names ${manifest.counts.recordings} and ${manifest.counts.moments}`,
    );
  }
  return { manifest, counts: { ...counts, media_files: mediaFiles } };
}

interface BackupReader {
  /** Only the manifest (the first entry) is read and checked. */
  manifestOnly?: boolean;
  /** The database's bytes; resolves once it has taken them all. */
  database?(body: Readable): Promise<void>;
  /** A blob's bytes, under its key; resolves once it has taken them all. */
  blob?(key: string, body: Readable): Promise<void>;
}

/**
 * Reads a backup file in order: its manifest (which must come first and be one this version reads), then
 * `database.tar` and the blobs, handed to `on`. Refuses, as bad_request, a file that is not a tar, not a
 * backup, or not whole (cut off inside an entry or before the end-of-archive blocks), once `on` has seen
 * what came before the fault: what `on` does stays staged until this resolves.
 */
export async function readBackup(file: string, on: BackupReader = {}): Promise<{ manifest: BackupManifest; entries: { name: string; size: number }[] }> {
  if (!fs.existsSync(file)) throw new AppError('bad_request', `no such file: ${file}`);
  const notBackup = (why: string) => new AppError('bad_request', `${file} is not a backup of this archive (${why})`);
  const input = fs.createReadStream(file);
  const tar = tarExtract();
  input.on('error', (err) => tar.destroy(err));
  input.pipe(tar);
  let manifest: BackupManifest | undefined;
  const entries: { name: string; size: number }[] = [];
  // Where the last entry's bytes end (headers and bodies come in 512-byte blocks): the end-of-archive blocks follow.
  let end = 0;
  try {
    for await (const entry of tar) {
      const { name, size, type } = entry.header;
      end = entry.offset + 512 + Math.ceil(size / 512) * 512;
      const body = Readable.from(entry);
      if (type !== 'file' && type !== 'contiguous-file') {
        await drain(body); // directories, links: not part of what is restored
        continue;
      }
      if (!manifest) {
        if (name !== MANIFEST) throw notBackup(`it starts with ${name}, not ${MANIFEST}`);
        manifest = parseManifest(file, Buffer.concat(await body.toArray()));
        entries.push({ name, size });
        if (on.manifestOnly) break;
        continue;
      }
      if (entries.some((e) => e.name === name)) throw notBackup(`${name} is in it twice`);
      entries.push({ name, size });
      if (name === DATABASE && on.database) await on.database(body);
      else if (name.startsWith(BLOBS) && on.blob) await on.blob(name.slice(BLOBS.length), body);
      else await drain(body);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    if ((err as NodeJS.ErrnoException).code) throw err; // the file could not be read
    const why = (err as Error).message;
    throw new AppError('bad_request', /end of data/i.test(why) ? `${file} is not a complete tar archive (it ends inside an entry)` : `${file} is not a tar archive (${why})`);
  } finally {
    input.destroy();
    tar.destroy();
  }
  if (!manifest) throw notBackup(`no ${MANIFEST} in it`);
  if (on.manifestOnly) return { manifest, entries };
  if (!entries.some((e) => e.name === DATABASE)) throw notBackup(`no ${DATABASE} in it`);
  // A file cut off right after an entry reads as a shorter archive: only the end-of-archive blocks tell.
  const trailer = Buffer.alloc(1024);
  const fh = await fsp.open(file, 'r');
  try {
    const { bytesRead } = await fh.read(trailer, 0, trailer.length, end);
    if (bytesRead < trailer.length || trailer.some((b) => b !== 0)) throw new AppError('bad_request', `${file} is not a complete tar archive (it ends without the end-of-archive blocks)`);
  } finally {
    await fh.close();
  }
  return { manifest, entries };
}

function parseManifest(file: string, bytes: Buffer): BackupManifest {
  let parsed: z.ZodSafeParseResult<BackupManifest>;
  try {
    parsed = BackupManifest.safeParse(JSON.parse(bytes.toString('utf8')));
  } catch {
    throw new AppError('bad_request', `${file}: ${MANIFEST} is not JSON`);
  }
  if (!parsed.success) {
    throw new AppError('bad_request', `${file}: ${MANIFEST} is not one this version reads (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  }
  return parsed.data;
}

const drain = async (body: Readable) => {
  for await (const _ of body);
};
