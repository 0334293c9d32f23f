import { AppError } from '../core/index.js';
import type { Services } from '../archive/index.js';
import { mediaKeyOf } from '../platform/index.js';

export interface PurgeReport {
  id: string;
  moments: number;
  media: string[];
}

/**
 * Removes a recording from every store: the indexes first (so it stops being found at once), then its
 * media and artefacts, then the rows; the cache generation is bumped so no cached answer still cites it.
 * Each step tolerates "already gone", so a purge interrupted half-way can simply be run again.
 */
export async function purgeRecording(s: Services, id: string, actor: string): Promise<PurgeReport> {
  const rec = await s.archive.get(id);
  if (!rec) throw new AppError('not_found', `no recording "${id}"`);
  await s.lexical.deleteRecording(id);
  await s.vectors?.deleteRecording(id);
  const media: string[] = [];
  // Only media the archive stored itself (media/<sha256>.<ext>): a manifest's own file or s3:// key is the archivist's.
  const key = mediaKeyOf(rec);
  if (key) {
    // Media is shared by checksum: keep the file while another recording still points at it.
    if ((await s.archive.countWithSource(key, id)) === 0) {
      await s.blobs.delete(key);
      media.push(key);
    }
  }
  await s.blobs.deletePrefix(`artefacts/${id}/`);
  await s.archive.delete(id);
  await s.cache.bumpGeneration();
  await s.keys.audit(actor, 'recording.delete', id, { title: rec.title, moments: rec.momentCount ?? null, media });
  return { id, moments: rec.momentCount ?? 0, media };
}
