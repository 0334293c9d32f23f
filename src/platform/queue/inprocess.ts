import { errorMessage, inBackground, type Logger } from '../../core/index.js';
import {
  backoffDelay,
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

interface Entry {
  key: string;
  name: string;
  data: unknown;
  attempts: number;
  backoffMs: number;
  /** Attempts made so far. */
  made: number;
  state: 'waiting' | 'delayed' | 'active';
  timer?: NodeJS.Timeout;
}

/**
 * The embedded queue: jobs live in this process's memory and run here, up to `concurrency` at once. Nothing
 * survives the process, which is fine because nothing durable lives in a queue (see queue.ts): after a restart
 * the owner of the work (src/ingest/pipeline) re-enqueues what Postgres says is unfinished.
 */
export class InProcessQueue implements JobQueue {
  readonly kind = 'inprocess' as const;
  private readonly handlers = new Map<string, { fn: Handler<unknown>; opts: HandlerOptions<unknown> }>();
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private readonly listeners = new Set<(e: QueueEvent) => void>();
  private readonly dead: DeadLetter[] = [];
  private readonly running = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private active = 0;
  private started = false;
  private closed = false;

  constructor(
    private readonly settings: QueueSettings,
    private readonly log: Logger,
  ) {}

  get consuming(): boolean {
    return this.started && !this.closed;
  }

  handle<T>(name: string, handler: Handler<T>, opts: HandlerOptions<T> = {}): void {
    this.handlers.set(name, { fn: handler as Handler<unknown>, opts: opts as HandlerOptions<unknown> });
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    this.started = true;
    this.pump();
  }

  async enqueue<T>(name: string, data: T, opts: EnqueueOptions): Promise<EnqueueResult> {
    const key = checkKey(opts.key);
    if (this.closed) throw new Error('queue is closed');
    if (this.entries.has(key)) return { key, added: false };
    const e: Entry = {
      key,
      name,
      // A copy, as a broker would make: handlers never share objects with whoever enqueued.
      data: data === undefined ? undefined : JSON.parse(JSON.stringify(data)),
      attempts: Math.max(1, opts.attempts ?? this.settings.attempts),
      backoffMs: opts.backoffMs ?? this.settings.backoffMs,
      made: 0,
      state: 'waiting',
    };
    this.entries.set(key, e);
    this.waiting.push(e);
    queueMicrotask(() => this.pump());
    return { key, added: true };
  }

  on(listener: (e: QueueEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    return this.dead.slice(-limit).reverse();
  }

  async counts(): Promise<QueueCounts> {
    let delayed = 0;
    for (const e of this.entries.values()) if (e.state === 'delayed') delayed++;
    return { waiting: this.waiting.length, delayed, active: this.active };
  }

  idle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    this.waiting.length = 0;
    this.entries.clear();
    this.settle();
  }

  private emit(e: QueueEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err }, 'queue event listener failed');
      }
    }
  }

  private settle(): void {
    if (this.entries.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (this.started && !this.closed && this.active < this.settings.concurrency && this.waiting.length > 0) {
      const e = this.waiting.shift()!;
      this.active++;
      e.state = 'active';
      const p = this.run(e).finally(() => {
        this.active--;
        this.running.delete(p);
        this.pump();
        this.settle();
      });
      this.running.add(p);
    }
  }

  private async run(e: Entry): Promise<void> {
    e.made++;
    this.emit({ type: 'active', name: e.name, key: e.key, attempt: e.made });
    const h = this.handlers.get(e.name);
    try {
      if (!h) throw new UnrecoverableJobError(`no handler for jobs named "${e.name}"`);
      // Jobs are background work: the searches this process serves go first (src/core/lane.ts).
      const result = await inBackground(() => h.fn({
        key: e.key,
        name: e.name,
        data: e.data,
        attempt: e.made,
        attempts: e.attempts,
        progress: async (value) => this.emit({ type: 'progress', name: e.name, key: e.key, progress: value }),
      }));
      this.entries.delete(e.key);
      this.emit({ type: 'completed', name: e.name, key: e.key, result });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (!(error instanceof UnrecoverableJobError) && e.made < e.attempts && !this.closed) {
        const delayMs = backoffDelay(e.backoffMs, e.made);
        this.log.warn({ key: e.key, name: e.name, attempt: e.made, delayMs, err: error.message }, 'job failed; retrying');
        this.emit({ type: 'retry', name: e.name, key: e.key, attempt: e.made, error: error.message, delayMs });
        e.state = 'delayed';
        e.timer = setTimeout(() => {
          e.timer = undefined;
          if (this.closed) return;
          e.state = 'waiting';
          this.waiting.push(e);
          this.pump();
        }, delayMs);
        e.timer.unref?.();
        return;
      }
      if (this.closed && !(error instanceof UnrecoverableJobError) && e.made < e.attempts) return;
      this.log.error({ key: e.key, name: e.name, attempts: e.made, err: error.message }, 'job failed for good: dead letter');
      this.dead.push({ key: e.key, name: e.name, data: e.data, error: error.message, attempts: e.made, failedAt: new Date().toISOString() });
      if (this.dead.length > 1000) this.dead.shift();
      this.emit({ type: 'dead', name: e.name, key: e.key, attempts: e.made, error: error.message });
      try {
        await h?.opts.onDead?.({ key: e.key, name: e.name, data: e.data, attempts: e.made }, error);
      } catch (deadErr) {
        this.log.error({ key: e.key, err: errorMessage(deadErr) }, 'dead-letter handler failed');
      }
      this.entries.delete(e.key);
    }
  }
}
