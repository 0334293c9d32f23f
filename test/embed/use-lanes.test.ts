import { afterEach, describe, expect, it } from 'vitest';
import { CachedEmbedder } from '../../src/indexes/embed/cache.js';
import { USE_BACKGROUND_NICE, UseEmbedder } from '../../src/indexes/embed/use.js';
import { inBackground } from '../../src/core/lane.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A bulk ingest's worth of passages: long enough that the backlog takes seconds on any machine.
const backlog = Array.from(
  { length: 300 },
  (_, i) => `Passage ${i}: the committee went back over the budget for the river works, item ${i * 13}, and the minutes of the meeting before.`,
);

/** Starts a background embed of the backlog and reports how far it has got. */
function startBacklog(embed: (texts: string[], onProgress: (done: number) => void) => Promise<Float32Array[]>) {
  const state = { done: 0, finished: false };
  const p = inBackground(() => embed(backlog, (d) => (state.done = d))).then((v) => {
    state.finished = true;
    return v;
  });
  return { state, p };
}

describe('UseEmbedder lanes (real model): query-time embeddings never wait behind a background backlog', () => {
  let pool: UseEmbedder | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('a query is taken before every queued background batch', async () => {
    pool = new UseEmbedder({ workers: 1, batchSize: 8 });
    await pool.init();
    const use = pool;
    const bulk = startBacklog((t, onProgress) => use.embed(t, (d) => onProgress(d)));
    // Let the worker start on the backlog first.
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    const [q] = await use.embed(['what did the committee decide about the river budget']);
    const queryMs = performance.now() - t0;
    expect(q.length).toBe(512);
    // Only the batch in progress (8 texts) was ahead of it, not the 75 queued ones.
    expect(bulk.state.finished).toBe(false);
    expect(bulk.state.done).toBeLessThan(backlog.length / 4);
    const vecs = await bulk.p;
    expect(vecs).toHaveLength(backlog.length);
    expect(queryMs).toBeLessThan(5000);
  }, 120_000);

  it('a query worker answers a query while the shared worker is still on its first background batch', async () => {
    // One batch holds the whole backlog: without a query worker the query would wait for all of it.
    pool = new UseEmbedder({ workers: 1, queryWorkers: 1, batchSize: backlog.length });
    await pool.init();
    expect(pool.workerCount).toBe(2);
    const use = pool;
    const bulk = startBacklog((t, onProgress) => use.embed(t, (d) => onProgress(d)));
    await new Promise((r) => setTimeout(r, 50));
    const [q] = await use.embed(['what did the committee decide about the river budget']);
    expect(q.length).toBe(512);
    expect(bulk.state.done).toBe(0);
    // The backlog is not waited for (the first test sees one through): closing the pool stops it.
    bulk.p.catch(() => {});
  }, 120_000);

  it('the lane passes through the on-disk cache', async () => {
    pool = new UseEmbedder({ workers: 1, batchSize: 8 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanes-cache-'));
    const cached = new CachedEmbedder(pool, dir, { chunkSize: 1000 });
    try {
      await cached.init();
      const bulk = startBacklog((t, onProgress) => cached.embed(t, (d) => onProgress(d)));
      await new Promise((r) => setTimeout(r, 50));
      await cached.embed(['a question nobody asked before']);
      expect(bulk.state.finished).toBe(false);
      expect(bulk.state.done).toBeLessThan(backlog.length / 4);
      await bulk.p;
    } finally {
      await cached.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  // Nice values are per thread on Linux (/proc/self/task/<tid>/stat); elsewhere the pool leaves priorities alone.
  it.skipIf(process.platform !== 'linux')('threads that take ingest batches run at a lower CPU priority than the query-only thread', async () => {
    const before = threadNices();
    pool = new UseEmbedder({ workers: 2, queryWorkers: 1 });
    await pool.init();
    const after = threadNices();
    const added = [...after].filter(([tid]) => !before.has(tid));
    // Two shared workers niced (never less nice than the process was started with); the query worker, like
    // the main thread, at the process's own priority.
    const own = before.get(process.pid)!;
    if (own < USE_BACKGROUND_NICE) expect(added.filter(([, nice]) => nice === USE_BACKGROUND_NICE)).toHaveLength(2);
    expect(added.every(([, nice]) => nice >= own)).toBe(true);
    expect(after.get(process.pid)).toBe(before.get(process.pid));
  }, 120_000);
});

/** Each thread of this process and its nice value (field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

