import type { Readable } from 'node:stream';

/** Where media and pipeline artefacts live: a folder under DATA_DIR (embedded default) or an S3 bucket. */
export interface BlobStore {
  readonly kind: 'fs' | 's3';
  /** Streams `body` to `key` (never buffering it whole) and returns its size and sha256. */
  put(key: string, body: Readable | Buffer, opts?: { contentType?: string }): Promise<{ size: number; sha256: string }>;
  /** A stream of the blob, or of bytes `start..end` (inclusive) of it. Throws AppError('not_found') when absent. */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  stat(key: string): Promise<{ size: number; contentType: string | null } | null>;
  /** Removes the blob; absent is not an error. */
  delete(key: string): Promise<void>;
  /** Removes every blob whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * A local file path holding the blob, for tools that read files (ffmpeg, ffprobe). The fs store returns its
   * own path; S3 downloads to a temporary file. Call `release()` when done.
   */
  localFile(key: string): Promise<{ path: string; release(): Promise<void> }>;
  /** A URL a client can PUT the blob to directly (S3 only; null on the filesystem store). */
  presignPut(key: string, opts: { expiresS: number; contentType?: string }): Promise<string | null>;
  /** A URL a client can GET the blob from directly (S3 only; null on the filesystem store: serve it yourself). */
  presignGet(key: string, opts: { expiresS: number }): Promise<string | null>;
}
