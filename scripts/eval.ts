/**
 * Evaluation harness: `npm run eval -- <dir with manifest.jsonl and queries.jsonl> [options]`.
 * Ingests the manifest (into a temporary data dir unless --data-dir is given), runs every question through
 * the search service in each mode, archive-wide and within its recording, and prints nDCG@10, MRR and
 * Recall@10 by link relevance (does the result's deep link land inside the answer?), the median link error,
 * and nDCG@10 by overlap relevance as a second figure (see scripts/eval/metrics.ts). With --url it questions
 * a running server over HTTP instead. Questions in more than one language (a `language` field) are also
 * reported per language; each is asked as a user would ask it, its language read from its words. With
 * --per-question it also writes every question's outcome (its top 10 and its scores) as JSON lines, for looking
 * at what a figure is made of.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/log.js';
import { openServices, type Services } from '../src/main/services.js';
import type { SearchMode } from '../src/core/domain.js';
import { ingestManifest } from '../src/ingest/bulk.js';
import { searchMoments } from '../src/retrieval/search.js';
import { linkError, linkSeconds, mean, median, scoreQuery, splitOf, tuningFoldOf, type QueryScores, type Returned } from './eval/metrics.js';
import { loadQueryAdapter } from '../src/indexes/index.js';
import { readQuestions } from './eval/questions.js';


const program = new Command('eval')
  .argument('<dir>', 'folder with manifest.jsonl and queries.jsonl')
  .option('--data-dir <dir>', 'archive to ingest into and search (default: a temporary one)')
  .option('--modes <list>', 'comma-separated modes', 'hybrid,bm25,vector')
  .option('--scopes <list>', 'archive and/or recording', 'archive,recording')
  .option('--max-queries <n>', 'evaluate only the first n questions', (v) => parseInt(v, 10))
  .option('--url <base>', 'evaluate a running server through GET /v1/search instead of in-process')
  .option('--embed-cache <dir>', 'where computed vectors are kept between runs', path.resolve('.tmp/embed-cache'))
  .option('--json <file>', 'also write the figures as JSON')
  .option('--per-question <file>', 'also write each question\'s top 10 and scores, one JSON line per question, scope and mode')
  .option('--cross-fit <a0,a1>', 'query adapters fitted without the questions of fold 0 and of fold 1 of the tuning recordings (adapter-lab --leave-out): each tuning question is searched with the one that did not see it, the held-out quarter with the configured one')
  .option('--year-questions', 'also ask each question as "In <year of its recording>, <question>" (temporal routing)')
  .parse();

const opts = program.opts<{ dataDir?: string; modes: string; scopes: string; maxQueries?: number; url?: string; embedCache: string; json?: string; perQuestion?: string; yearQuestions?: boolean; crossFit?: string }>();
const dir = path.resolve(program.args[0]);
const queries = readQuestions(path.join(dir, 'queries.jsonl')).slice(0, opts.maxQueries);
const modes = opts.modes.split(',') as SearchMode[];
const scopes = opts.scopes.split(',') as ('archive' | 'recording')[];

let services: Services | null = null;
type Hit = Returned & { recordedAt: string | null };
let search: (q: string, mode: SearchMode, recording?: string) => Promise<Hit[]>;
/** Before each question: which query adapter searches it (--cross-fit). */
let adapterFor: (recordingId: string) => void = () => {};
if (opts.crossFit && opts.url) throw new Error('--cross-fit switches the query adapter in process: it cannot be used with --url');
if (opts.url) {
  search = async (q, mode, recording) => {
    const u = new URL('/v1/search', opts.url);
    u.search = new URLSearchParams({ q, mode, limit: '10', ...(recording ? { recording } : {}) }).toString();
    const res = await fetch(u);
    if (!res.ok) throw new Error(`${u}: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { results: { recording_id: string; start: number; end: number; url: string; recorded_at: string | null }[] };
    return body.results.map((r) => ({ recordingId: r.recording_id, start: r.start, end: r.end, link: linkSeconds(r.url, r.start), recordedAt: r.recorded_at }));
  };
} else {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'speech-eval-'));
  const cfg = loadConfig({ ...process.env, DATA_DIR: dataDir });
  services = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: opts.embedCache, cache: 'off' });
  const bar = new cliProgress.SingleBar({ format: 'ingest {bar} {value}/{total} recordings | eta {eta_formatted}' }, cliProgress.Presets.shades_classic);
  const summary = await ingestManifest(services, path.join(dir, 'manifest.jsonl'), {
    onEvent: (e) => (e.type === 'start' ? bar.start(e.total, 0) : bar.update(e.done)),
  });
  bar.stop();
  console.log(`archive: ${dataDir} — ingested ${summary.ingested}, unchanged ${summary.unchanged}, failed ${summary.failed} in ${summary.seconds.toFixed(1)} s`);
  const s = services;
  if (opts.crossFit) {
    const files = opts.crossFit.split(',');
    if (files.length !== 2 || !s.embedder) throw new Error('--cross-fit takes two adapter files (fold 0 left out, fold 1 left out) and an embedder');
    const folds = files.map((f) => loadQueryAdapter({ QUERY_ADAPTER: f }, s.embedder!));
    const configured = s.queryAdapter;
    adapterFor = (id) => {
      s.queryAdapter = splitOf(id) === 'holdout' ? configured : folds[tuningFoldOf(id)];
    };
  }
  search = async (q, mode, recording) => {
    const out = await searchMoments(s, { q, mode, limit: 10, filters: recording ? { recordingId: recording } : {} });
    return out.results.map((r) => ({ recordingId: r.recording_id, start: r.start, end: r.end, link: linkSeconds(r.url, r.start), recordedAt: r.recorded_at }));
  };
}

interface Row {
  scope: string;
  mode: string;
  /** By link relevance (the headline). */
  ndcg: number;
  mrr: number;
  recall: number;
  /** Questions whose first result's link lands inside an answer. */
  first_inside: number;
  /** Median seconds from the first overlapping hit's link to its answer (0: inside). */
  link_error_s: number;
  /** nDCG@10 by overlap relevance. */
  overlap_ndcg: number;
  p50_ms: number;
  queries: number;
  in_year?: number;
}
/** One question's outcome in one scope and mode. */
interface Outcome {
  split: 'tune' | 'holdout';
  link: QueryScores;
  overlap: number;
  error: number | null;
  ms: number;
  returned: number;
  inYear: number;
  language: string;
}
const outcomes: { scope: string; mode: string; per: Outcome[] }[] = [];
const perQuestion = opts.perQuestion ? fs.createWriteStream(opts.perQuestion) : null;
const yearOf = readYears(path.join(dir, 'manifest.jsonl'));
const allScopes: string[] = [...scopes, ...(opts.yearQuestions ? ['year-q'] : [])];
for (const scope of allScopes) {
  for (const mode of modes) {
    const per: Outcome[] = [];
    const bar = new cliProgress.SingleBar({ format: `${scope}/${mode} {bar} {value}/{total}` }, cliProgress.Presets.shades_classic);
    bar.start(queries.length, 0);
    for (const q of queries) {
      const t0 = performance.now();
      const year = yearOf.get(q.recording_id);
      const text = scope === 'year-q' && year ? inYear(year, q.query, q.language) : q.query;
      adapterFor(q.recording_id);
      const results = await search(text, mode, scope === 'recording' ? q.recording_id : undefined);
      const ms = performance.now() - t0;
      const gold = { recordingId: q.recording_id, spans: q.gold };
      const outcome: Outcome = {
        split: splitOf(q.recording_id),
        link: scoreQuery(results, gold, 'link'),
        overlap: scoreQuery(results, gold, 'overlap').ndcg,
        error: linkError(results, gold),
        ms,
        returned: scope === 'year-q' && year ? results.length : 0,
        inYear: scope === 'year-q' && year ? results.filter((r) => r.recordedAt?.startsWith(year)).length : 0,
        language: q.language,
      };
      per.push(outcome);
      perQuestion?.write(`${JSON.stringify({
        scope, mode, query: text, recording_id: q.recording_id, gold: q.gold, split: outcome.split, language: q.language,
        link_ndcg: outcome.link.ndcg, link_rr: outcome.link.rr, overlap_ndcg: outcome.overlap, link_error_s: outcome.error,
        results: results.map((r) => ({ recording_id: r.recordingId, start: r.start, end: r.end, link: r.link })),
      })}\n`);
      bar.increment();
    }
    bar.stop();
    outcomes.push({ scope, mode, per });
  }
}

function summarise(scope: string, mode: string, per: Outcome[]): Row {
  const ms = per.map((x) => x.ms).sort((a, b) => a - b);
  const returned = per.reduce((a, x) => a + x.returned, 0);
  return {
    scope,
    mode,
    ndcg: mean(per.map((x) => x.link.ndcg)),
    mrr: mean(per.map((x) => x.link.rr)),
    recall: mean(per.map((x) => x.link.recall)),
    first_inside: per.filter((x) => x.link.rr === 1).length,
    link_error_s: median(per.flatMap((x) => (x.error === null ? [] : [x.error]))),
    overlap_ndcg: mean(per.map((x) => x.overlap)),
    p50_ms: ms[Math.floor(ms.length / 2)] ?? 0,
    queries: per.length,
    ...(scope === 'year-q' ? { in_year: returned ? per.reduce((a, x) => a + x.inYear, 0) / returned : 0 } : {}),
  };
}
const table = outcomes.map((o) => summarise(o.scope, o.mode, o.per));
const holdout = outcomes.map((o) => summarise(o.scope, o.mode, o.per.filter((x) => x.split === 'holdout')));
// The other three quarters: what settings are chosen on.
const tune = outcomes.map((o) => summarise(o.scope, o.mode, o.per.filter((x) => x.split === 'tune')));

function print(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  console.log('                    by link (the deep link lands inside the answer)      by overlap');
  console.log('scope      mode     nDCG@10  MRR     Recall@10  first hit inside  median link error  nDCG@10   p50 ms  top-10 from the year');
  for (const r of rows) {
    console.log(
      `${r.scope.padEnd(10)} ${r.mode.padEnd(8)} ${r.ndcg.toFixed(4)}   ${r.mrr.toFixed(4)}  ${r.recall.toFixed(4)}     ${`${r.first_inside}/${r.queries}`.padEnd(17)} ${`${r.link_error_s.toFixed(1)} s`.padEnd(18)} ${r.overlap_ndcg.toFixed(4)}    ${r.p50_ms.toFixed(1).padEnd(7)} ${r.in_year === undefined ? '' : `${(r.in_year * 100).toFixed(1)} %`}`,
    );
  }
}
print(`${queries.length} questions from ${dir}`, table);
print(`of which ${tune[0]?.queries ?? 0} about the other three quarters (the tuning questions)`, tune);
print(`of which ${holdout[0]?.queries ?? 0} about the held-out quarter of the recordings (never tuned on)`, holdout);
const languages = [...new Set(queries.map((q) => q.language))].sort();
const byLanguage: Record<string, Row[]> = {};
if (languages.length > 1) {
  for (const l of languages) {
    byLanguage[l] = outcomes.map((o) => summarise(o.scope, o.mode, o.per.filter((x) => x.language === l)));
    print(`of which ${byLanguage[l][0]?.queries ?? 0} in ${l}`, byLanguage[l]);
  }
}
perQuestion?.end();
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ dir, questions: queries.length, results: table, tune, holdout, by_language: byLanguage }, null, 2));
await services?.close();

/** A question with its recording's year put in front, as a researcher writing in its language would. */
function inYear(year: string, question: string, language: string): string {
  if (language.startsWith('es')) return `En ${year}, ${question}`;
  if (language.startsWith('de')) return `Im Jahr ${year}: ${question}`;
  return `In ${year}, ${question}`;
}

function readYears(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    const r = JSON.parse(l) as { id?: string; recorded_at?: string };
    if (r.id && r.recorded_at) out.set(r.id, r.recorded_at.slice(0, 4));
  }
  return out;
}
