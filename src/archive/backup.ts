import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { AppError, type Config } from '../core/index.js';
import {
  closeBlobStore,
  createBlobStore,
  FsBlobStore,
  listTar,
  loadPgliteDir,
  LOCK_FILE,
  openDatabase,
  takeOwnership,
  TarWriter,
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
  const tar = new TarWriter(out);
  try {
    const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await tar.add(MANIFEST, json.length, json, now);
    await tar.add(DATABASE, database.size, Readable.fromWeb(database.stream() as WebReadableStream<Uint8Array>), now);
    for (const b of blobs) {
      let fh: fsp.FileHandle;
      try {
        fh = await fsp.open(b.file, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted since it was listed
        throw err;
      }
      try {
        await tar.add(`${BLOBS}${b.key}`, b.size, fh.createReadStream({ autoClose: false }), b.mtime);
      } finally {
        await fh.close();
      }
    }
    await tar.finish();
  } catch (err) {
    out.destroy(err as Error);
    throw err;
  }
  return manifest;
}

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
 * (or any process) has the archive open, and nothing opens it half restored. The database is loaded into a
 * folder beside it and moved in once complete. It is then opened once, which brings an older backup's schema
 * up to date, and its counts are checked against the manifest's.
 */
export async function restoreBackup(cfg: Config, file: string, opts: { force?: boolean } = {}): Promise<RestoreOutcome> {
  if (cfg.DATABASE_URL) throw new AppError('bad_request', 'DATABASE_URL is set: a backup restores the embedded archive; a Postgres server is restored with pg_restore');
  const { manifest, entries } = await readBackup(file);
  const database = entries.find((e) => e.name === DATABASE)!;
  const pgDir = path.join(cfg.dataDir, 'pg');
  const staging = path.join(cfg.dataDir, `pg.restoring-${process.pid}`);
  const lock = takeOwnership(pgDir, { command: 'speech-archive restore' });
  const blobs = createBlobStore(cfg);
  let mediaFiles = 0;
  try {
    const pgFiles = fs.readdirSync(pgDir).filter((n) => n !== LOCK_FILE && !n.startsWith(`${LOCK_FILE}.`));
    const blobFiles = blobs instanceof FsBlobStore && fs.existsSync(blobs.root) ? fs.readdirSync(blobs.root).filter((n) => !n.startsWith('.')) : [];
    if ((pgFiles.length || blobFiles.length) && !opts.force) {
      throw new AppError('conflict', `${cfg.dataDir} holds an archive already: restore into an empty DATA_DIR, or pass --force to replace it`);
    }
    fs.rmSync(staging, { recursive: true, force: true });
    const tarball = (await fs.openAsBlob(file)).slice(database.offset, database.offset + database.size);
    await loadPgliteDir(staging, tarball);
    // Loaded whole before anything is replaced: a backup that does not load leaves the archive there as it was.
    for (const n of pgFiles) fs.rmSync(path.join(pgDir, n), { recursive: true, force: true });
    if (blobs instanceof FsBlobStore) fs.rmSync(blobs.root, { recursive: true, force: true });
    for (const n of fs.readdirSync(staging)) fs.renameSync(path.join(staging, n), path.join(pgDir, n));

    for (const e of entries) {
      if (!e.name.startsWith(BLOBS)) continue;
      const body = e.size ? fs.createReadStream(file, { start: e.offset, end: e.offset + e.size - 1 }) : Buffer.alloc(0);
      await blobs.put(e.name.slice(BLOBS.length), body);
      mediaFiles++;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    closeBlobStore(blobs);
    lock.release();
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

/** The manifest and entries of a backup file, checked before anything is touched. */
export async function readBackup(file: string): Promise<{ manifest: BackupManifest; entries: Awaited<ReturnType<typeof listTar>> }> {
  if (!fs.existsSync(file)) throw new AppError('bad_request', `no such file: ${file}`);
  const entries = await listTar(file);
  const m = entries.find((e) => e.name === MANIFEST);
  if (!m || !entries.some((e) => e.name === DATABASE)) throw new AppError('bad_request', `${file} is not a backup of this archive (no ${MANIFEST} or ${DATABASE} in it)`);
  const fh = await fsp.open(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(m.size);
    await fh.read(buf, 0, m.size, m.offset);
    text = buf.toString('utf8');
  } finally {
    await fh.close();
  }
  let parsed: z.ZodSafeParseResult<BackupManifest>;
  try {
    parsed = BackupManifest.safeParse(JSON.parse(text));
  } catch {
    throw new AppError('bad_request', `${file}: ${MANIFEST} is not JSON`);
  }
  if (!parsed.success) {
    throw new AppError('bad_request', `${file}: ${MANIFEST} is not one this version reads (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  }
  return { manifest: parsed.data, entries };
}
