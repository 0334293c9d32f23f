import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { AppError, loadConfig } from '../core/index.js';
import { ArchiveLockedError, closeBlobStore, createBlobStore, openDatabase } from '../platform/index.js';
import { restoreBackup, writeBackupFile, type BackupManifest } from '../archive/index.js';
import { ARCHIVE_WORK_TIMEOUT_MS, sendAdmin } from './admin.js';

/**
 * `backup <file>` and `restore <file>` for the embedded archive. A backup is made by whichever process has
 * the database open: this one, or a running server through its admin socket (never a second opener). A
 * restore writes the database directory, so it refuses while anything has it open.
 */
export function backupCommands(): Command[] {
  const backup = new Command('backup')
    .description('write a backup of the embedded archive (database and media) to a tar file; a running server makes it')
    .argument('<file>', 'where to write it, e.g. archive-2026-01-31.tar')
    .option('--force', 'overwrite the file if it exists')
    .action(async (target: string, o: { force?: boolean }) => {
      const cfg = loadConfig();
      if (cfg.DATABASE_URL) throw new AppError('bad_request', 'DATABASE_URL is set: back up the Postgres server with pg_dump and the media with your storage tools (README "Backup and restore")');
      const file = path.resolve(target);
      if (fs.existsSync(file) && !o.force) throw new AppError('conflict', `${file} exists: pick another name or pass --force`);
      if (!fs.existsSync(path.dirname(file))) throw new AppError('bad_request', `no such folder: ${path.dirname(file)}`);
      if (!fs.existsSync(path.join(cfg.dataDir, 'pg', 'PG_VERSION'))) throw new AppError('bad_request', `there is no archive in ${cfg.dataDir} to back up`);
      const db = await openDatabase(cfg).catch((err: unknown) => {
        if (err instanceof ArchiveLockedError && err.owner?.admin) return err;
        throw err;
      });
      let manifest: BackupManifest;
      if (db instanceof ArchiveLockedError) {
        const owner = db.owner!;
        console.error(`(made by the running server, pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''})`);
        manifest = await sendAdmin(owner.admin!, { op: 'backup', file }, ARCHIVE_WORK_TIMEOUT_MS);
      } else {
        const blobs = createBlobStore(cfg);
        try {
          manifest = await writeBackupFile({ db, blobs }, file);
        } finally {
          closeBlobStore(blobs);
          await db.close();
        }
      }
      const c = manifest.counts;
      console.log(
        `backed up ${c.recordings} recordings, ${c.moments} moments, ${c.media_files} media files (${mb(c.media_bytes)}) to ${file} (${mb(fs.statSync(file).size)})` +
          (manifest.media === 'included' ? '' : '; the media are in S3 and not in the file'),
      );
    });
  const restore = new Command('restore')
    .description('restore a backup into DATA_DIR (empty or absent, unless --force); refuses while a server has the archive open')
    .argument('<file>', 'a file written by `backup`')
    .option('--force', 'replace the archive DATA_DIR holds')
    .action(async (source: string, o: { force?: boolean }) => {
      const out = await restoreBackup(loadConfig(), path.resolve(source), { force: o.force });
      console.log(
        `restored ${out.counts.recordings} recordings, ${out.counts.moments} moments and ${out.counts.media_files} media files ` +
          `from the backup of ${out.manifest.created_at}`,
      );
    });
  return [backup, restore];
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
