import fs from 'node:fs/promises';
import path from 'node:path';
import type { JobQueue } from '../../src/jobs/queue.js';
import { UnrecoverableJobError } from '../../src/jobs/queue.js';
import type { JobStore } from '../../src/jobs/store.js';
import type { Services } from '../../src/services.js';
import { ingestManifest } from '../bulk.js';
import type { Webhooks } from './webhook.js';

export const MANIFEST_JOB_KIND = 'ingest-manifest';

/** Where an uploaded manifest and its transcripts were written (under DATA_DIR, which workers share). */
export interface ManifestJobData {
  jobId: string;
  manifestPath: string;
  dir: string;
}

export function enqueueManifestJob(queue: JobQueue, data: ManifestJobData) {
  return queue.enqueue<ManifestJobData>('manifest', data, { key: `${data.jobId}.manifest` });
}

/**
 * The manifest job: one queue job that ingests every row. Re-running it after a crash is safe, since rows
 * already ingested are 'unchanged' (bulk ingest is idempotent).
 */
export function registerManifestJobs(s: Services, queue: JobQueue, jobs: JobStore, webhooks: Webhooks): void {
  queue.handle<ManifestJobData>(
    'manifest',
    async (qj) => {
      const { jobId, manifestPath, dir } = qj.data;
      const job = await jobs.get(jobId);
      if (!job || job.status === 'succeeded' || job.status === 'failed') return { skipped: 'job finished' };
      await jobs.update(jobId, { status: 'running', stage: 'ingest', attempt: true });
      let last = -1;
      const summary = await ingestManifest(s, manifestPath, {
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
      if (summary.failed > 0 && summary.ingested + summary.unchanged === 0) {
        throw new UnrecoverableJobError(`every row failed: ${summary.failures.map((f) => `line ${f.line}: ${f.error}`).join('; ')}`);
      }
      await jobs.update(jobId, { status: 'succeeded', progress: 1, result: summary });
      await fs.rm(dir, { recursive: true, force: true });
      webhooks.deliver({ job: jobId, kind: MANIFEST_JOB_KIND, recording_id: null, status: 'succeeded', error: null, result: summary });
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
}

/** Re-enqueues manifest jobs that were queued or running when the process stopped. */
export async function resumeManifestJobs(queue: JobQueue, jobs: JobStore): Promise<number> {
  let n = 0;
  for (const job of await jobs.list({ kind: MANIFEST_JOB_KIND, status: ['queued', 'running'], limit: 1000 })) {
    const p = job.payload as Partial<ManifestJobData> | null;
    if (!p?.manifestPath || !p.dir) continue;
    if ((await enqueueManifestJob(queue, { jobId: job.id, manifestPath: p.manifestPath, dir: p.dir })).added) n++;
  }
  return n;
}
