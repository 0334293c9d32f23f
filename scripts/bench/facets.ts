/**
 * The cost of facets: `npx tsx scripts/bench/facets.ts --data-dir <archive> [--n 200] [--mode bm25]`.
 * Over loopback HTTP, uncached: the dev questions without facets, the same with facets=true, and browsing
 * each collection and each decade by its filter alone (facets=true); then, in process, the lexical index's
 * facets() beside its count() for the same questions (what a search with facets adds, run in parallel).
 */
import { Command } from 'commander';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { firstCopyYears, loadQuestions, measure, percentile, searchUrl, startApp } from './lib.js';

const opts = new Command('bench-facets')
  .requiredOption('--data-dir <dir>', 'an ingested archive')
  .option('--queries <file>', 'queries.jsonl', '../shared/eval/dev/queries.jsonl')
  .option('--n <n>', 'questions per measurement', (v) => parseInt(v, 10), 200)
  .option('--mode <mode>', 'hybrid|bm25|vector', 'bm25')
  .parse()
  .opts<{ dataDir: string; queries: string; n: number; mode: string }>();

const cfg = loadConfig({ ...process.env, DATA_DIR: opts.dataDir, SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0' });
const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: null });
const app = await startApp(s);
const years = await firstCopyYears(s);
const questions = loadQuestions(opts.queries, opts.n, (id) => years.get(id));
const counts = await s.archive.counts();
console.log(`archive ${opts.dataDir}: ${counts.recordings} recordings, ${counts.moments} moments; db ${s.db.kind}, lexical ${s.lexical.engine}`);

const plain = questions.map((q) => searchUrl(opts.mode, q.query, '&temporal=off'));
await s.cache.bumpGeneration();
await measure(app.base, '(warm-up)', plain, 1);
for (const [label, extra] of [['search, no facets', ''], ['search, facets=true', '&facets=true'], ['search, no facets (again)', '']] as const) {
  await s.cache.bumpGeneration();
  await measure(app.base, label, plain.map((u) => u + extra), 1);
}

const collections = (await s.archive.collections()).map((c) => `/v1/search?collection=${encodeURIComponent(c.name)}&facets=true`);
const decades = [...new Set([...years.values()].map((y) => `${y.slice(0, 3)}0`))].map((d) => `/v1/search?from=${d}-01-01&to=${Number(d) + 9}-12-31&facets=true`);
const browse = [...collections, ...decades];
// Each browse at least 20 times, for percentiles worth the name.
const repeated = Array.from({ length: Math.max(1, Math.ceil(20 / browse.length)) }, () => browse).flat();
const browseTimes: number[] = [];
for (const u of repeated) {
  await s.cache.bumpGeneration();
  const t0 = performance.now();
  await (await fetch(app.base + u)).arrayBuffer();
  browseTimes.push(performance.now() - t0);
}
report(`browse (${collections.length} collections, ${decades.length} decades), facets=true`, browseTimes);

// In process: the lexical index alone, the count every search makes against the facets.
const texts = questions.map((q) => q.query);
for (const [label, f] of [
  ['lexical count()', (q: string) => s.lexical.count(q, {})],
  ['lexical facets()', (q: string) => s.lexical.facets(q, {})],
] as const) {
  const times: number[] = [];
  for (const q of texts) {
    const t0 = performance.now();
    await f(q);
    times.push(performance.now() - t0);
  }
  report(label, times);
}
await app.close();
await s.close();

function report(label: string, times: number[]): void {
  times.sort((a, b) => a - b);
  const p = (q: number) => percentile(times, q).toFixed(1);
  console.log(`${label.padEnd(40)} n=${times.length}  p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  p99 ${p(0.99)} ms`);
}
