/**
 * `npm run worker`: runs job handlers only (no HTTP), taking jobs from the BullMQ queue on REDIS_URL that the
 * API enqueues to. Start as many as the machine (or cluster) has room for; they share the work. On start, and
 * every minute, unfinished stages recorded in Postgres are re-enqueued, so work survives a killed worker or a
 * lost Redis. SIGTERM stops taking jobs and lets running ones finish.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, createLogger, onShutdown } from '../core/index.js';
import { openServices } from './services.js';
import { createJobRuntime } from '../ingest/index.js';

/** Touched every 10 s while the worker runs. */
export const WORKER_HEARTBEAT = path.join(os.tmpdir(), 'speech-archive-worker.alive');

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger(cfg.LOG_LEVEL);
  if (cfg.JOB_QUEUE !== 'bullmq') {
    throw new Error('npm run worker needs JOB_QUEUE=bullmq and REDIS_URL: with the in-process queue (the default) the API runs jobs itself');
  }
  const s = await openServices(cfg, { logger: log });
  const runtime = createJobRuntime(s, { consume: true, sweepIntervalMs: cfg.JOB_SWEEP_MS });
  await runtime.start();
  log.info({ queue: runtime.queue.kind, prefix: cfg.JOB_QUEUE_PREFIX, pid: process.pid }, 'worker started');
  // A worker has no HTTP port; its health check (Dockerfile, compose) reads how recently this file was touched.
  const beat = () => fs.promises.writeFile(WORKER_HEARTBEAT, `${process.pid}\n`).catch((err: unknown) => log.warn({ err }, 'heartbeat not written'));
  void beat();
  const heartbeat = setInterval(beat, 10_000);
  heartbeat.unref();
  onShutdown(async () => {
    clearInterval(heartbeat);
    await runtime.close();
    await s.close();
  }, log, cfg.WORKER_GRACE_MS);
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
