import { currentLane, queryWorkRunning } from '../../core/index.js';

/**
 * Query-time first on a single connection (embedded PGlite). PGlite runs one statement at a time, first come
 * first served, so a search issuing its statements one after another would wait behind every statement an
 * ingest has queued meanwhile. Here a background call (src/core/lane.ts) starts only once no query-time work is in
 * flight (a search from its request's arrival to its answer, src/core/lane.ts asQueryWork, or any query-time
 * statement) and no query-time statement has finished for `quietMs`, so a search waits at most for the one
 * background statement already running; background writers keep their statements short for that reason
 * (src/indexes/vector/pgvector.ts). `maxWaitMs` bounds how long background work defers to a steady stream of
 * queries, so an ingest still moves under load.
 *
 * Every background statement first yields to the event loop. PGlite runs a statement synchronously and
 * resolves its promise as a microtask, so an ingest awaiting one statement after another would otherwise never
 * give the event loop a turn: no request would be read, and no timer run, until the ingest next waited on I/O
 * (seconds of writes for a long recording).
 */
export class LaneGate {
  private active = 0;
  private lastEnd = 0;

  constructor(private readonly opts: { quietMs: number; maxWaitMs: number } = { quietMs: 15, maxWaitMs: 1000 }) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (currentLane() === 'background') {
      await this.backgroundTurn();
      return fn();
    }
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.lastEnd = performance.now();
    }
  }

  private async backgroundTurn(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const deadline = performance.now() + this.opts.maxWaitMs;
    for (;;) {
      const now = performance.now();
      const quietFor = now - this.lastEnd;
      const busy = this.active > 0 || queryWorkRunning() > 0;
      if ((!busy && quietFor >= this.opts.quietMs) || now >= deadline) return;
      const wait = busy ? this.opts.quietMs : this.opts.quietMs - quietFor;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(wait, deadline - now))));
    }
  }
}
