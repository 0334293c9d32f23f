/**
 * Evaluation harness: `npm run eval -- <dir with manifest.jsonl and queries.jsonl> [options]`.
 * Ingests the manifest (into a temporary data dir unless --data-dir is given), runs every question through
 * the search service in each mode, archive-wide and within its recording, and prints nDCG@10, MRR and
 * Recall@10. With --url it questions a running server over HTTP instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { openServices, type Services } from '../src/services.js';
import type { SearchMode } from '../src/domain.js';
import { ingestManifest } from '../ingest/bulk.js';
import { searchMoments } from '../search/search.js';
import { mean, scoreQuery, type QueryScores, type Returned } from './eval/metrics.js';

const Query = z.object({ query: z.string(), recording_id: z.string(), gold: z.array(z.tuple([z.number(), z.number()])) });
type Query = z.infer<typeof Query>;

const program = new Command('eval')
  .argument('<dir>', 'folder with manifest.jsonl and queries.jsonl')
  .option('--data-dir <dir>', 'archive to ingest into and search (default: a temporary one)')
  .option('--modes <list>', 'comma-separated modes', 'hybrid,bm25,vector')
  .option('--scopes <list>', 'archive and/or recording', 'archive,recording')
  .option('--max-queries <n>', 'evaluate only the first n questions', (v) => parseInt(v, 10))
  .option('--url <base>', 'evaluate a running server through GET /v1/search instead of in-process')
  .option('--embed-cache <dir>', 'where computed vectors are kept between runs', path.resolve('.tmp/embed-cache'))
  .option('--json <file>', 'also write the figures as JSON')
  .option('--year-questions', 'also ask each question as "In <year of its recording>, <question>" (temporal routing)')
  .parse();

const opts = program.opts<{ dataDir?: string; modes: string; scopes: string; maxQueries?: number; url?: string; embedCache: string; json?: string; yearQuestions?: boolean }>();
const dir = path.resolve(program.args[0]);
const queries = readQueries(path.join(dir, 'queries.jsonl')).slice(0, opts.maxQueries);
const modes = opts.modes.split(',') as SearchMode[];
const scopes = opts.scopes.split(',') as ('archive' | 'recording')[];

let services: Services | null = null;
type Hit = Returned & { recordedAt: string | null };
let search: (q: string, mode: SearchMode, recording?: string) => Promise<Hit[]>;
if (opts.url) {
  search = async (q, mode, recording) => {
    const u = new URL('/v1/search', opts.url);
    u.search = new URLSearchParams({ q, mode, limit: '10', ...(recording ? { recording } : {}) }).toString();
    const res = await fetch(u);
    if (!res.ok) throw new Error(`${u}: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { results: { recording_id: string; start: number; end: number; recorded_at: string | null }[] };
    return body.results.map((r) => ({ recordingId: r.recording_id, start: r.start, end: r.end, recordedAt: r.recorded_at }));
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
  search = async (q, mode, recording) => {
    const out = await searchMoments(s, { q, mode, limit: 10, filters: recording ? { recordingId: recording } : {} });
    return out.results.map((r) => ({ recordingId: r.recording_id, start: r.start, end: r.end, recordedAt: r.recorded_at }));
  };
}

const table: { scope: string; mode: string; ndcg: number; mrr: number; recall: number; p50_ms: number; queries: number; in_year?: number }[] = [];
const yearOf = readYears(path.join(dir, 'manifest.jsonl'));
const allScopes: string[] = [...scopes, ...(opts.yearQuestions ? ['year-q'] : [])];
for (const scope of allScopes) {
  for (const mode of modes) {
    const scores: QueryScores[] = [];
    const ms: number[] = [];
    let inYear = 0;
    let returned = 0;
    const bar = new cliProgress.SingleBar({ format: `${scope}/${mode} {bar} {value}/{total}` }, cliProgress.Presets.shades_classic);
    bar.start(queries.length, 0);
    for (const q of queries) {
      const t0 = performance.now();
      const year = yearOf.get(q.recording_id);
      const text = scope === 'year-q' && year ? `In ${year}, ${q.query}` : q.query;
      const results = await search(text, mode, scope === 'recording' ? q.recording_id : undefined);
      ms.push(performance.now() - t0);
      if (scope === 'year-q' && year) {
        returned += results.length;
        inYear += results.filter((r) => r.recordedAt?.startsWith(year)).length;
      }
      scores.push(scoreQuery(results, { recordingId: q.recording_id, spans: q.gold }));
      bar.increment();
    }
    bar.stop();
    ms.sort((a, b) => a - b);
    table.push({
      scope,
      mode,
      ndcg: mean(scores.map((x) => x.ndcg)),
      mrr: mean(scores.map((x) => x.rr)),
      recall: mean(scores.map((x) => x.recall)),
      p50_ms: ms[Math.floor(ms.length / 2)] ?? 0,
      queries: queries.length,
      ...(scope === 'year-q' ? { in_year: returned ? inYear / returned : 0 } : {}),
    });
  }
}

console.log(`\n${queries.length} questions from ${dir}`);
console.log('scope      mode     nDCG@10  MRR     Recall@10  p50 ms  top-10 from the year');
for (const r of table) {
  console.log(
    `${r.scope.padEnd(10)} ${r.mode.padEnd(8)} ${r.ndcg.toFixed(4)}   ${r.mrr.toFixed(4)}  ${r.recall.toFixed(4)}     ${r.p50_ms.toFixed(1).padEnd(7)} ${r.in_year === undefined ? '' : `${(r.in_year * 100).toFixed(1)} %`}`,
  );
}
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ dir, questions: queries.length, results: table }, null, 2));
await services?.close();

function readYears(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    const r = JSON.parse(l) as { id?: string; recorded_at?: string };
    if (r.id && r.recorded_at) out.set(r.id, r.recorded_at.slice(0, 4));
  }
  return out;
}

function readQueries(file: string): Query[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = Query.safeParse(JSON.parse(l));
      if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues[0].message}`);
      return r.data;
    });
}
