/**
 * Where a search's time goes: each retrieval step timed apart over one archive, in process (no HTTP).
 *
 *   npx tsx scripts/bench/legs.ts --data-dir .tmp/scale/vector-100000 [--n 100] [--queries ../shared/eval/dev/queries.jsonl]
 *
 * For the first n distinct dev questions (query embeddings computed first, so the embedder is not timed):
 * the BM25 leg (depth 50, as hybrid asks), the same with the question's speaker filter when it names one,
 * the ANN search over every partition, the cosine lookup of BM25's candidates, fetching 30 moments, and the
 * whole hybrid search (searchMoments, result cache off). Then the same for "In <year>, <question>" routed to
 * its year (the year of the first copy of the question's recording, as bench:scale asks): the BM25 leg within
 * the year, the date-filtered ANN search, and the whole routed search. Two passes; the second is reported
 * (the first warms the database's buffers). Prints p50/p95 per step, and how many moments the routed BM25
 * legs found (fewer than hybrid needs is what makes a search run the date-filtered ANN search).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { lexicalQuery } from '../../src/retrieval/question.js';
import { queryVector, searchMoments, understand } from '../../src/retrieval/search.js';
import { firstCopyYears, percentile } from './lib.js';

const opts = new Command('bench-legs')
  .requiredOption('--data-dir <dir>', 'an archive (e.g. one built by bench:scale)')
  .option('--n <n>', 'distinct questions', (v) => parseInt(v, 10), 100)
  .option('--queries <file>', 'questions', '../shared/eval/dev/queries.jsonl')
  .parse()
  .opts<{ dataDir: string; n: number; queries: string }>();

const cfg = loadConfig({ ...process.env, DATA_DIR: path.resolve(opts.dataDir), SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn' });
// The in-memory cache keeps the query embeddings (searchMoments itself caches no results), so no step times the embedder.
const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: null });
const asked = fs.readFileSync(opts.queries, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { query: string; recording_id: string });
const questions = [...new Set(asked.map((q) => q.query))].slice(0, opts.n);
const years = await firstCopyYears(s);
const yearOf = new Map(asked.map((q) => [q.query, years.get(q.recording_id)] as const));
const times: Record<string, number[]> = {};
const inYearFound: number[] = [];
const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await fn();
  (times[step] ??= []).push(performance.now() - t);
  return out;
};
// An archive built with EMBEDDINGS=none has no vectors: time the BM25 path only.
const vectors = s.embedder && s.vectors && (await s.vectors.count()) > 0;
if (vectors) for (const q of questions) await queryVector(s, q);

for (let pass = 0; pass < 2; pass++) {
  for (const k of Object.keys(times)) delete times[k];
  for (const q of questions) {
    const params = { q, limit: 10, mode: (vectors ? 'hybrid' : 'bm25') as 'hybrid' | 'bm25', filters: {}, temporal: 'off' as const };
    const { p } = await understand(s, params);
    const lex = await timed('bm25', () => s.lexical.search(lexicalQuery(q), {}, 50));
    if (p.filters.speaker) await timed('bm25, speaker filter', () => s.lexical.search(lexicalQuery(p.q), p.filters, 50));
    if (vectors) {
      const v = await queryVector(s, q);
      await timed('ann (all partitions)', () => s.vectors!.search(v, {}, 50));
      await timed('cosine of bm25 candidates', () => s.vectors!.similarities(v, lex.map((h) => h.momentId)));
    }
    await timed('moments by id (30)', () => s.archive.momentsByIds(lex.slice(0, 30).map((h) => h.momentId)));
    await timed(`search (${params.mode}, whole)`, () => searchMoments(s, params));
    const year = yearOf.get(q);
    if (!year) continue;
    const routed = { ...params, q: `In ${year}, ${q}`, temporal: 'auto' as const };
    const r = await understand(s, routed);
    const inYear = await timed('bm25, year', () => s.lexical.search(lexicalQuery(r.p.q), r.p.filters, 50));
    if (pass === 1) inYearFound.push(inYear.length);
    if (vectors) {
      const v = await queryVector(s, r.p.q);
      await timed('ann, year filter', () => s.vectors!.search(v, r.p.filters, 50));
      const ids = inYear.map((h) => h.momentId);
      await timed('cosine of bm25 year candidates', () => s.vectors!.similarities(v, ids, r.p.filters));
      await timed('same, every partition', () => s.vectors!.similarities(v, ids));
    }
    await timed(`search (${params.mode}, year, routed)`, () => searchMoments(s, routed));
    await timed(`search (${params.mode}, year, unrouted)`, () => searchMoments(s, { ...routed, temporal: 'off' }));
  }
}
const pct = (a: number[], x: number) => percentile([...a].sort((m, n) => m - n), x);
const found = (lo: number, hi: number) => inYearFound.filter((k) => k >= lo && k < hi).length;
console.log(`${opts.dataDir}: ${(await s.archive.counts()).moments} moments, ${questions.length} questions`);
console.log(`routed BM25 legs (of ${inYearFound.length}) finding 0–9 moments: ${found(0, 10)}, 10–29: ${found(10, 30)}, 30–49: ${found(30, 50)}, 50: ${found(50, Infinity)}`);
for (const [step, a] of Object.entries(times))
  console.log(`${step.padEnd(28)} n=${String(a.length).padEnd(4)} p50 ${pct(a, 0.5).toFixed(1).padStart(6)} ms  p95 ${pct(a, 0.95).toFixed(1).padStart(6)} ms`);
await s.close();
