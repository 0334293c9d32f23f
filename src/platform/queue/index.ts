import os from 'node:os';
import type { Config, Logger } from '../../core/index.js';
import { BullMqQueue } from './bullmq.js';
import { InProcessQueue } from './inprocess.js';
import type { JobQueue } from './queue.js';

export type { JobQueue } from './queue.js';

/** The queue JOB_QUEUE names, with JOB_ATTEMPTS, JOB_BACKOFF_MS, JOB_CONCURRENCY and (BullMQ) REDIS_URL, JOB_LOCK_MS. */
export function createQueue(cfg: Config, log: Logger, overrides: { concurrency?: number } = {}): JobQueue {
  const settings = {
    attempts: cfg.JOB_ATTEMPTS,
    backoffMs: cfg.JOB_BACKOFF_MS,
    concurrency: overrides.concurrency ?? cfg.JOB_CONCURRENCY ?? os.availableParallelism(),
  };
  if (cfg.JOB_QUEUE === 'bullmq') {
    return new BullMqQueue({ ...settings, url: cfg.REDIS_URL!, prefix: cfg.JOB_QUEUE_PREFIX, lockMs: cfg.JOB_LOCK_MS, log });
  }
  return new InProcessQueue(settings, log);
}
