import { Queue, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage, inBackground, type Logger } from '../../core/index.js';
import {
  checkKey,
  UnrecoverableJobError,
  type DeadLetter,
  type EnqueueOptions,
  type EnqueueResult,
  type Handler,
  type HandlerOptions,
  type JobQueue,
  type QueueCounts,
  type QueueEvent,
  type QueueSettings,
} from './queue.js';

export interface BullMqOptions extends QueueSettings {
  url: string;
  /** Redis key prefix; every queue of a deployment (or a test) shares one. */
  prefix: string;
  /** Default `jobs`; the dead letters go to `<name>-dead`. */
  queueName?: string;
  /** Lock on a running job, renewed at half of it while the worker lives. Default 30 s. */
  lockMs?: number;
  /** How often a worker looks for stalled jobs (their lock expired: the worker holding them died). Default lockMs. */
  stalledIntervalMs?: number;
  /** Times a job may stall before it fails. Default 2. */
  maxStalledCount?: number;
  log: Logger;
}

const LIVE_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'paused', 'waiting-children']);

/**
 * BullMQ on Redis. The idempotent key is BullMQ's `jobId` (an add with a live job's id is ignored); retries use
 * BullMQ's exponential backoff; a job that failed its last attempt is removed from the queue and copied to the
 * `<name>-dead` queue, which no worker reads. A worker that dies mid-job leaves the job `active` with a lock
 * that is no longer renewed: another worker's stalled check moves it back to waiting once the lock expires.
 */
export class BullMqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly conn: Redis;
  private workerConn: Redis | null = null;
  private readonly queue: Queue;
  private readonly dlq: Queue;
  private worker: Worker | null = null;
  private readonly handlers = new Map<string, { fn: Handler<unknown>; opts: HandlerOptions<unknown> }>();
  private readonly listeners = new Set<(e: QueueEvent) => void>();
  /** Keys between their final failure and the end of their dead-letter handling. */
  private readonly dying = new Set<string>();
  private readonly pendingDead = new Set<Promise<void>>();
  private closed = false;
  readonly name: string;

  constructor(private readonly o: BullMqOptions) {
    this.name = o.queueName ?? 'jobs';
    this.conn = redis(o.url, o.log);
    this.queue = new Queue(this.name, { connection: this.conn, prefix: o.prefix });
    this.dlq = new Queue(`${this.name}-dead`, { connection: this.conn, prefix: o.prefix });
    this.queue.on('error', (err) => o.log.warn({ err: err.message }, 'job queue: redis error'));
    this.dlq.on('error', (err) => o.log.warn({ err: err.message }, 'dead-letter queue: redis error'));
  }

  get consuming(): boolean {
    return this.worker !== null && !this.closed;
  }

  handle<T>(name: string, handler: Handler<T>, opts: HandlerOptions<T> = {}): void {
    this.handlers.set(name, { fn: handler as Handler<unknown>, opts: opts as HandlerOptions<unknown> });
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    if (this.worker) return;
    const lockMs = this.o.lockMs ?? 30_000;
    this.workerConn = redis(this.o.url, this.o.log);
    const worker = new Worker(this.name, (job) => this.process(job), {
      connection: this.workerConn,
      prefix: this.o.prefix,
      concurrency: this.o.concurrency,
      lockDuration: lockMs,
      stalledInterval: this.o.stalledIntervalMs ?? lockMs,
      maxStalledCount: this.o.maxStalledCount ?? 2,
      autorun: false,
    });
    worker.on('error', (err) => this.o.log.warn({ err: err.message }, 'job worker: error'));
    worker.on('active', (job) => this.emit({ type: 'active', name: job.name, key: job.id!, attempt: job.attemptsMade + 1 }));
    worker.on('progress', (job, progress) => this.emit({ type: 'progress', name: job.name, key: job.id!, progress }));
    worker.on('completed', (job, result) => this.emit({ type: 'completed', name: job.name, key: job.id!, result }));
    worker.on('stalled', (key) => {
      this.o.log.warn({ key }, 'job stalled (its worker stopped renewing the lock): back to waiting');
      this.emit({ type: 'stalled', key });
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      if (!job.finishedOn) {
        const delayMs = job.delay ?? 0;
        this.o.log.warn({ key: job.id, name: job.name, attempt: job.attemptsMade, delayMs, err: err.message }, 'job failed; retrying');
        this.emit({ type: 'retry', name: job.name, key: job.id!, attempt: job.attemptsMade, error: err.message, delayMs });
        return;
      }
      const p = this.deadLetter(job, err).finally(() => this.pendingDead.delete(p));
      this.pendingDead.add(p);
    });
    this.worker = worker;
    void worker.run().catch((err: unknown) => this.o.log.error({ err: errorMessage(err) }, 'job worker stopped'));
    await worker.waitUntilReady();
  }

  private async process(job: BullJob): Promise<unknown> {
    const h = this.handlers.get(job.name);
    if (!h) throw new UnrecoverableError(`no handler for jobs named "${job.name}"`);
    try {
      // Jobs are background work: a search served by this process goes first (src/core/lane.ts).
      return await inBackground(() => h.fn({
        key: job.id!,
        name: job.name,
        data: job.data,
        attempt: job.attemptsMade + 1,
        attempts: job.opts.attempts ?? 1,
        progress: (value) => job.updateProgress(value as object),
      }));
    } catch (err) {
      if (err instanceof UnrecoverableJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  private async deadLetter(job: BullJob, err: Error): Promise<void> {
    const key = job.id!;
    this.dying.add(key);
    try {
      this.o.log.error({ key, name: job.name, attempts: job.attemptsMade, err: err.message }, 'job failed for good: dead letter');
      const letter: DeadLetter = { key, name: job.name, data: job.data, error: err.message, attempts: job.attemptsMade, failedAt: new Date().toISOString() };
      await this.dlq.add(job.name, letter, { jobId: `${key}@${Date.now()}`, removeOnComplete: true }).catch((e: unknown) => {
        this.o.log.error({ key, err: errorMessage(e) }, 'could not write the dead letter');
      });
      this.emit({ type: 'dead', name: job.name, key, attempts: job.attemptsMade, error: err.message });
      const h = this.handlers.get(job.name);
      await h?.opts.onDead?.({ key, name: job.name, data: job.data, attempts: job.attemptsMade }, err).catch((e: unknown) => {
        this.o.log.error({ key, err: errorMessage(e) }, 'dead-letter handler failed');
      });
    } finally {
      this.dying.delete(key);
    }
  }

  async enqueue<T>(name: string, data: T, opts: EnqueueOptions): Promise<EnqueueResult> {
    const key = checkKey(opts.key);
    if (this.closed) throw new Error('queue is closed');
    if (this.dying.has(key)) return { key, added: false };
    const existing = await this.queue.getJob(key);
    if (existing) {
      const state = await existing.getState();
      if (LIVE_STATES.has(state)) return { key, added: false };
      // A finished job kept by an older configuration: clear it so the key can run again.
      await existing.remove().catch(() => {});
    }
    await this.queue.add(name, data, {
      jobId: key,
      attempts: Math.max(1, opts.attempts ?? this.o.attempts),
      backoff: { type: 'exponential', delay: opts.backoffMs ?? this.o.backoffMs },
      // Finished jobs leave Redis: Postgres keeps the record, and the key is free for a deliberate re-run.
      removeOnComplete: true,
      removeOnFail: true,
    });
    return { key, added: true };
  }

  on(listener: (e: QueueEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const jobs = await this.dlq.getJobs(['waiting', 'prioritized'], 0, Math.max(0, limit - 1), false);
    return jobs.filter(Boolean).map((j) => j.data as DeadLetter);
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), delayed: c.delayed ?? 0, active: c.active ?? 0 };
  }

  async idle(): Promise<void> {
    for (;;) {
      const c = await this.counts();
      if (c.waiting + c.delayed + c.active === 0 && this.pendingDead.size === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Deletes every key of this queue and its dead letters (tests; works after close). */
  async obliterate(): Promise<void> {
    const conn = redis(this.o.url, this.o.log);
    try {
      for (const name of [this.name, `${this.name}-dead`]) {
        const q = new Queue(name, { connection: conn, prefix: this.o.prefix });
        await q.obliterate({ force: true });
        await q.close();
      }
    } finally {
      await conn.quit().catch(() => conn.disconnect());
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Waits for running jobs to finish; jobs still waiting stay in Redis for the next worker.
    await this.worker?.close();
    while (this.pendingDead.size > 0) await Promise.allSettled([...this.pendingDead]);
    await this.queue.close();
    await this.dlq.close();
    await Promise.all([this.conn, this.workerConn].map((c) => c?.quit().catch(() => c.disconnect())));
  }

  private emit(e: QueueEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.log.warn({ err }, 'queue event listener failed');
      }
    }
  }
}

function redis(url: string, log: Logger): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest: null (retry for ever rather than fail a command).
  const r = new Redis(url, { maxRetriesPerRequest: null });
  r.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));
  return r;
}
