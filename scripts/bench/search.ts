/**
 * Search latency over real HTTP on loopback: `npm run bench:search -- --data-dir <archive> [--queries file] [--n 200]`.
 * First the time of the first two searches after the archive is opened, warmed up as `serve` does it or, with
 * --no-warm-up, cold. Then p50/p95/p99 for uncached hybrid searches, the same searches answered from cache, and
 * single-year questions routed by their year vs. the same questions unrouted (temporal=off).
 * The measurement itself is shared with bench:scale (scripts/bench/lib.ts).
 */
import { Command } from 'commander';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { warmUp } from '../../src/retrieval/search.js';
import { readQuestions } from '../eval/questions.js';
import { firstCopyYears, loadSuiteQuestions, measure, searchSuite, searchUrl, startApp } from './lib.js';

const opts = new Command('bench-search')
  .requiredOption('--data-dir <dir>', 'an ingested archive')
  .option('--queries <file>', 'queries.jsonl', '../shared/eval/dev/queries.jsonl')
  .option('--n <n>', 'questions per measurement', (v) => parseInt(v, 10), 200)
  .option('--concurrency <list>', 'comma-separated', '1,8')
  .option('--mode <mode>', 'hybrid|bm25|vector', 'hybrid')
  .option('--no-warm-up', 'time the first search on a database opened cold, without the warm-up `serve` does')
  .parse()
  .opts<{ dataDir: string; queries: string; n: number; concurrency: string; mode: string; warmUp: boolean }>();

const cfg = loadConfig({ ...process.env, DATA_DIR: opts.dataDir, SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0' });
// No on-disk vector cache: a question seen for the first time is really embedded.
const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: null });
const app = await startApp(s);

// The first searches after the archive is opened, before anything else reads it: what the first user waits for.
if (opts.warmUp) await warmUp(s);
const [first, next] = readQuestions(opts.queries).slice(0, 2).map((q) => searchUrl(opts.mode, q.query));
await measure(app.base, `first search after opening (${opts.warmUp ? 'warmed up, as serve does' : 'no warm-up'})`, [first], 1);
await measure(app.base, 'the next (another question)', [next], 1);

// By source recording: on a bench:scale archive the questions' recordings are there as copies (`<id>.r<round>`).
const years = await firstCopyYears(s);
const { measured: questions, warmup } = loadSuiteQuestions(opts.queries, opts.n, (id) => years.get(id));
if (!questions.length) throw new Error(`no question in ${opts.queries} is about a dated recording of this archive`);

const counts = await s.archive.counts();
console.log(`archive ${opts.dataDir}: ${counts.recordings} recordings, ${counts.moments} moments; db ${s.db.kind}, lexical ${s.lexical.engine}, embedder ${s.embedder?.model ?? 'none'}`);
await searchSuite(s, app.base, questions, { mode: opts.mode, concurrency: opts.concurrency.split(',').map(Number), warmup });
await app.close();
await s.close();
