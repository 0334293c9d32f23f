/** The job queue contract: every adapter of src/platform/queue/queue.ts passes it (inprocess.test.ts, bullmq.test.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { UnrecoverableJobError, type JobQueue, type QueueEvent, type QueueSettings } from '../../src/platform/queue/queue.js';

export type MakeQueue = (settings: QueueSettings) => Promise<JobQueue & { obliterate?(): Promise<void> }>;

export async function waitFor<T>(f: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function queueContract(label: string, make: MakeQueue): void {
  describe(`job queue contract: ${label}`, () => {
    const open: (JobQueue & { obliterate?(): Promise<void> })[] = [];
    const queue = async (s: Partial<QueueSettings> = {}) => {
      const q = await make({ attempts: 3, backoffMs: 20, concurrency: 2, ...s });
      open.push(q);
      return q;
    };
    afterEach(async () => {
      for (const q of open.splice(0)) {
        await q.close();
        await q.obliterate?.();
      }
    });

    it('dedupes an idempotent key while its job is waiting or running, and frees it once done', async () => {
      const q = await queue();
      let runs = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      q.handle<{ n: number }>('slow', async (job) => {
        runs++;
        await gate;
        return job.data.n * 2;
      });
      const done: QueueEvent[] = [];
      q.on((e) => e.type === 'completed' && done.push(e));
      expect(await q.enqueue('slow', { n: 1 }, { key: 'rec-1.decode' })).toEqual({ key: 'rec-1.decode', added: true });
      // Waiting (not started yet) …
      expect(await q.enqueue('slow', { n: 99 }, { key: 'rec-1.decode' })).toEqual({ key: 'rec-1.decode', added: false });
      await q.start();
      await waitFor(() => runs === 1, 10_000, 'the job to start');
      // … and running.
      expect((await q.enqueue('slow', { n: 99 }, { key: 'rec-1.decode' })).added).toBe(false);
      release();
      await waitFor(() => done.length === 1, 10_000, 'completion');
      expect(done[0]).toMatchObject({ type: 'completed', key: 'rec-1.decode', result: 2 });
      await q.idle();
      expect(runs).toBe(1);
      // Finished: the key runs again when asked to.
      expect((await q.enqueue('slow', { n: 3 }, { key: 'rec-1.decode' })).added).toBe(true);
      await waitFor(() => done.length === 2, 10_000, 'second completion');
      expect(done[1]).toMatchObject({ result: 6 });
      expect(runs).toBe(2);
    });

    it('retries a failing job with exponential backoff, then succeeds', async () => {
      const q = await queue({ attempts: 3, backoffMs: 60 });
      const seen: { attempt: number; attempts: number; at: number }[] = [];
      q.handle('flaky', async (job) => {
        seen.push({ attempt: job.attempt, attempts: job.attempts, at: Date.now() });
        if (job.attempt < 3) throw new Error(`transient ${job.attempt}`);
        return 'ok';
      });
      const events: QueueEvent[] = [];
      q.on((e) => events.push(e));
      await q.start();
      await q.enqueue('flaky', {}, { key: 'flaky-1' });
      await waitFor(() => events.some((e) => e.type === 'completed'), 15_000, 'completion');
      expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
      expect(seen.every((s) => s.attempts === 3)).toBe(true);
      const retries = events.filter((e) => e.type === 'retry');
      expect(retries.map((e) => e.type === 'retry' && e.error)).toEqual(['transient 1', 'transient 2']);
      // 60 ms, then 120 ms (a little slack below for timer granularity).
      expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(50);
      expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(110);
      expect(events.some((e) => e.type === 'dead')).toBe(false);
      expect(await q.deadLetters()).toEqual([]);
    });

    it('moves a job to the dead letters after N failed attempts and calls onDead once', async () => {
      const q = await queue({ attempts: 2, backoffMs: 10 });
      let calls = 0;
      const dead: { key: string; attempts: number; error: string; data: unknown }[] = [];
      q.handle<{ chunk: number }>(
        'doomed',
        async () => {
          calls++;
          throw new Error('decoder crashed');
        },
        { onDead: async (job, err) => void dead.push({ key: job.key, attempts: job.attempts, error: err.message, data: job.data }) },
      );
      q.handle<{ chunk: number }>(
        'bad-input',
        async () => {
          throw new UnrecoverableJobError('not a media file');
        },
        { onDead: async (job, err) => void dead.push({ key: job.key, attempts: job.attempts, error: err.message, data: job.data }) },
      );
      await q.start();
      await q.enqueue('doomed', { chunk: 4 }, { key: 'asr.4' });
      await q.enqueue('bad-input', { chunk: 5 }, { key: 'decode.5' });
      await waitFor(() => dead.length === 2, 15_000, 'two dead letters');
      await q.idle();
      expect(calls).toBe(2);
      expect(dead).toEqual(
        expect.arrayContaining([
          { key: 'asr.4', attempts: 2, error: 'decoder crashed', data: { chunk: 4 } },
          // Unrecoverable: no retry.
          { key: 'decode.5', attempts: 1, error: 'not a media file', data: { chunk: 5 } },
        ]),
      );
      const letters = await q.deadLetters();
      expect(letters.map((l) => l.key).sort()).toEqual(['asr.4', 'decode.5']);
      expect(letters.find((l) => l.key === 'asr.4')).toMatchObject({ name: 'doomed', error: 'decoder crashed', attempts: 2, data: { chunk: 4 } });
      // The key is free again.
      expect((await q.enqueue('doomed', { chunk: 4 }, { key: 'asr.4', attempts: 1 })).added).toBe(true);
      await waitFor(() => dead.length === 3, 15_000, 'third dead letter');
    });

    it('reports progress events from a running job', async () => {
      const q = await queue();
      q.handle('long', async (job) => {
        for (const f of [0.25, 0.5, 1]) {
          await job.progress({ stage: 'asr', fraction: f });
          await sleep(5);
        }
        return null;
      });
      const progress: unknown[] = [];
      q.on((e) => e.type === 'progress' && e.key === 'long-1' && progress.push(e.progress));
      await q.start();
      await q.enqueue('long', {}, { key: 'long-1' });
      await waitFor(() => progress.length === 3, 10_000, 'three progress events');
      expect(progress).toEqual([
        { stage: 'asr', fraction: 0.25 },
        { stage: 'asr', fraction: 0.5 },
        { stage: 'asr', fraction: 1 },
      ]);
    });

    it('runs at most `concurrency` jobs at once, and all of them', async () => {
      const q = await queue({ concurrency: 2 });
      let running = 0;
      let peak = 0;
      const finished: number[] = [];
      q.handle<{ i: number }>('chunk', async (job) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(120);
        running--;
        finished.push(job.data.i);
      });
      await q.start();
      for (let i = 0; i < 6; i++) await q.enqueue('chunk', { i }, { key: `chunk-${i}` });
      await waitFor(() => finished.length === 6, 15_000, 'six jobs');
      expect(peak).toBe(2);
      expect(finished.sort()).toEqual([0, 1, 2, 3, 4, 5]);
      await q.idle();
      expect(await q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
    });

    it('rejects keys the brokers cannot take', async () => {
      const q = await queue();
      await expect(q.enqueue('x', {}, { key: 'a:b' })).rejects.toThrow(/job key/);
      await expect(q.enqueue('x', {}, { key: '123' })).rejects.toThrow(/job key/);
    });
  });
}
