import type { Queryable } from './port.js';

/**
 * PGlite runs Postgres as a single-user backend, and a single-user backend has no checkpointer: nothing
 * checkpoints on its own, however much is written (max_wal_size and checkpoint_timeout are never acted on).
 * The WAL then grows without bound — 1.7 GB after 45K moments of a bulk ingest — and all of it would be
 * replayed after a crash. This does what the checkpointer would: every `intervalMs` it looks at how much WAL
 * was written since the last checkpoint's redo point and checkpoints when that passes `maxWalBytes`, or when
 * anything was written and `timeoutMs` has gone by. Postgres then recycles or removes the old segments.
 * A timer alone is not enough: PGlite answers synchronously, so a bulk ingest is one long chain of resolved
 * promises during which no timer fires. The database adapter therefore also calls `poll()` after each call.
 */
export interface CheckpointPolicy {
  intervalMs: number;
  maxWalBytes: number;
  timeoutMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { intervalMs: 15_000, maxWalBytes: 256 * 2 ** 20, timeoutMs: 5 * 60_000 };

// A checkpoint record and a few bytes of bookkeeping are written even when nothing else was.
const IDLE_WAL_BYTES = 64 * 1024;

export class WalCheckpointer {
  private timer: NodeJS.Timeout | undefined;
  private lastAt = Date.now();
  private lastPollAt = Date.now();
  private running: Promise<boolean> | undefined;
  private stopped = false;
  checkpoints = 0;

  constructor(
    private readonly db: Queryable,
    private readonly policy: CheckpointPolicy = DEFAULT_CHECKPOINT_POLICY,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.tick().catch(this.onError), this.policy.intervalMs);
    this.timer.unref();
    return this;
  }

  /** WAL bytes written since the last checkpoint began. */
  async pendingWalBytes(): Promise<number> {
    const [row] = await this.db.query<{ pending: string }>('SELECT (pg_current_wal_lsn() - redo_lsn)::text AS pending FROM pg_control_checkpoint()');
    return Number(row?.pending ?? 0);
  }

  /** After a database call: looks (at most every `intervalMs`) whether a checkpoint is due, and takes it. */
  async poll(): Promise<void> {
    if (this.stopped || Date.now() - this.lastPollAt < this.policy.intervalMs) return;
    this.lastPollAt = Date.now();
    await this.tick().catch(this.onError);
  }

  /** Checkpoints if due; resolves true when it did. */
  tick(): Promise<boolean> {
    this.running ??= this.checkpointIfDue().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkpointIfDue(): Promise<boolean> {
    const pending = await this.pendingWalBytes();
    const due = pending >= this.policy.maxWalBytes || (pending > IDLE_WAL_BYTES && Date.now() - this.lastAt >= this.policy.timeoutMs);
    if (!due) return false;
    await this.db.query('CHECKPOINT');
    this.lastAt = Date.now();
    this.checkpoints++;
    return true;
  }

  /** Waits for a checkpoint in progress; no new one starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }
}
