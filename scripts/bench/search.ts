/**
 * Search latency over real HTTP on loopback: `npm run bench:search -- --data-dir <archive> [--queries file] [--n 200]`.
 * Reports p50/p95/p99 for uncached hybrid searches, the same searches answered from cache, and
 * single-year questions routed by their year vs. the same questions unrouted (temporal=off).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openServices } from '../../src/services.js';
import { createApp } from '../../search/api/app.js';

const opts = new Command('bench-search')
  .requiredOption('--data-dir <dir>', 'an ingested archive')
  .option('--queries <file>', 'queries.jsonl', '../shared/eval/dev/queries.jsonl')
  .option('--n <n>', 'questions per measurement', (v) => parseInt(v, 10), 200)
  .option('--concurrency <list>', 'comma-separated', '1,8')
  .option('--mode <mode>', 'hybrid|bm25|vector', 'hybrid')
  .parse()
  .opts<{ dataDir: string; queries: string; n: number; concurrency: string; mode: string }>();

const cfg = loadConfig({ ...process.env, DATA_DIR: opts.dataDir, SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0' });
const s = await openServices(cfg, { logger: createLogger('warn') });
const { app } = createApp(s);
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const years = new Map((await s.db.query<{ id: string; y: string }>("SELECT id, to_char(recorded_at, 'YYYY') AS y FROM recordings")).map((r) => [r.id, r.y]));
const questions = fs
  .readFileSync(opts.queries, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { query: string; recording_id: string })
  .filter((q) => years.get(q.recording_id))
  .slice(0, opts.n);

async function run(label: string, urls: string[], concurrency: number) {
  const times: number[] = [];
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < urls.length) {
        const u = urls[i++];
        const t = performance.now();
        const res = await fetch(base + u);
        if (!res.ok) throw new Error(`${u}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        times.push(performance.now() - t);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  console.log(`${label.padEnd(34)} c=${String(concurrency).padEnd(3)} n=${times.length}  p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  p99 ${p(0.99)} ms  ${(times.length / wall).toFixed(1)} req/s`);
}

const q = (text: string, extra = '') => `/v1/search?q=${encodeURIComponent(text)}&mode=${opts.mode}&limit=10${extra}`;
const counts = await s.archive.counts();
console.log(`archive ${opts.dataDir}: ${counts.recordings} recordings, ${counts.moments} moments; db ${s.db.kind}, lexical ${s.lexical.engine}, embedder ${s.embedder?.model ?? 'none'}`);
for (const c of opts.concurrency.split(',').map(Number)) {
  // A new index generation makes every earlier cached answer unreachable, so the first pass is uncached.
  const plain = questions.map((x) => q(x.query, '&temporal=off'));
  await run('(warm-up)', plain, c);
  await s.cache.bumpGeneration();
  await run('uncached', plain, c);
  await run('cached (same requests again)', plain, c);
  const routed = questions.map((x) => q(`In ${years.get(x.recording_id)}, ${x.query}`));
  const unrouted = questions.map((x) => q(`In ${years.get(x.recording_id)}, ${x.query}`, '&temporal=off'));
  // Query embeddings are cached apart from results (they survive a generation bump): warm them for both
  // sides, so the comparison measures retrieval, not the embedder.
  await run('(warm-up)', [...routed, ...unrouted], c);
  await s.cache.bumpGeneration();
  await run('year question, routed', routed, c);
  await run('year question, unrouted (temporal=off)', unrouted, c);
}
server.close();
await s.close();
