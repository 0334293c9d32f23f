/**
 * Search latency while a bulk ingest runs through the same server:
 *   npm run bench:search-during-ingest -- [--prefill 20] [--ingest 40] [--idle 60] [--interval-ms 1000]
 *
 * 1. A fresh DATA_DIR gets a partial archive: the first `--prefill` recordings of the dev manifest, ingested in
 *    this process with the on-disk vector cache `--embed-cache` (shared with bench:scale and eval), so re-runs
 *    do not pay for them again.
 * 2. The server is started on it as its own process (`tsx src/main/cli.ts serve`, embedded PGlite, USE embeddings).
 *    Its own vector cache starts empty, so every question and every ingested moment is really embedded.
 * 3. Idle: `--idle` distinct dev questions, one at a time, one every `--interval-ms` (a user's pace), none seen
 *    before (no result or vector cache hit).
 * 4. The next `--ingest` recordings of the manifest are posted to POST /v1/ingest as a manifest with its
 *    transcripts (a background job), and further distinct questions are sent one every `--interval-ms` on a clock,
 *    each whether or not the one before was answered, until it ends.
 * Prints p50/p95 of both and the ratio (during / idle p95), and how long the ingest took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { ingestManifest } from '../../src/ingest/bulk.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { percentile } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const opts = new Command('bench-search-during-ingest')
  .option('--dev <dir>', 'the dev set (manifest.jsonl, queries.jsonl, recordings/)', path.resolve(ROOT, '../shared/eval/dev'))
  .option('--data-dir <dir>', 'made afresh for the run', '.tmp/bench-search-during-ingest')
  .option('--embed-cache <dir>', 'on-disk vectors for the prefilled archive', '.tmp/embed-cache')
  .option('--prefill <n>', 'recordings in the archive before the server starts', (v) => parseInt(v, 10), 20)
  .option('--ingest <n>', 'recordings ingested through the server while searching', (v) => parseInt(v, 10), 40)
  .option('--idle <n>', 'questions asked before the ingest', (v) => parseInt(v, 10), 60)
  .option('--interval-ms <ms>', 'one question every this many ms', (v) => parseInt(v, 10), 1000)
  .option('--server-root <dir>', 'the checkout whose server is measured', ROOT)
  .parse()
  .opts<{ dev: string; dataDir: string; embedCache: string; prefill: number; ingest: number; idle: number; intervalMs: number; serverRoot: string }>();

interface ManifestLine {
  id: string;
  transcript: string;
  [k: string]: unknown;
}

const dev = path.resolve(opts.dev);
const rows = fs
  .readFileSync(path.join(dev, 'manifest.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as ManifestLine);
const prefillRows = rows.slice(0, opts.prefill);
const ingestRows = rows.slice(opts.prefill, opts.prefill + opts.ingest);
if (ingestRows.length === 0) throw new Error(`the manifest has only ${rows.length} rows`);

// Distinct question texts in file order; the idle ones first, the rest for the ingest.
const questions = [
  ...new Set(
    fs
      .readFileSync(path.join(dev, 'queries.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { query: string }).query),
  ),
];

const dataDir = path.resolve(opts.dataDir);
fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(dataDir, { recursive: true });

// 1. The partial archive.
const prefillManifest = path.join(dataDir, 'prefill.jsonl');
fs.writeFileSync(prefillManifest, prefillRows.map((r) => JSON.stringify({ ...r, transcript: path.join(dev, r.transcript) })).join('\n') + '\n');
// MEDIA_ROOTS: the prefill manifest names the dev set's transcripts by absolute path.
const env = { ...process.env, DATA_DIR: dataDir, MEDIA_ROOTS: dev, SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0', EMBEDDINGS: 'use' };
{
  const t0 = performance.now();
  const s = await openServices(loadConfig(env), { logger: createLogger('warn'), embedCacheDir: path.resolve(opts.embedCache) });
  const summary = await ingestManifest(s, prefillManifest);
  const counts = await s.archive.counts();
  await s.close();
  console.log(
    `prefill: ${summary.ingested} recordings (${counts.moments} moments) in ${((performance.now() - t0) / 1000).toFixed(0)} s` +
      (summary.failed ? `, ${summary.failed} failed` : ''),
  );
}

// 2. The server, as its own process.
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = startServer(port);
try {
  await waitHealthy(base, server);
  console.log(`server ${opts.serverRoot} on ${base}; ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`);

  // 3. Idle.
  let next = 0;
  const idle: number[] = [];
  for (let i = 0; i < opts.idle; i++) idle.push(await paced(() => search(base, questions[next++])));

  // 4. During a bulk ingest through the API.
  const form = new FormData();
  const manifest = ingestRows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  form.append('manifest', new Blob([manifest], { type: 'application/x-ndjson' }), 'manifest.jsonl');
  for (const r of ingestRows) form.append('files', new Blob([fs.readFileSync(path.join(dev, r.transcript))]), r.transcript);
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/ingest`, { method: 'POST', body: form });
  const posted = (await res.json()) as { job?: { id: string }; error?: unknown };
  if (res.status !== 202 || !posted.job) throw new Error(`ingest refused: ${res.status} ${JSON.stringify(posted)}`);
  const jobId = posted.job.id;
  const during: number[] = [];
  const slowest: Array<{ ms: number; atS: number }> = [];
  let status = 'queued';
  let result: unknown = null;
  // Questions arrive on a clock, as users' do, whatever the server is busy with: each is sent at its time even
  // when the one before has not been answered, and the job is followed on a clock of its own. A client that
  // waited for each answer (and for its own status polls) before asking again would only ever arrive in the
  // gaps the ingest leaves, and never see the server busy.
  const follow = (async () => {
    while (status !== 'succeeded' && status !== 'failed') {
      await new Promise((r) => setTimeout(r, 2000));
      const job = (await (await retried(() => fetch(`${base}/v1/jobs/${jobId}`))).json()) as { job?: { status: string; result: unknown }; status?: string; result?: unknown };
      const j = job.job ?? (job as { status: string; result: unknown });
      status = j.status;
      result = j.result;
    }
  })();
  const asked: Promise<void>[] = [];
  while (next < questions.length && status !== 'succeeded' && status !== 'failed') {
    const atS = (performance.now() - t0) / 1000;
    asked.push(
      search(base, questions[next++]).then((ms) => {
        during.push(ms);
        slowest.push({ ms, atS });
        slowest.sort((x, y) => y.ms - x.ms).splice(5);
      }),
    );
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
  await Promise.all(asked);
  await follow;
  const ingestS = (performance.now() - t0) / 1000;
  if (status !== 'succeeded') throw new Error(`the ingest job ended ${status} (or the questions ran out): ${JSON.stringify(result)}`);
  const summary = result as { ingested: number; moments: number; failed: number };

  const a = stats(idle);
  const b = stats(during);
  console.log(`idle:          n=${a.n}  p50 ${a.p50.toFixed(0)} ms  p95 ${a.p95.toFixed(0)} ms  max ${a.max.toFixed(0)} ms`);
  console.log(`during ingest: n=${b.n}  p50 ${b.p50.toFixed(0)} ms  p95 ${b.p95.toFixed(0)} ms  max ${b.max.toFixed(0)} ms`);
  console.log(`slowest during ingest: ${slowest.map((x) => `${x.ms.toFixed(0)} ms at ${x.atS.toFixed(0)} s`).join(', ')}`);
  console.log(`ratio (p95 during / idle): ${(b.p95 / a.p95).toFixed(2)}x`);
  console.log(
    `ingest: ${summary.ingested} recordings, ${summary.moments} moments in ${ingestS.toFixed(0)} s` +
      ` (${(summary.moments / ingestS).toFixed(1)} moments/s)${summary.failed ? `, ${summary.failed} failed` : ''}`,
  );
} finally {
  await stopServer(server);
}

/** One uncached hybrid search; milliseconds from request to the body's last byte. */
async function search(baseUrl: string, q: string): Promise<number> {
  const t = performance.now();
  const r = await retried(() => fetch(`${baseUrl}/v1/search?q=${encodeURIComponent(q)}&limit=10`));
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`search answered ${r.status}`);
  return performance.now() - t;
}

/** Once more when a kept-alive socket was closed under the request (it never reached the app). */
async function retried(f: () => Promise<Response>): Promise<Response> {
  try {
    return await f();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
    return f();
  }
}

/** Runs `fn`, then waits out the rest of the interval, so questions come at a user's pace. */
async function paced(fn: () => Promise<number>): Promise<number> {
  const t = performance.now();
  const ms = await fn();
  const rest = opts.intervalMs - (performance.now() - t);
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  return ms;
}

function stats(times: number[]) {
  const s = [...times].sort((x, y) => x - y);
  return { n: s.length, p50: percentile(s, 0.5), p95: percentile(s, 0.95), max: s[s.length - 1] };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

function startServer(p: number): ChildProcess {
  const root = path.resolve(opts.serverRoot);
  // Its own process group, so stopping it stops tsx's node child too.
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/main/cli.ts', 'serve'], {
    cwd: root,
    env: { ...env, PORT: String(p), HOST: '127.0.0.1', AUTH_PUBLIC_WRITE: 'on' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  return child;
}

async function waitHealthy(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the server did not become healthy within 180 s');
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  // tsx passes the signal on to its node child; signalling the whole group would deliver it twice, and a second
  // signal makes the server exit without finishing what it has started.
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
