import path from 'node:path';
import type { Config } from '../../core/index.js';
import { FsBlobStore } from './fs.js';
import type { BlobStore } from './port.js';
import { S3BlobStore } from './s3.js';

export type { BlobStore } from './port.js';
export { FsBlobStore } from './fs.js';
export { S3BlobStore } from './s3.js';
export { checkKey, contentTypeFor, extensionFor, mediaKey, mediaKeyOf } from './keys.js';

/** The blob store STORAGE names: files under `${DATA_DIR}/blobs` (default) or the S3 bucket S3_BUCKET. */
export function createBlobStore(cfg: Config): BlobStore {
  if (cfg.STORAGE === 's3') {
    return new S3BlobStore({
      bucket: cfg.S3_BUCKET!,
      region: cfg.S3_REGION,
      endpoint: cfg.S3_ENDPOINT,
      forcePathStyle: cfg.S3_FORCE_PATH_STYLE,
      accessKeyId: cfg.S3_ACCESS_KEY_ID,
      secretAccessKey: cfg.S3_SECRET_ACCESS_KEY,
    });
  }
  return new FsBlobStore(path.join(cfg.dataDir, 'blobs'));
}

type Movable = BlobStore & { copy?(from: string, to: string): Promise<void>; move?(from: string, to: string): Promise<void> };

/** Copies a blob: server-side on S3, a file copy on disk, a streamed get+put on any other store. */
export async function copyBlob(store: BlobStore, from: string, to: string): Promise<void> {
  const s = store as Movable;
  if (s.copy) return s.copy(from, to);
  const st = await store.stat(from);
  await store.put(to, await store.get(from), { contentType: st?.contentType ?? undefined });
}

/** Moves a blob: a rename on disk, copy+delete on S3. */
export async function moveBlob(store: BlobStore, from: string, to: string): Promise<void> {
  const s = store as Movable;
  if (s.move) return s.move(from, to);
  await copyBlob(store, from, to);
  await store.delete(from);
}

/** Releases what a store holds open (the S3 client's sockets); a no-op for the filesystem. */
export function closeBlobStore(store: BlobStore): void {
  (store as BlobStore & { close?(): void }).close?.();
}
