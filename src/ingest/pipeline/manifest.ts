import fs from 'node:fs/promises';
import path from 'node:path';
import { type JobQueue, UnrecoverableJobError } from '../../platform/index.js';
import type { JobStore, Services } from '../../archive/index.js';
import { countRow, ingestManifest, mediaRowOutcome, type BulkSummary } from '../bulk.js';
import type { MediaPipeline } from './pipeline.js';
import type { Webhooks } from './webhook.js';

export const MANIFEST_JOB_KIND = 'ingest-manifest';

/** Where an uploaded manifest and its transcripts were written (under DATA_DIR, which workers share). */
export interface ManifestJobData {
  jobId: string;
  manifestPath: string;
  dir: string;
}

export function enqueueManifestJob(queue: JobQueue, data: ManifestJobData, key = `${data.jobId}.manifest`) {
  return queue.enqueue<ManifestJobData>('manifest', data, { key });
}

/** The manifest job's result while its media rows are being transcribed. */
type Following = BulkSummary & { following: true };

/**
 * The manifest job. Its queue job ingests every row: transcripts at once, media rows by submitting their
 * media jobs. When media jobs are still running, the manifest job stays running with those rows in its result
 * (`pending`) and its queue job ends, so it holds no worker while they run (with one worker, waiting would
 * wait for ever). Each media job's end enqueues the manifest job again, which then only checks its pending
 * rows; the last one to end completes it. Re-running it after a crash is safe: rows already ingested are
 * 'unchanged', and media already submitted gives its running job back.
 */
export function registerManifestJobs(s: Services, queue: JobQueue, jobs: JobStore, webhooks: Webhooks, pipeline: MediaPipeline): void {
  /** Ends the job once (a compare-and-set: two checks that see the last row end at once complete it once). */
  const complete = async (jobId: string, dir: string, summary: BulkSummary): Promise<void> => {
    const { pending: _pending, following: _following, ...result } = summary as Partial<Following> & BulkSummary;
    const failed = summary.failed > 0 && summary.ingested + summary.unchanged === 0;
    const error = failed ? `every row failed: ${summary.failures.map((f) => `line ${f.line}: ${f.error}`).join('; ')}` : null;
    const won = await jobs.endOpen(jobId, failed ? 'failed' : 'succeeded', error, result);
    await fs.rm(dir, { recursive: true, force: true });
    if (!won) return;
    webhooks.deliver({ job: jobId, kind: MANIFEST_JOB_KIND, recording_id: null, status: failed ? 'failed' : 'succeeded', error, result: failed ? undefined : result });
  };

  /** Folds the media rows whose jobs ended into the summary; completes the job when none is left. */
  const settle = async (jobId: string, dir: string, state: Following, startedAt: number): Promise<void> => {
    const summary: BulkSummary = { ...state, failures: [...state.failures], pending: [] };
    let open = 0;
    for (const row of state.pending ?? []) {
      const outcome = mediaRowOutcome(await jobs.get(row.job), row);
      if (outcome) countRow(summary, row, outcome);
      else open++;
    }
    if (open > 0) {
      await jobs.update(jobId, { stage: 'transcribe', progress: Math.min(0.99, (summary.total - open) / Math.max(1, summary.total)) });
      return;
    }
    summary.failures.sort((a, b) => a.line - b.line);
    // The rows' time includes their transcription.
    summary.seconds = Math.max(summary.seconds, (Date.now() - startedAt) / 1000);
    await complete(jobId, dir, summary);
  };

  queue.handle<ManifestJobData>(
    'manifest',
    async (qj) => {
      const { jobId, manifestPath, dir } = qj.data;
      const job = await jobs.get(jobId);
      if (!job || job.status === 'succeeded' || job.status === 'failed') return { skipped: 'job finished' };
      const state = job.result as Following | null;
      if (job.status === 'running' && state?.following) {
        await settle(jobId, dir, state, Date.parse(job.createdAt));
        return { followed: true };
      }
      await jobs.update(jobId, { status: 'running', stage: 'ingest', attempt: true });
      let last = -1;
      const summary = await ingestManifest(s, manifestPath, {
        runtime: { jobs, pipeline },
        follow: 'submit',
        onEvent: (e) => {
          if (e.type !== 'row') return;
          // A row per percent is plenty for a progress bar.
          const pct = Math.floor((100 * e.done) / Math.max(1, e.total));
          if (pct === last) return;
          last = pct;
          void jobs.update(jobId, { stage: 'ingest', progress: e.done / Math.max(1, e.total) }).catch(() => {});
          void qj.progress({ jobId, stage: 'ingest', fraction: e.done / Math.max(1, e.total) });
        },
      });
      if (summary.pending?.length) {
        // The media is in the blob store now: the uploaded files are no longer needed.
        const following: Following = { ...summary, following: true };
        await jobs.update(jobId, { stage: 'transcribe', result: following });
        await fs.rm(dir, { recursive: true, force: true });
        // Media jobs that ended before the result above was written found no one to tell: checked here.
        await settle(jobId, dir, following, Date.parse(job.createdAt));
        return { submitted: summary.pending.length };
      }
      if (summary.failed > 0 && summary.ingested + summary.unchanged === 0) {
        throw new UnrecoverableJobError(`every row failed: ${summary.failures.map((f) => `line ${f.line}: ${f.error}`).join('; ')}`);
      }
      await complete(jobId, dir, summary);
      return { ingested: summary.ingested };
    },
    {
      onDead: async (qj, err) => {
        const { jobId, dir } = qj.data;
        // The job's error is shown to archivists and webhooks: the upload's files by their names, not where they were kept.
        const error = err.message.split(dir + path.sep).join('');
        await jobs.update(jobId, { status: 'failed', error });
        await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
        webhooks.deliver({ job: jobId, kind: MANIFEST_JOB_KIND, recording_id: null, status: 'failed', error });
      },
    },
  );

  // A media job that a manifest job follows has ended: that manifest job checks its rows (a key per media job,
  // so a check already queued or running never swallows this one).
  pipeline.onEnd(async (mediaJobId) => {
    const waiting = await jobs.waitingOn<Partial<ManifestJobData>>(MANIFEST_JOB_KIND, mediaJobId);
    for (const m of waiting) {
      if (!m.payload?.manifestPath || !m.payload.dir) continue;
      await enqueueManifestJob(queue, { jobId: m.id, manifestPath: m.payload.manifestPath, dir: m.payload.dir }, `${m.id}.manifest.${mediaJobId}`);
    }
  });
}

/** Re-enqueues manifest jobs that were queued or running when the process stopped (or that follow media jobs). */
export async function resumeManifestJobs(queue: JobQueue, jobs: JobStore): Promise<number> {
  let n = 0;
  for (const job of await jobs.list({ kind: MANIFEST_JOB_KIND, status: ['queued', 'running'], limit: 1000 })) {
    const p = job.payload as Partial<ManifestJobData> | null;
    if (!p?.manifestPath || !p.dir) continue;
    if ((await enqueueManifestJob(queue, { jobId: job.id, manifestPath: p.manifestPath, dir: p.dir })).added) n++;
  }
  return n;
}
