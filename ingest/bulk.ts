import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Services } from '../src/services.js';
import { copyBlob, mediaKey } from '../src/storage/index.js';
import type { BlobStore } from '../src/storage/port.js';
import { checkDuration, probeMedia } from './audio/decode.js';
import { ingestMedia, MEDIA_EXTENSIONS } from './media.js';
import { readManifest, type ManifestProblem, type ManifestRow } from './manifest.js';
import { ingestTranscript } from './transcript.js';
import { ChecksumTakenError } from '../src/store/archive.js';

export interface BulkSummary {
  total: number;
  ingested: number;
  unchanged: number;
  failed: number;
  moments: number;
  failures: ManifestProblem[];
  seconds: number;
}

export type BulkEvent =
  | { type: 'start'; total: number }
  | { type: 'row'; line: number; id: string; status: 'ingested' | 'unchanged' | 'failed'; error?: string; done: number; total: number };

/**
 * Ingests every row of a manifest. Rows run a few at a time so the embedding workers stay busy while
 * another row is being written; a failing row is reported and the others carry on.
 */
export async function ingestManifest(
  s: Services,
  manifestPath: string,
  opts: { concurrency?: number; onEvent?: (e: BulkEvent) => void } = {},
): Promise<BulkSummary> {
  const t0 = performance.now();
  const { rows, problems } = readManifest(manifestPath, { roots: s.cfg.MEDIA_ROOTS ?? [] });
  const total = rows.length + problems.length;
  const summary: BulkSummary = { total, ingested: 0, unchanged: 0, failed: problems.length, moments: 0, failures: [...problems], seconds: 0 };
  let done = problems.length;
  opts.onEvent?.({ type: 'start', total });
  for (const p of problems) opts.onEvent?.({ type: 'row', line: p.line, id: p.id ?? '?', status: 'failed', error: p.error, done, total });
  const limit = pLimit(opts.concurrency ?? Math.max(2, s.cfg.EMBED_WORKERS + 1));
  await Promise.all(
    rows.map((row) =>
      limit(async () => {
        const outcome = await ingestRow(s, row);
        done++;
        if (outcome.status === 'failed') {
          summary.failed++;
          summary.failures.push({ line: row.line, id: row.meta.id, error: outcome.error });
        } else {
          summary[outcome.status]++;
          if (outcome.status === 'ingested') summary.moments += outcome.moments;
        }
        opts.onEvent?.({ type: 'row', line: row.line, id: row.meta.id, status: outcome.status, error: outcome.status === 'failed' ? outcome.error : undefined, done, total });
      }),
    ),
  );
  summary.failures.sort((a, b) => a.line - b.line);
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

type RowOutcome = { status: 'ingested' | 'unchanged'; moments: number } | { status: 'failed'; error: string };

async function ingestRow(s: Services, row: ManifestRow): Promise<RowOutcome> {
  try {
    if (row.mediaPath) return await ingestMediaRow(s, row, row.mediaPath);
    if (!row.transcriptPath) return { status: 'failed', error: 'a row needs a transcript (or media) path' };
    const content = await fs.readFile(row.transcriptPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read transcript ${row.meta.source}: ${err.code ?? err.message}`);
    });
    const out = await ingestTranscript(s, { meta: row.meta, fileName: row.given.transcript ?? row.transcriptPath, content });
    return { status: out.status, moments: out.moments };
  } catch (err) {
    s.log.debug({ err, line: row.line, id: row.meta.id }, 'manifest row failed');
    return { status: 'failed', error: asGiven(row, (err as Error).message) };
  }
}

/**
 * A row's error names its files as the manifest gives them: the resolved paths (under DATA_DIR/uploads for an
 * uploaded manifest) would tell whoever reads the job where the server keeps its files.
 */
function asGiven(row: ManifestRow, message: string): string {
  let out = message;
  for (const [resolved, given] of [
    [row.transcriptPath, row.given.transcript],
    [row.mediaPath, row.given.media],
  ] as const) {
    if (resolved && given && resolved !== given) out = out.split(resolved).join(given);
  }
  return out;
}

/**
 * A row with `media`: a file beside the manifest, or `s3://bucket/key` in the configured bucket (STORAGE=s3).
 * The file is checked (ffprobe), stored once under `media/<sha256>.<ext>` (so the recording page can play it)
 * and becomes the recording's `source` and `checksum`. With a `transcript` too, the transcript is indexed as it
 * is; without one, the media is transcribed (ingestMedia). Re-running the manifest stores and indexes nothing
 * new: the blob is already there and the content hash is unchanged.
 */
async function ingestMediaRow(s: Services, row: ManifestRow, media: string): Promise<RowOutcome> {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(media);
  let local: { path: string; release(): Promise<void> };
  let fromKey: string | null = null;
  if (s3) {
    if (s.blobs.kind !== 's3') throw new Error(`media ${media}: s3:// media needs STORAGE=s3 (this archive stores files under DATA_DIR)`);
    const bucket = (s.blobs as BlobStore & { bucket?: string }).bucket;
    if (bucket && s3[1] !== bucket) throw new Error(`media ${media}: the object is in bucket "${s3[1]}" but S3_BUCKET is "${bucket}"`);
    fromKey = s3[2];
    if (!(await s.blobs.stat(fromKey))) throw new Error(`media ${media}: no such object`);
    local = await s.blobs.localFile(fromKey);
  } else {
    await fs.stat(media).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read media ${row.meta.source}: ${err.code ?? err.message}`);
    });
    local = { path: media, release: async () => {} };
  }
  try {
    const info = await probeMedia(local.path).catch((err: Error) => {
      throw fromKey ? new Error(`media ${media}: ${err.message.replace(/^[^:]*: /, '')}`) : err;
    });
    checkDuration(info, s.cfg.MAX_MEDIA_HOURS * 3600);
    const sha256 = await sha256File(local.path);
    const key = mediaKey(sha256, MEDIA_EXTENSIONS.exec(media)?.[1] ?? 'bin');
    if (!(await s.blobs.stat(key))) {
      if (fromKey) await copyBlob(s.blobs, fromKey, key);
      else await s.blobs.put(key, createReadStream(local.path));
    }
    const meta = { ...row.meta, source: key };
    if (!row.transcriptPath) {
      const out = await ingestMedia(s, local.path, meta);
      return { status: out.status, moments: out.moments };
    }
    const content = await fs.readFile(row.transcriptPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read transcript ${row.given.transcript ?? row.transcriptPath}: ${err.code ?? err.message}`);
    });
    const out = await ingestTranscript(s, { meta, fileName: row.given.transcript ?? row.transcriptPath, content });
    // The transcript path does not know the media: record its sha256 (one recording per file).
    // A file that is already another recording's stays that one's: this row keeps its transcript, without it.
    await s.archive.setChecksum(meta.id, sha256).catch((err: unknown) => {
      if (!(err instanceof ChecksumTakenError)) throw err;
    });
    return { status: out.status, moments: out.moments };
  } finally {
    await local.release();
  }
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
