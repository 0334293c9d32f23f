/**
 * Fusion lab: `tsx scripts/eval/fusion-lab.ts <eval dir> --data-dir <ingested archive> [--max-queries n]`.
 * Gathers both legs' candidate lists once per question (archive-wide), then scores fusion strategies
 * offline, so a fusion change can be measured in seconds instead of a full evaluation run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openServices } from '../../src/services.js';
import { understand, queryVector } from '../../search/search.js';
import { lexicalQuery } from '../../search/question.js';
import { mergeSpans } from '../../search/fusion.js';
import { mean, scoreQuery } from './metrics.js';

const program = new Command('fusion-lab')
  .argument('<dir>')
  .requiredOption('--data-dir <dir>')
  .option('--max-queries <n>', '', (v) => parseInt(v, 10))
  .option('--depth <n>', 'candidates per leg', (v) => parseInt(v, 10), 200)
  .option('--embed-cache <dir>', '', path.resolve('.tmp/embed-cache'))
  .parse();
const opts = program.opts<{ dataDir: string; maxQueries?: number; depth: number; embedCache: string }>();
const dir = path.resolve(program.args[0]);

interface Cand { id: string; rec: string; start: number; end: number; bm25: number | null; cos: number | null; bm25Rank: number | null; vecRank: number | null; cos2: number | null }
interface Gathered { query: string; recording_id: string; gold: [number, number][]; cands: Cand[] }

const cacheFile = path.join(opts.dataDir, `fusion-lab-${opts.depth}.json`);
let data: Gathered[];
if (fs.existsSync(cacheFile)) {
  data = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
} else {
  const cfg = loadConfig({ ...process.env, DATA_DIR: opts.dataDir });
  const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: opts.embedCache, cache: 'off' });
  const queries = fs.readFileSync(path.join(dir, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  data = [];
  let i = 0;
  for (const q of queries.slice(0, opts.maxQueries)) {
    const { p } = await understand(s, { q: q.query, limit: 10, mode: 'hybrid', filters: {} });
    const qv = await queryVector(s, p.q);
    const bm = await s.lexical.search(lexicalQuery(p.q), p.filters, opts.depth);
    const vec = await s.vectors!.search(qv, p.filters, opts.depth);
    const ids = [...new Set([...bm.map((h) => h.momentId), ...vec.map((h) => h.momentId)])];
    const cos = new Map<string, number>();
    const rows = await s.db.query<{ moment_id: string; c: number }>(
      'SELECT moment_id, 1 - (embedding <=> $1::halfvec) AS c FROM embeddings WHERE moment_id = ANY($2::text[])',
      [`[${Array.from(qv).join(',')}]`, ids],
    );
    for (const r of rows) cos.set(r.moment_id, Number(r.c));
    // The same cosine with the question's framing words removed, as the lexical leg sees it.
    const qv2 = await queryVector(s, lexicalQuery(p.q) || p.q);
    const cos2 = new Map<string, number>();
    const rows2 = await s.db.query<{ moment_id: string; c: number }>(
      'SELECT moment_id, 1 - (embedding <=> $1::halfvec) AS c FROM embeddings WHERE moment_id = ANY($2::text[])',
      [`[${Array.from(qv2).join(',')}]`, ids],
    );
    for (const r of rows2) cos2.set(r.moment_id, Number(r.c));
    const ms = await s.archive.momentsByIds(ids);
    const bmRank = new Map(bm.map((h, r) => [h.momentId, r]));
    const bmScore = new Map(bm.map((h) => [h.momentId, h.score]));
    const vRank = new Map(vec.map((h, r) => [h.momentId, r]));
    data.push({
      query: q.query, recording_id: q.recording_id, gold: q.gold,
      cands: ids.filter((id) => ms.has(id)).map((id) => {
        const m = ms.get(id)!;
        return { id, rec: m.recordingId, start: m.start, end: m.end, bm25: bmScore.get(id) ?? null, cos: cos.get(id) ?? null, cos2: cos2.get(id) ?? null, bm25Rank: bmRank.get(id) ?? null, vecRank: vRank.get(id) ?? null };
      }),
    });
    if (++i % 100 === 0) console.error(`gathered ${i}`);
  }
  fs.writeFileSync(cacheFile, JSON.stringify(data));
  await s.close();
}

// LAB_SPLIT=0|1: score only the even or odd questions, to see whether a difference holds on both halves.
if (process.env.LAB_SPLIT === '0' || process.env.LAB_SPLIT === '1') data = data.filter((_, i) => i % 2 === Number(process.env.LAB_SPLIT));

type Scorer = (c: Cand[], q: Gathered) => Map<string, number>;
function evaluate(name: string, scorer: Scorer) {
  const nd: number[] = [];
  for (const q of data) {
    const sc = scorer(q.cands, q);
    const hits = q.cands.filter((c) => sc.has(c.id)).map((c) => ({ recordingId: c.rec, start: c.start, end: c.end, score: sc.get(c.id)!, text: '' }));
    hits.sort((a, b) => b.score - a.score);
    const merged = mergeSpans(hits.slice(0, 30), 2, () => {}).slice(0, 10);
    nd.push(scoreQuery(merged, { recordingId: q.recording_id, spans: q.gold }).ndcg);
  }
  console.log(`${name.padEnd(48)} nDCG@10 ${mean(nd).toFixed(4)}`);
}

const rrf = (r: number | null, k: number) => (r === null ? 0 : 1 / (k + r + 1));
evaluate('bm25', (cs) => new Map(cs.filter((c) => c.bm25Rank !== null).map((c) => [c.id, -c.bm25Rank!])));
evaluate('vector', (cs) => new Map(cs.filter((c) => c.vecRank !== null).map((c) => [c.id, -c.vecRank!])));
for (const w of [1, 0.5, 0.3, 0.2, 0.1]) {
  evaluate(`rrf k60 w${w}`, (cs) => new Map(cs.map((c) => [c.id, rrf(c.bm25Rank, 60) + w * rrf(c.vecRank, 60)])));
}
// The vector leg reranks the lexical candidates: cosine ranks among BM25's top N only.
for (const n of [20, 50, 100]) for (const w of [1, 0.5, 0.3]) {
  evaluate(`rerank top${n} w${w}`, (cs) => {
    const pool = cs.filter((c) => c.bm25Rank !== null && c.bm25Rank < n && c.cos !== null);
    const byCos = [...pool].sort((a, b) => b.cos! - a.cos!);
    const cr = new Map(byCos.map((c, i) => [c.id, i]));
    return new Map(pool.map((c) => [c.id, rrf(c.bm25Rank, 60) + w * rrf(cr.get(c.id)!, 60)]));
  });
}
for (const n of [50, 100]) for (const w of [0.5, 1]) {
  evaluate(`rerank(stripped q) top${n} w${w}`, (cs) => {
    const pool = cs.filter((c) => c.bm25Rank !== null && c.bm25Rank < n && c.cos2 !== null);
    const byCos = [...pool].sort((a, b) => b.cos2! - a.cos2!);
    const cr = new Map(byCos.map((c, i) => [c.id, i]));
    return new Map(pool.map((c) => [c.id, rrf(c.bm25Rank, 60) + w * rrf(cr.get(c.id)!, 60)]));
  });
}
// Score fusion: BM25 normalised by the query's best, plus cosine z-scored over the pool.
for (const a of [0.1, 0.2, 0.3, 0.5]) {
  evaluate(`score bm25/max + ${a}*z(cos)`, (cs) => {
    const pool = cs.filter((c) => c.cos !== null);
    const mx = Math.max(...pool.map((c) => c.bm25 ?? 0), 1e-9);
    const m = mean(pool.map((c) => c.cos!));
    const sd = Math.sqrt(mean(pool.map((c) => (c.cos! - m) ** 2))) || 1;
    return new Map(pool.map((c) => [c.id, (c.bm25 ?? 0) / mx + a * ((c.cos! - m) / sd)]));
  });
}
// Recording prior: how strongly a recording as a whole answers, from its best lexical moments.
for (const b of [0.3, 0.5, 1]) {
  evaluate(`rrf w0.3 + recording prior ${b}`, (cs) => {
    const rec = new Map<string, number>();
    for (const c of cs) rec.set(c.rec, (rec.get(c.rec) ?? 0) + rrf(c.bm25Rank, 60) + 0.3 * rrf(c.vecRank, 60));
    const mx = Math.max(...rec.values());
    return new Map(cs.map((c) => [c.id, rrf(c.bm25Rank, 60) + 0.3 * rrf(c.vecRank, 60) + (b * rec.get(c.rec)!) / mx / 60]));
  });
}
// The vector leg cut to its top N: only its confident candidates get a vote.
for (const n of [5, 10, 20, 50]) for (const w of [0.3, 0.5, 1]) {
  evaluate(`rrf k60, vector top${n} only, w${w}`, (cs) => new Map(cs.map((c) => [c.id, rrf(c.bm25Rank, 60) + (c.vecRank !== null && c.vecRank < n ? w * rrf(c.vecRank, 60) : 0)])));
}
// Agreement: a lexical candidate that the vector leg also ranks highly is boosted; nothing is added otherwise.
for (const n of [10, 20, 50, 100]) for (const b of [0.1, 0.2, 0.4]) {
  evaluate(`bm25 rrf × (1+${b}) when vector top${n}`, (cs) =>
    new Map(cs.filter((c) => c.bm25Rank !== null).map((c) => [c.id, rrf(c.bm25Rank, 60) * (c.vecRank !== null && c.vecRank < n ? 1 + b : 1)])));
}
// Small cosine weights on normalised BM25 scores (lexical candidates only).
for (const a of [0.01, 0.02, 0.05, 0.1]) {
  evaluate(`lexical only: bm25/max + ${a}*z(cos)`, (cs) => {
    const pool = cs.filter((c) => c.bm25 !== null && c.cos !== null);
    if (pool.length === 0) return new Map();
    const mx = Math.max(...pool.map((c) => c.bm25!), 1e-9);
    const m = mean(pool.map((c) => c.cos!));
    const sd = Math.sqrt(mean(pool.map((c) => (c.cos! - m) ** 2))) || 1;
    return new Map(pool.map((c) => [c.id, c.bm25! / mx + a * ((c.cos! - m) / sd)]));
  });
}
// Different k per leg: a small k makes the top of a list count more.
for (const [kb, kv, w] of [[60, 10, 0.3], [60, 10, 0.1], [20, 60, 0.2], [10, 60, 0.2], [30, 30, 0.2]] as const) {
  evaluate(`rrf kb${kb} kv${kv} w${w}`, (cs) => new Map(cs.map((c) => [c.id, rrf(c.bm25Rank, kb) + w * rrf(c.vecRank, kv)])));
}
// The vector leg votes only inside the recordings that BM25 ranks best: archive-wide it confuses similar
// meetings (its recording-scope figures are good, its archive-wide ones poor), so it reorders, it does not pick.
const topRecordings = (cs: Cand[], r: number) => {
  const best = new Map<string, number>();
  for (const c of cs) if (c.bm25Rank !== null) best.set(c.rec, Math.min(best.get(c.rec) ?? Infinity, c.bm25Rank));
  return new Set([...best.entries()].sort((a, b) => a[1] - b[1]).slice(0, r).map(([rec]) => rec));
};
for (const r of [1, 2, 3, 5, 10]) for (const w of [0.3, 0.5, 1]) {
  evaluate(`rrf, vector votes in BM25's top ${r} recordings, w${w}`, (cs) => {
    const recs = topRecordings(cs, r);
    return new Map(cs.filter((c) => c.bm25Rank !== null || recs.has(c.rec)).map((c) => [c.id, rrf(c.bm25Rank, 60) + (recs.has(c.rec) ? w * rrf(c.vecRank, 60) : 0)]));
  });
}
for (const r of [1, 2, 3, 5]) for (const w of [0.5, 1]) {
  evaluate(`rrf, cosine rank within BM25's top ${r} recordings, w${w}`, (cs) => {
    const recs = topRecordings(cs, r);
    const pool = cs.filter((c) => recs.has(c.rec) && c.cos !== null).sort((a, b) => b.cos! - a.cos!);
    const cr = new Map(pool.map((c, i) => [c.id, i]));
    return new Map(cs.filter((c) => c.bm25Rank !== null || cr.has(c.id)).map((c) => [c.id, rrf(c.bm25Rank, 60) + (cr.has(c.id) ? w * rrf(cr.get(c.id)!, 60) : 0)]));
  });
}
// Score fusion over both legs' candidates (a vector-only candidate has BM25 0), small cosine weights.
for (const a of [0.01, 0.02, 0.03, 0.05]) {
  evaluate(`union: bm25/max + ${a}*z(cos)`, (cs) => {
    const pool = cs.filter((c) => c.cos !== null);
    const mx = Math.max(...pool.map((c) => c.bm25 ?? 0), 1e-9);
    const m = mean(pool.map((c) => c.cos!));
    const sd = Math.sqrt(mean(pool.map((c) => (c.cos! - m) ** 2))) || 1;
    return new Map(pool.map((c) => [c.id, (c.bm25 ?? 0) / mx + a * ((c.cos! - m) / sd)]));
  });
}
// As the service runs it: each leg's top 50 (depth = max(50, 5 × limit)), cosine looked up for lexical-only candidates.
for (const a of [0.01, 0.02, 0.03]) {
  evaluate(`depth50 union: bm25/max + ${a}*z(cos)`, (cs) => {
    const pool = cs.filter((c) => c.cos !== null && ((c.bm25Rank !== null && c.bm25Rank < 50) || (c.vecRank !== null && c.vecRank < 50)));
    const mx = Math.max(...pool.map((c) => (c.bm25Rank !== null && c.bm25Rank < 50 ? c.bm25! : 0)), 1e-9);
    const m = mean(pool.map((c) => c.cos!));
    const sd = Math.sqrt(mean(pool.map((c) => (c.cos! - m) ** 2))) || 1;
    return new Map(pool.map((c) => [c.id, (c.bm25Rank !== null && c.bm25Rank < 50 ? c.bm25! : 0) / mx + a * ((c.cos! - m) / sd)]));
  });
}
evaluate('depth50 bm25', (cs) => new Map(cs.filter((c) => c.bm25Rank !== null && c.bm25Rank < 50).map((c) => [c.id, -c.bm25Rank!])));
