import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../../core/index.js';
import { checkKey, contentTypeFor, hashingStream } from './keys.js';
import type { BlobStore } from './port.js';

export interface S3BlobStoreOptions {
  bucket: string;
  region?: string;
  /** A non-AWS endpoint (MinIO, s3rver, R2...). */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO and s3rver need. */
  forcePathStyle?: boolean;
  /** Unset: the SDK's default credential chain (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Bytes per part of a multipart upload (at least 5 MiB). */
  partSize?: number;
  /** A ready client (tests); the options above are then ignored except `bucket`. */
  client?: S3Client;
}

const MiB = 1024 * 1024;

/**
 * Blobs in one S3 bucket. Puts stream through `@aws-sdk/lib-storage` (multipart above one part, never the
 * whole body in memory) with the sha256 computed on the way; a failed stream aborts the upload, so nothing
 * is stored under the key (an existing object is only replaced by a complete new one). Clients can PUT and
 * GET directly through presigned URLs.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly bucket: string;
  private readonly partSize: number;

  constructor(o: S3BlobStoreOptions) {
    this.bucket = o.bucket;
    this.partSize = Math.max(5 * MiB, o.partSize ?? 8 * MiB);
    this.client =
      o.client ??
      new S3Client({
        region: o.region ?? 'us-east-1',
        endpoint: o.endpoint,
        forcePathStyle: o.forcePathStyle ?? false,
        credentials: o.accessKeyId && o.secretAccessKey ? { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } : undefined,
        // Checksums only where S3 requires them: S3-compatible servers do not all understand the SDK's default
        // CRC trailers on streamed bodies, and presigned URLs stay plain. Integrity is our own sha256.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  async put(key: string, body: Readable | Buffer, opts: { contentType?: string } = {}): Promise<{ size: number; sha256: string }> {
    checkKey(key);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const hasher = hashingStream();
    const pass = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: pass, ContentType: opts.contentType ?? contentTypeFor(key) },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const piped = pipeline(source, hasher, pass);
    const uploaded = upload.done();
    try {
      await Promise.all([piped, uploaded]);
    } catch (err) {
      // Whichever side failed, stop the other: no half-read request, no dangling multipart upload.
      pass.destroy();
      source.destroy();
      await upload.abort().catch(() => {});
      await Promise.allSettled([piped, uploaded]);
      throw err;
    }
    return hasher.digest();
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    checkKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw notFound(key);
      throw storageError(err, `get ${key}`);
    }
  }

  async stat(key: string): Promise<{ size: number; contentType: string | null } | null> {
    checkKey(key);
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: Number(h.ContentLength ?? 0), contentType: h.ContentType ?? null };
    } catch (err) {
      if (isMissing(err)) return null;
      throw storageError(err, `stat ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isMissing(err)) throw storageError(err, `delete ${key}`);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new AppError('bad_request', 'deletePrefix needs a prefix');
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
      if (keys.length) {
        const out = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (out.Errors?.length) throw new AppError('upstream_error', `S3 could not delete ${out.Errors.length} object(s) under "${prefix}": ${out.Errors[0].Message ?? out.Errors[0].Code}`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async localFile(key: string): Promise<{ path: string; release(): Promise<void> }> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-blob-'));
    const file = path.join(dir, `${randomUUID()}${path.extname(key)}`);
    const release = () => fs.rm(dir, { recursive: true, force: true });
    try {
      await pipeline(await this.get(key), createWriteStream(file));
    } catch (err) {
      await release();
      throw err;
    }
    return { path: file, release };
  }

  async presignPut(key: string, opts: { expiresS: number; contentType?: string }): Promise<string | null> {
    checkKey(key);
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: opts.contentType }), {
      expiresIn: opts.expiresS,
    });
  }

  async presignGet(key: string, opts: { expiresS: number }): Promise<string | null> {
    checkKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: opts.expiresS });
  }

  /** Server-side copy (no bytes through this process); objects up to 5 GB. */
  async copy(from: string, to: string): Promise<void> {
    checkKey(from);
    checkKey(to);
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    } catch (err) {
      if (isMissing(err)) throw notFound(from);
      throw storageError(err, `copy ${from}`);
    }
  }

  async move(from: string, to: string): Promise<void> {
    await this.copy(from, to);
    await this.delete(from);
  }

  /** Creates the bucket if it does not exist (tests, first start against MinIO). */
  async ensureBucket(): Promise<void> {
    const { CreateBucketCommand, HeadBucketCommand } = await import('@aws-sdk/client-s3');
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if (!isMissing(err)) throw storageError(err, `bucket ${this.bucket}`);
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.name === 'NoSuchBucket' || e?.Code === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function storageError(err: unknown, what: string): Error {
  if (err instanceof AppError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode === 416) return new AppError('bad_request', `range not satisfiable (${what})`);
  return new AppError('upstream_error', `S3 ${what}: ${e?.name ?? 'error'}: ${e?.message ?? String(err)}`);
}

function notFound(key: string): AppError {
  return new AppError('not_found', `no blob "${key}"`);
}
