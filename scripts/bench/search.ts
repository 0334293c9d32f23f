/**
 * Search latency over real HTTP on loopback: `npm run bench:search -- --data-dir <archive> [--queries file] [--n 200]`.
 * First the time of the first two searches after the archive is opened, warmed up as `serve` does it or, with
 * --no-warm-up, cold. Then p50/p95/p99 for uncached hybrid searches, the same searches answered from cache, and
 * single-year questions routed by their year vs. the same questions unrouted (temporal=off). With --phrases, quoted
 * phrases instead: two words said together in the archive's moments, quoted, against the same words unquoted.
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
  .option('--phrases', 'quoted phrases from the archive against the same words unquoted, instead of the questions')
  .parse()
  .opts<{ dataDir: string; queries: string; n: number; concurrency: string; mode: string; warmUp: boolean; phrases?: boolean }>();

const cfg = loadConfig({ ...process.env, DATA_DIR: opts.dataDir, SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MIN: '0' });
// No on-disk vector cache: a question seen for the first time is really embedded.
const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: null });
const app = await startApp(s);

if (opts.phrases) {
  await phraseSuite();
  await app.close();
  await s.close();
  process.exit(0);
}

/**
 * Two words a moment says together, from every k-th speech moment: its first two neighbouring words of five
 * letters or more ("remote control", "battery life"), as a researcher quotes a name or a term (a phrase of
 * fillers, "yeah but yeah", is no search anyone runs). Quoted and unquoted, both with their query vectors
 * computed first (measure retrieval, not the embedder).
 */
async function phraseSuite(): Promise<void> {
  const [{ n }] = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM moments WHERE kind = 'speech'");
  const step = Math.max(1, Math.floor(Number(n) / opts.n));
  const rows = await s.db.query<{ text: string }>(
    "SELECT text FROM (SELECT text, row_number() OVER (ORDER BY id) AS k FROM moments WHERE kind = 'speech') m WHERE k % $1 = 0 LIMIT $2",
    [step, opts.n],
  );
  const pairOf = (text: string) => {
    const words = text.split(/\s+/);
    for (let i = 0; i + 1 < words.length; i++) {
      if (/^\p{L}{5,}$/u.test(words[i]) && /^\p{L}{5,}$/u.test(words[i + 1]) && words[i].toLowerCase() !== words[i + 1].toLowerCase()) return `${words[i]} ${words[i + 1]}`;
    }
    return null;
  };
  const phrases = rows.map((r) => pairOf(r.text)).filter((p): p is string => p !== null);
  const quoted = phrases.map((p) => searchUrl(opts.mode, `"${p}"`));
  const plain = phrases.map((p) => searchUrl(opts.mode, p));
  console.log(`${phrases.length} phrases from ${n} moments, e.g. "${phrases.slice(0, 3).join('", "')}"`);
  for (const c of opts.concurrency.split(',').map(Number)) {
    await measure(app.base, '(warm-up)', [...quoted, ...plain], c, false);
    await s.cache.bumpGeneration();
    const a = await measure(app.base, 'quoted phrase, uncached', quoted, c);
    await s.cache.bumpGeneration();
    const b = await measure(app.base, 'the same words unquoted, uncached', plain, c);
    console.log(`c=${c}: quoted / unquoted p50 ${(a.p50 / b.p50).toFixed(2)}×, p95 ${(a.p95 / b.p95).toFixed(2)}×`);
  }
}

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
