/**
 * Pieces shared by the search benchmarks (bench:search, bench:scale): the real app on a loopback port, a
 * small concurrent HTTP client with percentiles, the dev questions, and the search measurement suite.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import type { Services } from '../../src/archive/services.js';
import { createApp } from '../../src/http/api/app.js';

export interface Measurement {
  label: string;
  concurrency: number;
  n: number;
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  /** Requests retried after the connection was reset before they reached the app. */
  resets: number;
}

/** Serves the real Hono app on 127.0.0.1 (an ephemeral port) over these services. */
export async function startApp(s: Services): Promise<{ base: string; close(): Promise<void> }> {
  const { app } = createApp(s);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  // Requests can queue for seconds behind a busy single-connection database: keep idle sockets open well past
  // that, or the server closes one just as the client reuses it (ECONNRESET).
  Object.assign(server, { keepAliveTimeout: 120_000, headersTimeout: 121_000 });
  await new Promise<void>((r) => server.once('listening', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Requests every URL once, `concurrency` at a time; latency is request start to the body's last byte. The
 * client runs in a worker thread (http-client.mjs), so its garbage collection does not pause the server.
 */
/** Each of `urls` timed (`{ before, url }`: `before` asked first, untimed). */
export async function measure(base: string, label: string, urls: (string | { before: string; url: string })[], concurrency: number, print = true): Promise<Measurement> {
  const worker = new Worker(new URL('./http-client.mjs', import.meta.url), { workerData: { base, urls, concurrency } });
  const out = await new Promise<{ times: number[]; resets: number; wallS: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`benchmark client exited with ${code}`)));
  });
  await worker.terminate();
  const { times, resets } = out;
  const wall = out.wallS;
  times.sort((a, b) => a - b);
  const p = (q: number) => round1(percentile(times, q));
  const m: Measurement = { label, concurrency, n: times.length, p50: p(0.5), p95: p(0.95), p99: p(0.99), rps: round1(times.length / wall), resets };
  if (print)
    console.log(`${label.padEnd(40)} c=${String(concurrency).padEnd(3)} n=${m.n}  p50 ${m.p50.toFixed(1)} ms  p95 ${m.p95.toFixed(1)} ms  p99 ${m.p99.toFixed(1)} ms  ${m.rps.toFixed(1)} req/s${resets ? `  (${resets} connection resets retried)` : ''}`);
  return m;
}

/** The `q` quantile (0–1) of ascending `sorted`, by nearest rank: what every benchmark here reports as p50/p95/p99. */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export interface Question {
  query: string;
  recording_id: string;
  /** The year used for "In <year>, …" questions. */
  year: string;
}

/** The first `n` questions (distinct texts) whose recording has a year, from a queries.jsonl. */
export function loadQuestions(file: string, n: number, yearOf: (recordingId: string) => string | undefined): Question[] {
  const seen = new Set<string>();
  const out: Question[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const q = JSON.parse(line) as { query: string; recording_id: string };
    const year = yearOf(q.recording_id);
    if (!year || seen.has(q.query)) continue;
    seen.add(q.query);
    out.push({ query: q.query, recording_id: q.recording_id, year });
    if (out.length >= n) break;
  }
  return out;
}

/**
 * The questions a search suite measures (`n` of them) and as many others, never measured, that warm the
 * server up first (see searchSuite).
 */
export function loadSuiteQuestions(file: string, n: number, yearOf: (recordingId: string) => string | undefined): { measured: Question[]; warmup: Question[] } {
  const loaded = loadQuestions(file, 2 * n, yearOf);
  return { measured: loaded.slice(0, n), warmup: loaded.slice(n) };
}

/**
 * The year of each source recording's first copy in a bench:scale archive (copies are named
 * `<id>.r<round>`): the year its questions are asked about as "In <year>, …".
 */
export async function firstCopyYears(s: Services): Promise<Map<string, string>> {
  const years = new Map<string, string>();
  for (const r of await s.db.query<{ id: string; y: string }>("SELECT id, to_char(recorded_at, 'YYYY') AS y FROM recordings ORDER BY id")) {
    const source = r.id.replace(/\.r\d+$/, '');
    if (!years.has(source)) years.set(source, r.y);
  }
  return years;
}

export const searchUrl = (mode: string, text: string, extra = '') =>
  `/v1/search?q=${encodeURIComponent(text)}&mode=${mode}&limit=10${extra}`;

export const SUITE_LABELS = {
  cold: 'uncached, new query embedding',
  uncached: 'uncached',
  secondPage: 'uncached, second page (cursor)',
  secondAfterFirst: 'second page, just after its first',
  cached: 'cached (same requests again)',
  routed: 'year question, routed',
  unrouted: 'year question, unrouted (temporal=off)',
} as const;

/**
 * After `warmup` (other questions, never measured), at each concurrency: distinct questions with the result cache emptied (first with query embeddings never
 * seen, then again with them cached, which is what "uncached" reports), the same requests answered from the
 * cache (after one warm-up pass over them), and "In <year>, <question>" routed by its year (temporal=auto) against the same text unrouted
 * (temporal=off).
 */
export async function searchSuite(
  s: Services,
  base: string,
  questions: Question[],
  opts: { mode: string; concurrency: number[]; warmup?: Question[] },
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const q = (text: string, extra = '') => searchUrl(opts.mode, text, extra);
  // A server that has been up a while has compiled its search path and warmed its embedding thread: other
  // questions, never measured, go first, so the first measured pass is new questions to a running server.
  if (opts.warmup?.length) await measure(base, '(warm-up)', opts.warmup.map((x) => q(x.query, '&temporal=off')), 1);
  for (const c of opts.concurrency) {
    // A new index generation makes every earlier cached answer unreachable, so the next pass is uncached.
    const plain = questions.map((x) => q(x.query, '&temporal=off'));
    await s.cache.bumpGeneration();
    // Only the first concurrency's first pass embeds the questions for the first time; later ones are warm-ups.
    out.push(await measure(base, out.length === 0 ? SUITE_LABELS.cold : '(warm-up)', plain, c));
    await s.cache.bumpGeneration();
    out.push(await measure(base, SUITE_LABELS.uncached, plain, c));
    // The page after the first comes from the ranking PAGING_CAP deep that later pages share (and the first
    // page again, to leave its moments out): the cost of paging on. Cursors from the first pages just measured.
    const second: string[] = [];
    for (const u of plain) {
      const page = (await (await fetch(base + u)).json()) as { next_cursor?: string | null };
      if (page.next_cursor) second.push(`${u}&cursor=${page.next_cursor}`);
    }
    await s.cache.bumpGeneration();
    out.push(await measure(base, SUITE_LABELS.secondPage, second, c));
    // As a reader pages: the first page (uncached), then the second, which finds the total the first counted.
    await s.cache.bumpGeneration();
    out.push(await measure(base, SUITE_LABELS.secondAfterFirst, second.map((u) => ({ before: u.replace(/&cursor=[^&]*$/, ''), url: u })), c));
    // The first pass over cached answers also compiles the hit path (a few hundred requests are not enough for
    // the JIT); a server that has been up a while is past that, so one warm-up pass comes first.
    await measure(base, '(warm-up)', plain, c);
    out.push(await measure(base, SUITE_LABELS.cached, plain, c));
    const routed = questions.map((x) => q(`In ${x.year}, ${x.query}`));
    const unrouted = questions.map((x) => q(`In ${x.year}, ${x.query}`, '&temporal=off'));
    // Query embeddings are cached apart from results (they survive a generation bump): warm them for both
    // sides, so the comparison measures retrieval, not the embedder.
    await measure(base, '(warm-up)', [...routed, ...unrouted], c);
    await s.cache.bumpGeneration();
    out.push(await measure(base, SUITE_LABELS.routed, routed, c));
    out.push(await measure(base, SUITE_LABELS.unrouted, unrouted, c));
  }
  return out.filter((m) => m.label !== '(warm-up)');
}

const round1 = (x: number) => Math.round(x * 10) / 10;
