import type { Logger } from '../log.js';
import type { JobStore } from './store.js';

export interface JobContext {
  progress(stage: string, fraction: number): Promise<void>;
}

/**
 * Runs jobs inside this process, one after another per runner: the embedded default, with no broker.
 * State goes to the JobStore as it changes, so the API can report it.
 */
export class InProcessRunner {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly jobs: JobStore,
    private readonly log: Logger,
  ) {}

  enqueue(jobId: string, work: (ctx: JobContext) => Promise<unknown>): void {
    this.pending++;
    this.chain = this.chain.then(async () => {
      let last = 0;
      const ctx: JobContext = {
        progress: async (stage, fraction) => {
          // Progress writes are throttled: a row per percent is plenty for a progress bar.
          const pct = Math.round(fraction * 100);
          if (pct === last && fraction < 1) return;
          last = pct;
          await this.jobs.update(jobId, { stage, progress: fraction });
        },
      };
      try {
        await this.jobs.update(jobId, { status: 'running', attempt: true });
        const result = await work(ctx);
        await this.jobs.update(jobId, { status: 'succeeded', progress: 1, result: result ?? null });
      } catch (err) {
        this.log.warn({ err, jobId }, 'job failed');
        await this.jobs.update(jobId, { status: 'failed', error: (err as Error).message }).catch(() => {});
      } finally {
        this.pending--;
      }
    });
  }

  /** Resolves when every job enqueued so far has finished. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }
}
