import { createQueue, type JobQueue } from '../../platform/index.js';
import { JobStore, type Services } from '../../archive/index.js';
import type { AsrEngine } from '../audio/asr/port.js';
import { registerManifestJobs, resumeManifestJobs } from './manifest.js';
import { MediaPipeline } from './pipeline.js';
import { Webhooks, type WebhookOptions } from './webhook.js';

/** The job table, the queue, and the pipeline that feeds it: what the API, the worker and the CLI share. */
export interface JobRuntime {
  jobs: JobStore;
  queue: JobQueue;
  /** The queue again, under the name older code and tests use (`runner.idle()`). */
  runner: JobQueue;
  pipeline: MediaPipeline;
  webhooks: Webhooks;
  /** Whether this process runs job handlers (otherwise it only enqueues). */
  consume: boolean;
  /** Starts handlers (when consuming) and resumes unfinished jobs found in Postgres. */
  start(): Promise<void>;
  /** Stops taking jobs, lets running ones finish, waits for webhook deliveries. */
  close(): Promise<void>;
}

export interface JobRuntimeOptions {
  /** Default: from config (JOB_QUEUE). */
  queue?: JobQueue;
  /** Default: in-process queue → yes; BullMQ → only when WORKERS_IN_API=on (the worker passes true). */
  consume?: boolean;
  /** Injected ASR engine factory (tests). */
  engine?: (name: string) => Promise<AsrEngine>;
  /** How often a BullMQ consumer re-checks Postgres for unfinished stages. Default 60 s. */
  sweepIntervalMs?: number;
  webhook?: WebhookOptions;
  /** Resume every unfinished job at start (default), none, or only this one (the CLI). */
  resume?: 'all' | 'none' | { jobId: string };
}

export function createJobRuntime(s: Services, o: JobRuntimeOptions = {}): JobRuntime {
  const queue = o.queue ?? createQueue(s.cfg, s.log);
  const consume = o.consume ?? (queue.kind === 'inprocess' || s.cfg.WORKERS_IN_API === 'on');
  const jobs = s.jobs;
  const webhooks = new Webhooks(s.cfg.WEBHOOK_URL, s.log, o.webhook);
  const pipeline = new MediaPipeline(s, queue, jobs, { webhooks, engine: o.engine });
  if (consume) {
    pipeline.register();
    registerManifestJobs(s, queue, jobs, webhooks, pipeline);
  }
  let closed = false;
  return {
    jobs,
    queue,
    runner: queue,
    pipeline,
    webhooks,
    consume,
    async start() {
      if (!consume) return;
      await queue.start();
      const resume = o.resume ?? 'all';
      if (resume === 'all') {
        const n = (await pipeline.resume()) + (await resumeManifestJobs(queue, jobs));
        if (n > 0) s.log.info({ jobs: n }, 'resumed unfinished jobs');
      } else if (resume !== 'none') {
        await pipeline.resume({ jobId: resume.jobId });
      }
      // Redis can lose entries (a flush, a failover): Postgres is checked again now and then.
      if (queue.kind === 'bullmq' && resume === 'all') pipeline.startSweeper(o.sweepIntervalMs ?? 60_000);
    },
    async close() {
      if (closed) return;
      closed = true;
      pipeline.stopSweeper();
      await queue.close();
      await webhooks.drain();
      await pipeline.close();
    },
  };
}

/**
 * The job graph run in this process, whatever JOB_QUEUE says: the CLI's ingests, which follow their jobs to
 * the end. Resumes nothing by itself: submitting the same media again resumes its unfinished job.
 */
export async function createLocalRuntime(s: Services, o: Pick<JobRuntimeOptions, 'engine'> = {}): Promise<JobRuntime> {
  const queue = createQueue({ ...s.cfg, JOB_QUEUE: 'inprocess' }, s.log);
  const rt = createJobRuntime(s, { queue, consume: true, resume: 'none', engine: o.engine });
  await rt.start();
  return rt;
}
