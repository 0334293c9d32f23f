import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Services } from '../archive/index.js';
import { copyBlob, mediaKey } from '../platform/index.js';

export const MEDIA_EXTENSIONS = /\.(mp3|wav|m4a|aac|flac|ogg|oga|opus|mp4|mkv|mov|webm)$/i;

/**
 * Keeps a media file in the blob store under its content address, `media/<sha256>.<ext>` (the key a
 * recording's `source` names, so it can be played back), and returns that key with the sha256. A file already
 * stored is not written again. `fromKey`: the file is that blob (an `s3://` manifest row), copied in the store.
 */
export async function storeMedia(s: Services, local: string, o: { name: string; fromKey?: string }): Promise<{ key: string; sha256: string }> {
  const sha256 = await sha256File(local);
  const key = mediaKey(sha256, MEDIA_EXTENSIONS.exec(o.name)?.[1] ?? 'bin');
  if (!(await s.blobs.stat(key))) {
    if (o.fromKey) await copyBlob(s.blobs, o.fromKey, key);
    else await s.blobs.put(key, createReadStream(local));
  }
  return { key, sha256 };
}

/** sha256 of a file: the media's identity (one recording per file, one stored copy). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
