import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { type Job, type Services, ChecksumTakenError } from '../archive/index.js';
import type { BlobStore } from '../platform/index.js';
import { checkDuration, probeMedia } from './audio/decode.js';
import { storeMedia } from './media.js';
import { readManifest, type ManifestProblem, type ManifestRow } from './manifest.js';
import type { JobRuntime } from './pipeline/runtime.js';
import { submitMedia, type SubmitRuntime } from './pipeline/submit.js';
import { ingestTranscript } from './transcript.js';

export interface BulkSummary {
  total: number;
  ingested: number;
  unchanged: number;
  failed: number;
  moments: number;
  failures: ManifestProblem[];
  seconds: number;
  /** Media rows whose jobs were submitted and not yet finished (only with `follow: 'submit'`). */
  pending?: PendingMediaRow[];
}

/** A media row being transcribed: its media job, to follow until it ends. */
export interface PendingMediaRow {
  line: number;
  id: string;
  job: string;
  /** The blob key's file name and the media as the manifest gives it: the job's errors name the latter. */
  stored: string;
  given: string;
}

export interface BulkOptions {
  concurrency?: number;
  onEvent?: (e: BulkEvent) => void;
  /** Where media rows' jobs go. Default: a job graph run in this process for the duration of the ingest. */
  runtime?: SubmitRuntime;
  /**
   * 'wait' (default): a media row is reported when its job ends. 'submit': media rows whose jobs are still
   * running are listed in `pending`, for a caller that follows the jobs without holding a worker (the
   * manifest job).
   */
  follow?: 'wait' | 'submit';
}

export type BulkEvent =
  | { type: 'start'; total: number }
  | { type: 'row'; line: number; id: string; status: 'ingested' | 'unchanged' | 'failed'; error?: string; done: number; total: number };

/**
 * Ingests every row of a manifest. Rows run a few at a time so the embedding workers stay busy while
 * another row is being written; a failing row is reported and the others carry on. A row with media and no
 * transcript goes through the media job graph (ingest/pipeline/), as an upload does, and is reported when its
 * job ends (or, with `follow: 'submit'`, listed as pending).
 */
export async function ingestManifest(s: Services, manifestPath: string, opts: BulkOptions = {}): Promise<BulkSummary> {
  const t0 = performance.now();
  const { rows, problems } = readManifest(manifestPath, { roots: s.cfg.MEDIA_ROOTS ?? [] });
  const total = rows.length + problems.length;
  const summary: BulkSummary = { total, ingested: 0, unchanged: 0, failed: problems.length, moments: 0, failures: [...problems], seconds: 0 };
  if (opts.follow === 'submit') summary.pending = [];
  let done = problems.length;
  opts.onEvent?.({ type: 'start', total });
  for (const p of problems) opts.onEvent?.({ type: 'row', line: p.line, id: p.id ?? '?', status: 'failed', error: p.error, done, total });
  const limit = pLimit(opts.concurrency ?? Math.max(2, s.cfg.EMBED_WORKERS + 1));
  // The job graph of this process, made when the first media row needs it.
  const local: { rt?: Promise<JobRuntime> } = {};
  const runtime = async (): Promise<SubmitRuntime> => {
    if (opts.runtime) return opts.runtime;
    // Imported here: the runtime's manifest jobs import this module.
    local.rt ??= import('./pipeline/runtime.js').then((m) => m.createLocalRuntime(s));
    return local.rt;
  };
  const report = (row: ManifestRow, outcome: RowOutcome) => {
    done++;
    countRow(summary, { line: row.line, id: row.meta.id }, outcome);
    opts.onEvent?.({ type: 'row', line: row.line, id: row.meta.id, status: outcome.status, error: outcome.status === 'failed' ? outcome.error : undefined, done, total });
  };
  // Followed here, a few recordings are transcribed at a time: each job's decoded audio waits in the blob store
  // until its ASR is done, so submitting every row at once would hold all of it at the same time.
  const inFlight = opts.follow === 'submit' ? null : pLimit(s.cfg.JOB_CONCURRENCY ?? os.availableParallelism());
  const transcribed = (row: ManifestRow) => row.mediaPath !== undefined && row.transcriptPath === undefined;
  try {
    await Promise.all(rows.map((row) => (inFlight && transcribed(row) ? inFlight(() => ingestOne(row)) : ingestOne(row))));
  } finally {
    if (local.rt) await (await local.rt.catch(() => null))?.close();
  }
  summary.failures.sort((a, b) => a.line - b.line);
  summary.pending?.sort((a, b) => a.line - b.line);
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;

  async function ingestOne(row: ManifestRow): Promise<void> {
    const outcome = await limit(() => ingestRow(s, row, runtime));
    if (!('job' in outcome)) return report(row, outcome);
    const pending: PendingMediaRow = { line: row.line, id: row.meta.id, job: outcome.job.id, stored: outcome.stored, given: row.given.media ?? row.meta.source ?? '' };
    const settled = mediaRowOutcome(outcome.job, pending);
    if (settled) return report(row, settled);
    if (summary.pending) return void summary.pending.push(pending);
    const rt = await runtime();
    report(row, await waitForMediaRow(rt, pending));
  }
}

type RowOutcome = { status: 'ingested' | 'unchanged'; moments: number } | { status: 'failed'; error: string };

/** Adds a row's outcome to the summary's counts. */
export function countRow(summary: BulkSummary, row: { line: number; id: string }, outcome: RowOutcome): void {
  if (outcome.status === 'failed') {
    summary.failed++;
    summary.failures.push({ line: row.line, id: row.id, error: outcome.error });
  } else {
    summary[outcome.status]++;
    if (outcome.status === 'ingested') summary.moments += outcome.moments;
  }
}

/** A media row's outcome from its job, or null while the job runs. */
export function mediaRowOutcome(job: Job | null, row: PendingMediaRow): RowOutcome | null {
  if (!job) return { status: 'failed', error: `media ${row.given}: its job ${row.job} is gone` };
  if (job.status === 'queued' || job.status === 'running') return null;
  if (job.status === 'failed') {
    // The stages read the stored copy: its errors name the file as the manifest does.
    const error = (job.error ?? 'media job failed').split(row.stored).join(path.basename(row.given));
    return { status: 'failed', error: `media ${row.given}: ${error}` };
  }
  const r = (job.result ?? {}) as { status?: string; moments?: number };
  return { status: r.status === 'unchanged' ? 'unchanged' : 'ingested', moments: r.moments ?? 0 };
}

async function waitForMediaRow(rt: SubmitRuntime, row: PendingMediaRow, pollMs = 250): Promise<RowOutcome> {
  for (;;) {
    const outcome = mediaRowOutcome(await rt.jobs.get(row.job), row);
    if (outcome) return outcome;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

type Submitted = { job: Job; stored: string };

async function ingestRow(s: Services, row: ManifestRow, runtime: () => Promise<SubmitRuntime>): Promise<RowOutcome | Submitted> {
  try {
    if (row.mediaPath) return await ingestMediaRow(s, row, row.mediaPath, runtime);
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
 * is; without one, the stored media gets a job of the media job graph, as an upload does (submitMedia).
 * Re-running the manifest stores and indexes nothing new: the blob is already there and the content hash is
 * unchanged.
 */
async function ingestMediaRow(s: Services, row: ManifestRow, media: string, runtime: () => Promise<SubmitRuntime>): Promise<RowOutcome | Submitted> {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(media);
  let local: { path: string; release(): Promise<void> };
  let fromKey: string | undefined;
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
    const { key, sha256 } = await storeMedia(s, local.path, { name: media, fromKey });
    const meta = { ...row.meta, source: key };
    if (!row.transcriptPath) {
      const job = await submitMedia(s, await runtime(), { source: { blobKey: key }, meta, sha256 });
      return { job, stored: path.posix.basename(key) };
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
