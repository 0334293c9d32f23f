/**
 * The job queue port: named jobs with idempotent keys, handlers per name, retries with exponential backoff,
 * a dead letter after the last failed attempt, bounded concurrency and progress events.
 *
 * Two adapters: `inprocess.ts` (the embedded default: a queue in memory, no broker) and `bullmq.ts` (Redis,
 * shared by separate worker processes, with stalled-job recovery). Both pass test/jobs/contract.ts.
 *
 * Delivery is at least once: a handler can run again after a crash, so handlers must be idempotent. Durable
 * state (what has been done) belongs in Postgres, never only in the queue: a queue entry is a reminder to do
 * work, and losing one must only cost a re-enqueue (see src/ingest/pipeline/, which resumes from Postgres).
 */
export interface EnqueueOptions {
  /**
   * The idempotent key. While a job with this key is waiting, delayed (between retries) or running, enqueueing
   * the key again is a no-op (`added: false`). After it completed or went to the dead letters the key is free.
   * Keys may hold letters, digits and `._-/@` (no `:`), and are not all digits.
   */
  key: string;
  /** Attempts before the job is a dead letter (default: the queue's). */
  attempts?: number;
  /** First retry delay in ms; attempt n+1 waits backoffMs · 2^(n-1) (default: the queue's). */
  backoffMs?: number;
}

export interface EnqueueResult {
  key: string;
  added: boolean;
}

export interface QueueJob<T = unknown> {
  key: string;
  name: string;
  data: T;
  /** This attempt, from 1. */
  attempt: number;
  /** Attempts allowed in all. */
  attempts: number;
  /** Reports progress (anything JSON): a `progress` event where the handler runs. */
  progress(value: unknown): Promise<void>;
}

export type Handler<T = unknown> = (job: QueueJob<T>) => Promise<unknown>;

export interface DeadLetter {
  key: string;
  name: string;
  data: unknown;
  error: string;
  attempts: number;
  failedAt: string;
}

export interface HandlerOptions<T = unknown> {
  /**
   * Called once when the job has failed for good (after its last attempt, or at once for an
   * UnrecoverableJobError), after it was added to the dead letters. Errors thrown here are logged.
   */
  onDead?(job: { key: string; name: string; data: T; attempts: number }, error: Error): Promise<void>;
}

export type QueueEvent =
  | { type: 'active'; name: string; key: string; attempt: number }
  | { type: 'progress'; name: string; key: string; progress: unknown }
  | { type: 'completed'; name: string; key: string; result: unknown }
  | { type: 'retry'; name: string; key: string; attempt: number; error: string; delayMs: number }
  | { type: 'dead'; name: string; key: string; attempts: number; error: string }
  | { type: 'stalled'; key: string };

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
}

export interface JobQueue {
  readonly kind: 'inprocess' | 'bullmq';
  /** Registers the handler for jobs named `name` (before `start`). */
  handle<T>(name: string, handler: Handler<T>, opts?: HandlerOptions<T>): void;
  /** Starts running handlers in this process. A producer-only process (the API with BullMQ) never calls it. */
  start(): Promise<void>;
  readonly consuming: boolean;
  enqueue<T>(name: string, data: T, opts: EnqueueOptions): Promise<EnqueueResult>;
  /** Events of the jobs this process runs. Returns an unsubscribe function. */
  on(listener: (e: QueueEvent) => void): () => void;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  counts(): Promise<QueueCounts>;
  /** Resolves when nothing is waiting, delayed or running (tests, the CLI). */
  idle(): Promise<void>;
  /** Stops taking jobs, lets running ones finish, and releases connections. */
  close(): Promise<void>;
}

/** Thrown by a handler when retrying cannot help (bad input): the job goes to the dead letters at once. */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableJobError';
  }
}

export interface QueueSettings {
  attempts: number;
  backoffMs: number;
  concurrency: number;
}

export const backoffDelay = (backoffMs: number, attemptsMade: number) => Math.round(backoffMs * 2 ** Math.max(0, attemptsMade - 1));

export function checkKey(key: string): string {
  // BullMQ takes the key as its job id, which may not contain ':' nor be an integer.
  if (!/^[A-Za-z0-9._\-/@]{1,200}$/.test(key) || /^\d+$/.test(key)) throw new Error(`job key "${key}": use 1-200 letters, digits or ._-/@, not only digits`);
  return key;
}

