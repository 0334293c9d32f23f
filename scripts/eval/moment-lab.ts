/**
 * Moment lab: `tsx scripts/eval/moment-lab.ts <eval dir> --data-dir <ingested archive>`.
 * Gathers both legs' candidates once per question (archive-wide and within the question's recording) from
 * an archive `npm run eval` ingested, then scores ranking, fusion and merging variants offline by link
 * relevance, so a change can be measured in seconds instead of a full evaluation run. It scores only the
 * tuning split (see splitOf): the held-out quarter is for `npm run eval` to report, never to choose by.
 */
import fs from 'node:fs';
import path from 'node:path';
import { understand, queryVector } from '../../src/retrieval/search.js';
import { lexicalQuery } from '../../src/retrieval/question.js';
import { withNeighbourEvidence, withRecordingEvidence } from '../../src/retrieval/fusion.js';
import { mean, scoreQuery, splitOf, linkError, median } from './metrics.js';
import { labCommand, openLab } from './lab.js';
import { readQuestions } from './questions.js';
import { meanAndSd, stem } from '../../src/core/index.js';
import { contentStems, words } from '../../src/retrieval/text.js';

const program = labCommand('moment-lab')
  .option('--depth <n>', 'candidates per leg', (v) => parseInt(v, 10), 100)
  .option('--learn', 'fit the weights of a linear fusion over both legs and their evidence (coordinate ascent, 2-fold)')
  .option('--prf', 'score the cosine to the question moved toward the mean vector of BM25\'s best moments (pseudo-relevance feedback)')
  .option('--document', 'add evidence from BM25 over whole recordings (each recording one document) to the default fusion')
  .option('--normalisation', 'score fusion with the cosine z-scored, on a fixed scale, or min-max scaled over the candidates')
  .option('--adaptive', 'score fusion whose cosine weight depends on a signal of the question (how many moments BM25 finds, its best score, …), fitted 2-fold')
  .option('--expand', 'with --document: score the recordings with the question expanded by the words of its best recordings (RM3)')
  .parse();
const opts = program.opts<{ dataDir: string; depth: number; embedCache: string; learn?: boolean; prf?: boolean; document?: boolean; expand?: boolean; normalisation?: boolean; adaptive?: boolean }>();
const dir = path.resolve(program.args[0]);

type Scope = 'archive' | 'recording';
/** [momentId, bm25 | null, cosine of the whole question | null, cosine of the question without framing | null] */
type Cand = [string, number | null, number | null, number | null];
interface Gathered { query: string; recording_id: string; gold: [number, number][]; scopes: Record<Scope, Cand[]> }
interface Lab { moments: Record<string, [string, number, number]>; questions: Gathered[] }

const cacheFile = path.join(opts.dataDir, `moment-lab-${opts.depth}.json`);
let lab: Lab;
if (fs.existsSync(cacheFile)) {
  lab = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
} else {
  const s = await openLab(opts);
  const queries = readQuestions(path.join(dir, 'queries.jsonl'));
  lab = { moments: {}, questions: [] };
  let i = 0;
  for (const q of queries.filter((x) => splitOf(x.recording_id) === 'tune')) {
    const { p } = await understand(s, { q: q.query, limit: 10, mode: 'hybrid', filters: {} });
    const qv = s.vectors ? await queryVector(s, p.q) : null;
    // The question without its framing words ("What did the group discuss about …"), as the lexical leg sees it.
    const qv2 = s.vectors ? await queryVector(s, lexicalQuery(p.q)) : null;
    const scopes = {} as Record<Scope, Cand[]>;
    for (const scope of ['archive', 'recording'] as const) {
      const filters = scope === 'recording' ? { recordingId: q.recording_id } : {};
      const bm = await s.lexical.search(lexicalQuery(p.q), filters, opts.depth);
      const vec = qv ? await s.vectors!.search(qv, filters, opts.depth) : [];
      const ids = [...new Set([...bm.map((h) => h.momentId), ...vec.map((h) => h.momentId)])];
      const cos = qv ? await s.vectors!.similarities(qv, ids) : new Map<string, number>();
      const cos2 = qv2 ? await s.vectors!.similarities(qv2, ids) : new Map<string, number>();
      const bmScore = new Map(bm.map((h) => [h.momentId, h.score]));
      for (const [id, m] of await s.archive.momentsByIds(ids.filter((x) => !lab.moments[x]))) lab.moments[id] = [m.recordingId, m.start, m.end];
      scopes[scope] = ids.filter((id) => lab.moments[id]).map((id) => [id, bmScore.get(id) ?? null, cos.get(id) ?? null, cos2.get(id) ?? null]);
    }
    lab.questions.push({ query: q.query, recording_id: q.recording_id, gold: q.gold, scopes });
    if (++i % 100 === 0) console.error(`gathered ${i}`);
  }
  fs.writeFileSync(cacheFile, JSON.stringify(lab));
  await s.close();
}

interface C { id: string; rec: string; start: number; end: number; bm25: number | null; cos: number | null; cos2: number | null }
/** Fused scores of a question's candidates (`q`: the question, for scorers that read more than its candidates). */
type Scorer = (cs: C[], q: Gathered) => Map<string, number>;
interface Merge { gapS: number; anchor: 'best' | 'first'; contextS: number }
const DEFAULT_MERGE: Merge = { gapS: 2, anchor: 'best', contextS: 0 };

function rank(cs: C[], scores: Map<string, number>, m: Merge) {
  const hits = cs.filter((c) => scores.has(c.id)).map((c) => ({ ...c, score: scores.get(c.id)! }));
  hits.sort((a, b) => b.score - a.score);
  const top = hits.slice(0, 30);
  // merge: hits of one recording that touch become one passage; the link stays on the best hit.
  const byRec = new Map<string, typeof top>();
  for (const h of top) byRec.set(h.rec, [...(byRec.get(h.rec) ?? []), h]);
  const out: { recordingId: string; start: number; end: number; link: number; score: number }[] = [];
  for (const g of byRec.values()) {
    g.sort((a, b) => a.start - b.start);
    let cur = { recordingId: g[0].rec, start: g[0].start, end: g[0].end, link: g[0].start, score: g[0].score };
    for (const h of g.slice(1)) {
      if (h.start <= cur.end + m.gapS) {
        cur.end = Math.max(cur.end, h.end);
        if (h.score > cur.score) {
          cur.score = h.score;
          if (m.anchor === 'best') cur.link = h.start;
        }
      } else {
        out.push(cur);
        cur = { recordingId: h.rec, start: h.start, end: h.end, link: h.start, score: h.score };
      }
    }
    out.push(cur);
  }
  return out
    .sort((a, b) => b.score - a.score)
    .slice(0, 10)
    .map((r) => ({ ...r, start: Math.max(0, r.start - m.contextS), end: r.end + m.contextS, link: Math.floor(r.link) }));
}

function evaluate(name: string, scorer: Scorer, m: Merge = DEFAULT_MERGE, questions: Gathered[] = lab.questions, scopes: readonly Scope[] = ['archive', 'recording']) {
  const line: string[] = [];
  for (const scope of scopes) {
    const halves: number[][] = [[], []];
    const ov: number[] = [];
    const err: number[] = [];
    questions.forEach((q, qi) => {
      const cs: C[] = q.scopes[scope].map(([id, bm25, cos, cos2]) => {
        const [rec, start, end] = lab.moments[id];
        return { id, rec, start, end, bm25, cos, cos2 };
      });
      const res = rank(cs, scorer(cs, q), m);
      const gold = { recordingId: q.recording_id, spans: q.gold };
      halves[qi % 2].push(scoreQuery(res, gold, 'link').ndcg);
      ov.push(scoreQuery(res, gold, 'overlap').ndcg);
      const e = linkError(res, gold);
      if (e !== null) err.push(e);
    });
    const all = [...halves[0], ...halves[1]];
    line.push(`${scope} ${mean(all).toFixed(4)} (${mean(halves[0]).toFixed(3)}/${mean(halves[1]).toFixed(3)}) ov ${mean(ov).toFixed(3)} err ${median(err).toFixed(0)}`);
  }
  console.log(`${name.padEnd(44)} ${line.join(' | ')}`);
}

const zs = (xs: (number | null)[]) => {
  const { mean: m, sd } = meanAndSd(xs.filter((x): x is number => x !== null));
  return (x: number | null) => (x === null ? 0 : (x - m) / sd);
};
const scoreFusion = (a: number, which: 'cos' | 'cos2' = 'cos'): Scorer => (cs) => {
  const mx = Math.max(1e-9, ...cs.map((c) => c.bm25 ?? 0));
  const z = zs(cs.map((c) => c[which]));
  return new Map(cs.map((c) => [c.id, (c.bm25 ?? 0) / mx + a * z(c[which])]));
};
/** Each candidate plus `beta` × the fused scores of the other candidates of its recording within `w` seconds. */
const withContext = (base: Scorer, w: number, beta: number, kernel: 'flat' | 'tri' = 'tri'): Scorer => (all, q) => {
  const f = base(all, q);
  const cs = all.filter((c) => f.has(c.id));
  const out = new Map<string, number>();
  const byRec = new Map<string, C[]>();
  for (const c of cs) byRec.set(c.rec, [...(byRec.get(c.rec) ?? []), c]);
  for (const c of cs) {
    let ctx = 0;
    for (const o of byRec.get(c.rec)!) {
      if (o === c) continue;
      const d = Math.abs(o.start - c.start);
      if (d > w) continue;
      ctx += Math.max(0, f.get(o.id)!) * (kernel === 'tri' ? 1 - d / w : 1);
    }
    out.set(c.id, f.get(c.id)! + beta * ctx);
  }
  return out;
};

/** As withContext, with distance counted in moments (from the ids' sequence numbers) instead of seconds. */
const withSeqContext = (base: Scorer, k: number, beta: number): Scorer => (all, q) => {
  const f = base(all, q);
  const cs = all.filter((c) => f.has(c.id));
  const seq = (id: string) => Number(id.slice(id.lastIndexOf('#') + 1));
  const out = new Map<string, number>();
  for (const c of cs) {
    let ctx = 0;
    for (const o of cs) {
      if (o === c || o.rec !== c.rec) continue;
      const d = Math.abs(seq(o.id) - seq(c.id));
      if (d <= k) ctx += Math.max(0, f.get(o.id)!) * (1 - d / (k + 1));
    }
    out.set(c.id, f.get(c.id)! + beta * ctx);
  }
  return out;
};

/** Each candidate plus `gamma` × its recording's share of the evidence: the sum of its candidates' scores over the best recording's. */
const withRecordingPrior = (base: Scorer, gamma: number, top = 5): Scorer => (all, q) => {
  const f = base(all, q);
  const cs = all.filter((c) => f.has(c.id));
  const per = new Map<string, number[]>();
  for (const c of cs) per.set(c.rec, [...(per.get(c.rec) ?? []), Math.max(0, f.get(c.id) ?? 0)]);
  const mass = new Map([...per].map(([r, xs]) => [r, xs.sort((a, b) => b - a).slice(0, top).reduce((a, b) => a + b, 0)]));
  const best = Math.max(1e-9, ...mass.values());
  const fmax = Math.max(1e-9, ...f.values());
  return new Map([...f].map(([id, x]) => [id, x + gamma * fmax * (mass.get(cs.find((c) => c.id === id)!.rec)! / best)]));
};


// ---------------------------------------------------------------- learned fusion (--learn)
/**
 * Candidates as the search gathers them: BM25's best LEX_DEPTH, each with its cosine; the vector leg's own
 * nearest neighbours only when BM25 finds fewer than PAGE_DEPTH (or `extraVec` of them always). Features per
 * candidate: BM25 over the best, z-scored cosine, passage evidence (neighbours within 12 moments, triangular)
 * and recording evidence (its 10 best over the best recording's) of each leg apart.
 */
const LEX_DEPTH = 50;
const PAGE_DEPTH = 30;
type Feat = { c: C; base: number; f: number[] };
const FEATURES = ['cos z', 'bm25 passage', 'cos passage', 'bm25 recording', 'cos recording'];
function features(all: C[], extraVec: number): Feat[] {
  const lex = all.filter((c) => c.bm25 !== null).sort((a, b) => b.bm25! - a.bm25!).slice(0, LEX_DEPTH);
  const byCos = all.filter((c) => c.cos !== null).sort((a, b) => b.cos! - a.cos!);
  const extra = lex.length < PAGE_DEPTH ? LEX_DEPTH : extraVec;
  const pool = [...new Map([...lex, ...byCos.slice(0, extra)].map((c) => [c.id, c])).values()];
  if (pool.length === 0) return [];
  const mx = Math.max(1e-9, ...pool.map((c) => c.bm25 ?? 0));
  const z = zs(pool.map((c) => c.cos));
  const b = pool.map((c) => (c.bm25 ?? 0) / mx);
  const zz = pool.map((c) => z(c.cos));
  // Each leg's evidence as the search computes it (src/retrieval/fusion.ts), less the score it was added to.
  const passage = (xs: number[]) => {
    const out = withNeighbourEvidence(new Map(pool.map((c, i) => [c.id, xs[i]])), 12, 1);
    return pool.map((c, i) => out.get(c.id)! - xs[i]);
  };
  const recording = (xs: number[]) => {
    const best = Math.max(0, ...xs);
    if (best === 0) return pool.map(() => 0);
    const out = withRecordingEvidence(new Map(pool.map((c, i) => [c.id, xs[i]])), 1, 10);
    return pool.map((c, i) => (out.get(c.id)! - xs[i]) / best);
  };
  const [pb, pz, rb, rz] = [passage(b), passage(zz), recording(b), recording(zz)];
  return pool.map((c, i) => ({ c, base: b[i], f: [zz[i], pb[i], pz[i], rb[i], rz[i]] }));
}


const bm25Scorer: Scorer = (cs) => new Map(cs.filter((c) => c.bm25 !== null).map((c) => [c.id, c.bm25!]));

// ---------------------------------------------------------------- pseudo-relevance feedback (--prf)
/**
 * The question's vector moved toward the mean vector of BM25's best `k` moments (Rocchio): q̂ + β·m̂, so the
 * cosine also says how close a candidate is to what the lexical leg found first. Each variant's cosines are
 * gathered once (beside the lab's cache) and put in place of the framing-free cosine, then scored as the
 * default fusion scores the plain one.
 */
const PRF_VARIANTS: [number, number][] = [[3, 0.5], [3, 1], [10, 0.5], [10, 1], [10, 2]];
if (opts.prf) {
  const prfFile = path.join(opts.dataDir, `moment-lab-prf-${opts.depth}.json`);
  let prf: Record<Scope, number[][]>[];
  if (fs.existsSync(prfFile)) prf = JSON.parse(fs.readFileSync(prfFile, 'utf8'));
  else {
    const s = await openLab(opts);
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    };
    prf = [];
    for (const q of lab.questions) {
      const { p } = await understand(s, { q: q.query, limit: 10, mode: 'hybrid', filters: {} });
      const qv = unit(await queryVector(s, p.q));
      const out = {} as Record<Scope, number[][]>;
      for (const scope of ['archive', 'recording'] as const) {
        const cands = q.scopes[scope];
        const byBm25 = cands.filter((c) => c[1] !== null).sort((a, b) => b[1]! - a[1]!);
        out[scope] = [];
        for (const [k, beta] of PRF_VARIANTS) {
          const top = byBm25.slice(0, k).map((c) => c[0]);
          const [row] = top.length ? await s.db.query<{ v: string | null }>('SELECT avg(embedding::vector)::text AS v FROM embeddings WHERE moment_id = ANY($1::text[])', [top]) : [];
          const centroid = row?.v ? unit(Float32Array.from(JSON.parse(row.v) as number[])) : null;
          const moved = centroid ? unit(qv.map((x, i) => x + beta * centroid[i])) : qv;
          const cos = await s.vectors!.similarities(moved, cands.map((c) => c[0]));
          out[scope].push(cands.map((c) => cos.get(c[0]) ?? 0));
        }
      }
      prf.push(out);
      if (prf.length % 100 === 0) console.error(`prf ${prf.length}`);
    }
    fs.writeFileSync(prfFile, JSON.stringify(prf));
    await s.close();
  }
  const fused = (a: number): Scorer => withRecordingPrior(withSeqContext(scoreFusion(a, 'cos2'), 12, 0.1), 0.25, 10);
  const plain: Gathered[] = lab.questions.map((q) => ({ ...q, scopes: { archive: q.scopes.archive.map((c) => [c[0], c[1], c[2], c[2]]), recording: q.scopes.recording.map((c) => [c[0], c[1], c[2], c[2]]) } }));
  console.log(`${lab.questions.length} tuning questions; nDCG@10 by link (halves), overlap nDCG, median link error s`);
  evaluate('bm25 + seq ctx 12 ×0.1 + rec 0.25', withRecordingPrior(withSeqContext(bm25Scorer, 12, 0.1), 0.25, 10));
  evaluate('vector', (cs) => new Map(cs.filter((c) => c.cos2 !== null).map((c) => [c.id, c.cos2!])), DEFAULT_MERGE, plain);
  for (const a of [0.1, 0.2, 0.3]) evaluate(`score ${a} + evidence (the default at 0.1)`, fused(a), DEFAULT_MERGE, plain);
  PRF_VARIANTS.forEach(([k, beta], vi) => {
    const moved: Gathered[] = lab.questions.map((q, qi) => ({
      ...q,
      scopes: {
        archive: q.scopes.archive.map((c, ci) => [c[0], c[1], c[2], prf[qi].archive[vi][ci]]),
        recording: q.scopes.recording.map((c, ci) => [c[0], c[1], c[2], prf[qi].recording[vi][ci]]),
      },
    }));
    evaluate(`prf k${k} β${beta}: vector`, (cs) => new Map(cs.filter((c) => c.cos2 !== null).map((c) => [c.id, c.cos2!])), DEFAULT_MERGE, moved);
    for (const a of [0.1, 0.2, 0.3]) evaluate(`prf k${k} β${beta}: score ${a} + evidence`, fused(a), DEFAULT_MERGE, moved);
  });
  process.exit(0);
}

const hasVectors = lab.questions.some((q) => q.scopes.archive.some((c) => c[2] !== null));
if (opts.document) {
  // BM25 over whole recordings: does the meeting that uses the question's words throughout tell the right
  // recording apart better than its best moments do (the recording evidence)?
  const manifest = fs.readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; transcript: string });
  const tf = new Map<string, Map<string, number>>();
  const len = new Map<string, number>();
  const df = new Map<string, number>();
  // Each recording's talk: its cues' text, voice tags dropped.
  const talk = new Map(manifest.map((r) => [r.id, fs.readFileSync(path.join(dir, r.transcript), 'utf8').split('\n').filter((l) => !/-->|^WEBVTT|^\s*$|^\d+$/.test(l)).map((l) => l.replace(/<[^>]+>/g, ' ')).join(' ')]));
  /** A recording's terms (`term` of each word, none when it gives none) counted, and how many words gave one. */
  const counted = (id: string, term: (w: string) => string | undefined) => {
    const counts = new Map<string, number>();
    let n = 0;
    for (const w of words(talk.get(id)!)) {
      const t = term(w);
      if (!t) continue;
      counts.set(t, (counts.get(t) ?? 0) + 1);
      n++;
    }
    return { counts, n };
  };
  for (const r of manifest) {
    const { counts, n } = counted(r.id, (w) => (w.length < 2 ? undefined : stem(w)));
    tf.set(r.id, counts);
    len.set(r.id, n);
    for (const t of counts.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const N = manifest.length;
  const avg = mean([...len.values()]);
  /** BM25 of one term in one recording. */
  const termScore = (t: string, id: string, k1: number, b: number) => {
    const f = tf.get(id)!.get(t);
    if (!f) return 0;
    const idf = Math.log(1 + (N - df.get(t)! + 0.5) / (df.get(t)! + 0.5));
    return (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * len.get(id)!) / avg));
  };
  const docScores = (q: string, k1: number, b: number) => {
    const terms = [...contentStems(lexicalQuery(q), { question: true })];
    return new Map([...tf.keys()].map((id) => [id, terms.reduce((sc, t) => sc + termScore(t, id, k1, b), 0)]));
  };
  /**
   * RM3: the question's terms (λ of the weight) and the `m` words most likely under a relevance model of the `k`
   * best recordings by docScores (each recording's content-word distribution weighted by its score), every
   * term scored as docScores scores one, weighted.
   */
  const contentTf = new Map<string, Map<string, number>>();
  const contentLen = new Map<string, number>();
  if (opts.expand) {
    for (const r of manifest) {
      const { counts, n } = counted(r.id, (w) => contentStems(w).values().next().value);
      contentTf.set(r.id, counts);
      contentLen.set(r.id, n);
    }
  }
  const rm3Cache = new Map<string, Map<string, number>>();
  const rm3Scores = (q: string, k: number, m: number, lambda: number, minDf = 1) => {
    const key = `${q}|${k}|${m}|${lambda}|${minDf}`;
    const hit = rm3Cache.get(key);
    if (hit) return hit;
    const d0 = docScores(q, 1.2, 0.75);
    const top = [...d0].filter(([, x]) => x > 0).sort((a, b) => b[1] - a[1]).slice(0, k);
    const mass = top.reduce((a, [, x]) => a + x, 0) || 1;
    const rel = new Map<string, number>();
    for (const [id, x] of top) {
      const n = contentLen.get(id) || 1;
      for (const [t, c] of contentTf.get(id)!) rel.set(t, (rel.get(t) ?? 0) + (x / mass) * (c / n));
    }
    // A word in (nearly) every recording says nothing about which one: it is left out of the expansion.
    const expansion = [...rel].filter(([t]) => df.get(t)! >= minDf && df.get(t)! < N * 0.5).sort((a, b) => b[1] - a[1]).slice(0, m);
    const relMass = expansion.reduce((a, [, x]) => a + x, 0) || 1;
    const terms = [...contentStems(lexicalQuery(q), { question: true })];
    const weights = new Map<string, number>();
    for (const t of terms) weights.set(t, (weights.get(t) ?? 0) + lambda / Math.max(1, terms.length));
    for (const [t, x] of expansion) weights.set(t, (weights.get(t) ?? 0) + (1 - lambda) * (x / relMass));
    const out = new Map<string, number>();
    for (const id of tf.keys()) {
      let sc = 0;
      for (const [t, w] of weights) sc += w * termScore(t, id, 1.2, 0.75);
      out.set(id, sc);
    }
    rm3Cache.set(key, out);
    return out;
  };
  /** Each candidate plus g × the best fused score × its recording's document score (from `scores`) over the best's, to `pow`. */
  const withDocumentScores = (base: Scorer, g: number, scores: (q: string) => Map<string, number>, pow = 1): Scorer => (all, q) => {
    const f = base(all, q);
    if (g === 0) return f;
    const d = scores(q.query);
    const best = Math.max(1e-9, ...d.values());
    const fmax = Math.max(1e-9, ...f.values());
    const rec = new Map(all.map((c) => [c.id, c.rec]));
    return new Map([...f].map(([id, x]) => [id, x + g * fmax * ((d.get(rec.get(id)!) ?? 0) / best) ** pow]));
  };
  const withDocument = (base: Scorer, g: number, k1: number, b: number, pow = 1) => withDocumentScores(base, g, (q) => docScores(q, k1, b), pow);
  const withExpandedDocument = (base: Scorer, g: number, k: number, m: number, lambda: number) => withDocumentScores(base, g, (q) => rm3Scores(q, k, m, lambda));
  const def = (a: number, g: number) => withRecordingPrior(withSeqContext(scoreFusion(a), 12, 0.1), g, 10);
  const archiveOnly = (name: string, scorer: Scorer) => evaluate(name, scorer, DEFAULT_MERGE, lab.questions, ['archive']);
  if (opts.expand) {
    const withDoc = withDocument(def(0.1, 0.25), 0.5, 1.2, 0.75);
    archiveOnly('default + document ×0.5 (the default)', withDoc);
    const bm = withRecordingPrior(withSeqContext(bm25Scorer, 12, 0.1), 0.25, 10);
    archiveOnly('bm25 + evidence + document ×0.5', withDocument(bm, 0.5, 1.2, 0.75));
    for (const [k, m, lambda] of [[3, 10, 0.5], [3, 20, 0.5], [5, 20, 0.5], [10, 20, 0.5], [3, 20, 0.7], [5, 20, 0.7], [3, 40, 0.7], [1, 20, 0.7], [5, 10, 0.8]] as const) {
      archiveOnly(`default + RM3 document k${k} m${m} λ${lambda} ×0.5`, withExpandedDocument(def(0.1, 0.25), 0.5, k, m, lambda));
      archiveOnly(`bm25 + evidence + RM3 document k${k} m${m} λ${lambda} ×0.5`, withExpandedDocument(bm, 0.5, k, m, lambda));
    }
    for (const g of [0.25, 1]) archiveOnly(`default + RM3 document k3 m20 λ0.5 ×${g}`, withExpandedDocument(def(0.1, 0.25), g, 3, 20, 0.5));
    process.exit(0);
  }
  archiveOnly('default (score 0.1 + seq ctx 12 ×0.1 + rec 0.25)', def(0.1, 0.25));
  archiveOnly('bm25 + seq ctx 12 ×0.1 + rec 0.25', withRecordingPrior(withSeqContext(bm25Scorer, 12, 0.1), 0.25, 10));
  for (const [k1, b] of [[1.2, 0.75], [1.2, 0.3], [2, 0.75]] as const) {
    for (const g of [0.1, 0.25, 0.5, 1]) {
      archiveOnly(`default + document k1 ${k1} b ${b} ×${g}`, withDocument(def(0.1, 0.25), g, k1, b));
      archiveOnly(`default, rec 0 + document k1 ${k1} b ${b} ×${g}`, withDocument(def(0.1, 0), g, k1, b));
    }
    for (const pow of [2, 4]) archiveOnly(`default + document k1 ${k1} b ${b} ×0.5 ^${pow}`, withDocument(def(0.1, 0.25), 0.5, k1, b, pow));
  }
  for (const g of [0.1, 0.25, 0.5]) archiveOnly(`bm25 + ctx + rec + document ×${g}`, withDocument(withRecordingPrior(withSeqContext(bm25Scorer, 12, 0.1), 0.25, 10), g, 1.2, 0.75));
  if (hasVectors) for (const a of [0.05, 0.2, 0.3]) archiveOnly(`score ${a} + evidence + document ×0.5`, withDocument(def(a, 0.25), 0.5, 1.2, 0.75));
  if (hasVectors) {
    // The vector leg's view of the recording as a whole: the question's cosine to the mean of its moments' vectors.
    const s = await openLab(opts);
    const rows = await s.db.query<{ recording_id: string; c: string }>("SELECT recording_id, avg(embedding::vector)::text AS c FROM embeddings WHERE kind = 'speech' GROUP BY recording_id");
    const centroids = new Map(rows.map((r) => {
      const v = Float32Array.from(JSON.parse(r.c) as number[]);
      const n = Math.hypot(...v) || 1;
      return [r.recording_id, v.map((x) => x / n)] as const;
    }));
    const qcos = new Map<string, Map<string, number>>();
    for (const q of lab.questions) {
      const qv = await queryVector(s, q.query);
      qcos.set(q.query, new Map([...centroids].map(([id, c]) => [id, c.reduce((a, x, i) => a + x * qv[i], 0)])));
    }
    await s.close();
    const withCentroid = (base: Scorer, g: number): Scorer => (all, q) => {
      const f = base(all, q);
      const cos = qcos.get(q.query)!;
      const recs = [...new Set(all.map((c) => c.rec))];
      const xs = recs.map((r) => cos.get(r) ?? 0);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      const fmax = Math.max(1e-9, ...f.values());
      const rec = new Map(all.map((c) => [c.id, c.rec]));
      return new Map([...f].map(([id, x]) => [id, x + g * fmax * (hi > lo ? ((cos.get(rec.get(id)!) ?? lo) - lo) / (hi - lo) : 0)]));
    };
    const withDoc = withDocument(def(0.1, 0.25), 0.5, 1.2, 0.75);
    archiveOnly('default + document ×0.5 (the default)', withDoc);
    for (const g of [0.05, 0.1, 0.2, 0.3, 0.5]) {
      archiveOnly(`default + document ×0.5 + centroid ×${g}`, withCentroid(withDoc, g));
      archiveOnly(`default + centroid ×${g}`, withCentroid(def(0.1, 0.25), g));
    }
  }
  process.exit(0);
}
if (opts.normalisation) {
  // The cosine's spread over a question's candidates, averaged over the questions: the fixed scale's unit.
  const spreads = (scope: Scope) => lab.questions.map((q) => {
    const v = q.scopes[scope].map((c) => c[2]).filter((x): x is number => x !== null);
    const m = mean(v);
    return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
  });
  const unit = mean([...spreads('archive'), ...spreads('recording')]);
  console.log(`mean spread of the cosine over a question's candidates: ${unit.toFixed(4)}`);
  // Candidates as the search gathers them (see features): BM25's best, their cosines, the vector leg's own only when BM25 finds few.
  const byScale = (a: number, how: 'z' | 'fixed' | 'minmax'): Scorer => (all) => {
    const cs = features(all, 0).map((x) => x.c);
    const mx = Math.max(1e-9, ...cs.map((c) => c.bm25 ?? 0));
    const v = cs.map((c) => c.cos).filter((x): x is number => x !== null);
    const z = zs(v);
    const m = mean(v);
    const [lo, hi] = [Math.min(...v), Math.max(...v)];
    const norm = (x: number) => (how === 'z' ? z(x) : how === 'fixed' ? (x - m) / unit : hi > lo ? (2 * (x - lo)) / (hi - lo) - 1 : 0);
    return new Map(cs.map((c) => [c.id, (c.bm25 ?? 0) / mx + (c.cos === null ? 0 : a * norm(c.cos))]));
  };
  for (const how of ['z', 'fixed', 'minmax'] as const) {
    for (const a of [0.05, 0.1, 0.15, 0.2, 0.3]) evaluate(`score ${a} ${how} + seq ctx 12 ×0.1 + rec 0.25`, withRecordingPrior(withSeqContext(byScale(a, how), 12, 0.1), 0.25, 10));
  }
  process.exit(0);
}
if (opts.adaptive) {
  // Does the cosine deserve more weight where the lexical leg is unsure? Each question's weight is aLow or
  // aHigh as a signal of it falls below or above t; (t, aLow, aHigh) fitted on one half, scored on the other.
  const fused = (a: number): Scorer => withRecordingPrior(withSeqContext(scoreFusion(a), 12, 0.1), 0.25, 10);
  const cands = (q: Gathered, scope: Scope): C[] => q.scopes[scope].map(([id, bm25, cos, cos2]) => {
    const [rec, start, end] = lab.moments[id];
    return { id, rec, start, end, bm25, cos, cos2 };
  });
  const SIGNALS: Record<string, (cs: C[], q: Gathered) => number> = {
    'bm25 candidates': (cs) => cs.filter((c) => c.bm25 !== null).length,
    'bm25 best': (cs) => Math.max(0, ...cs.map((c) => c.bm25 ?? 0)),
    'bm25 peak': (cs) => {
      const b = cs.map((c) => c.bm25 ?? 0).sort((x, y) => y - x).slice(0, 10);
      return b[0] ? b[0] / (mean(b) || 1) : 0;
    },
    'bm25 best / terms': (cs, q) => Math.max(0, ...cs.map((c) => c.bm25 ?? 0)) / Math.max(1, contentStems(lexicalQuery(q.query), { question: true }).size),
    'question terms': (_cs, q) => contentStems(lexicalQuery(q.query), { question: true }).size,
    'cosine best': (cs) => Math.max(0, ...cs.map((c) => c.cos ?? 0)),
    'cosine gap': (cs) => {
      const v = cs.map((c) => c.cos ?? 0).sort((x, y) => y - x);
      return (v[0] ?? 0) - (v[9] ?? 0);
    },
  };
  const GRID = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
  for (const scope of ['archive', 'recording'] as const) {
    // Per question and weight, its link nDCG@10.
    const table = lab.questions.map((q) => {
      const cs = cands(q, scope);
      const gold = { recordingId: q.recording_id, spans: q.gold };
      return GRID.map((a) => scoreQuery(rank(cs, fused(a)(cs, q), DEFAULT_MERGE), gold, 'link').ndcg);
    });
    const at = (a: number) => GRID.indexOf(a);
    const half = (h: number) => (qi: number) => qi % 2 === h;
    console.log(`${scope}: fixed 0.1 ${mean(table.map((r) => r[at(0.1)])).toFixed(4)}, best fixed ${GRID.map((a) => `${a}:${mean(table.map((r) => r[at(a)])).toFixed(4)}`).join(' ')}, oracle ${mean(table.map((r) => Math.max(...r))).toFixed(4)}, bm25-only evidence ${mean(table.map((r) => r[at(0)])).toFixed(4)}`);
    for (const [name, signal] of Object.entries(SIGNALS)) {
      const xs = lab.questions.map((q) => signal(cands(q, scope), q));
      const cuts = [0.2, 0.35, 0.5, 0.65, 0.8].map((f) => [...xs].sort((a, b) => a - b)[Math.floor(f * xs.length)]);
      const score = (t: number, lo: number, hi: number, which: (qi: number) => boolean) => mean(table.flatMap((r, qi) => (which(qi) ? [r[xs[qi] < t ? lo : hi]] : [])));
      const fit = (which: (qi: number) => boolean) => {
        let best = { v: -1, t: 0, lo: 0, hi: 0 };
        for (const t of cuts) for (let lo = 0; lo < GRID.length; lo++) for (let hi = 0; hi < GRID.length; hi++) {
          const v = score(t, lo, hi, which);
          if (v > best.v + 1e-9) best = { v, t, lo, hi };
        }
        return best;
      };
      const [a, b] = [fit(half(0)), fit(half(1))];
      const cv = (score(a.t, a.lo, a.hi, half(1)) + score(b.t, b.lo, b.hi, half(0))) / 2;
      const fixedCv = mean(table.map((r) => r[at(0.1)]));
      const show = (f: typeof a) => `t ${f.t.toFixed(3)} ${GRID[f.lo]}/${GRID[f.hi]}`;
      console.log(`  ${name.padEnd(20)} 2-fold ${cv.toFixed(4)} (fixed 0.1: ${fixedCv.toFixed(4)})  halves' fits: ${show(a)} | ${show(b)}`);
    }
  }
  process.exit(0);
}
if (opts.learn) {
  for (const extraVec of [0, 10, 30]) {
    const feats = Object.fromEntries((['archive', 'recording'] as const).map((scope) => [scope, lab.questions.map((q) => features(q.scopes[scope].map(([id, bm25, cos, cos2]) => {
      const [rec, start, end] = lab.moments[id];
      return { id, rec, start, end, bm25, cos, cos2 };
    }), extraVec))])) as Record<Scope, Feat[][]>;
    const ndcg = (scope: Scope, w: number[], which: (qi: number) => boolean) => {
      const xs: number[] = [];
      lab.questions.forEach((q, qi) => {
        if (!which(qi)) return;
        const scores = new Map(feats[scope][qi].map(({ c, base, f }) => [c.id, base + f.reduce((a, x, k) => a + w[k] * x, 0)]));
        xs.push(scoreQuery(rank(feats[scope][qi].map((x) => x.c), scores, DEFAULT_MERGE), { recordingId: q.recording_id, spans: q.gold }, 'link').ndcg);
      });
      return mean(xs);
    };
    const grid = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];
    const fit = (scope: Scope, which: (qi: number) => boolean, mask: boolean[]) => {
      let w = FEATURES.map(() => 0);
      let best = ndcg(scope, w, which);
      for (let round = 0; round < 3; round++) {
        let moved = false;
        for (let k = 0; k < w.length; k++) {
          if (!mask[k]) continue;
          for (const g of grid) {
            const t = [...w];
            t[k] = g;
            const v = ndcg(scope, t, which);
            if (v > best + 1e-6) [best, w, moved] = [v, t, true];
          }
        }
        if (!moved) break;
      }
      return { w, best };
    };
    for (const scope of ['archive', 'recording'] as const) {
      for (const [name, mask] of [['bm25 evidence only', [false, true, false, true, false]], ['both legs', FEATURES.map(() => hasVectors)]] as const) {
        if (name === 'both legs' && !hasVectors) continue;
        // 2-fold: fit on one half of the questions, score the other.
        const a = fit(scope, (qi) => qi % 2 === 0, [...mask]);
        const b = fit(scope, (qi) => qi % 2 === 1, [...mask]);
        const cv = (ndcg(scope, a.w, (qi) => qi % 2 === 1) + ndcg(scope, b.w, (qi) => qi % 2 === 0)) / 2;
        const all = fit(scope, () => true, [...mask]);
        console.log(`learn extraVec ${extraVec} ${scope.padEnd(9)} ${name.padEnd(18)} 2-fold ${cv.toFixed(4)}  all ${all.best.toFixed(4)}  w ${all.w.map((x, k) => `${FEATURES[k]}=${x}`).join(', ')}  (halves' w ${a.w.join('/')} | ${b.w.join('/')})`);
      }
    }
  }
  process.exit(0);
}

console.log(`${lab.questions.length} tuning questions, ${Object.keys(lab.moments).length} moments seen; nDCG@10 by link (halves), overlap nDCG, median link error s`);
const bm25 = bm25Scorer;
evaluate('bm25', bm25);
evaluate('bm25, anchor first', bm25, { ...DEFAULT_MERGE, anchor: 'first' });
for (const gapS of [10, 30]) evaluate(`bm25, merge gap ${gapS}`, bm25, { ...DEFAULT_MERGE, gapS });
for (const w of [120, 240, 360]) for (const beta of [0.05, 0.1, 0.25]) evaluate(`bm25 + ctx ${w}s ×${beta}`, withContext(bm25, w, beta));
for (const contextS of [30, 60, 90]) evaluate(`bm25 + ctx 240s ×0.1, passage ±${contextS}s`, withContext(bm25, 240, 0.1), { ...DEFAULT_MERGE, contextS });
for (const gamma of [0.1, 0.25, 0.5, 1]) for (const top of [3, 10]) evaluate(`bm25 + rec prior ${gamma} top${top}`, withRecordingPrior(bm25, gamma, top));
for (const gamma of [0.25, 0.5]) evaluate(`bm25 + ctx 240s ×0.1 + rec prior ${gamma}`, withRecordingPrior(withContext(bm25, 240, 0.1), gamma, 10));
for (const k of [8, 12, 16]) for (const beta of [0.1, 0.2]) evaluate(`bm25 + seq ctx ${k} ×${beta} + rec prior 0.25`, withRecordingPrior(withSeqContext(bm25, k, beta), 0.25, 10));
if (hasVectors) {
  evaluate('vector', (cs) => new Map(cs.filter((c) => c.cos !== null).map((c) => [c.id, c.cos!])));
  evaluate('vector (no framing)', (cs) => new Map(cs.filter((c) => c.cos2 !== null).map((c) => [c.id, c.cos2!])));
  for (const a of [0.02, 0.05, 0.1, 0.2, 0.3, 0.5]) {
    evaluate(`score ${a}`, scoreFusion(a));
    evaluate(`score ${a} (no framing)`, scoreFusion(a, 'cos2'));
  }
  const vec: Scorer = (cs) => new Map(cs.filter((c) => c.cos !== null).map((c) => [c.id, c.cos!]));
  evaluate('vector + seq ctx 12 ×0.1 + rec 0.25', withRecordingPrior(withSeqContext(vec, 12, 0.1), 0.25, 10));
  evaluate('bm25 + seq ctx 12 ×0.1 + rec 0.25', withRecordingPrior(withSeqContext(bm25, 12, 0.1), 0.25, 10));
  for (const a of [0.05, 0.1, 0.2, 0.3]) for (const which of ['cos', 'cos2'] as const) for (const [k, beta, g] of [[12, 0.1, 0.25], [12, 0.2, 0.25], [8, 0.1, 0.25], [12, 0.1, 0.5], [16, 0.1, 0.25]] as const) {
    evaluate(`score ${a} ${which} + seq ctx ${k} ×${beta} + rec ${g}`, withRecordingPrior(withSeqContext(scoreFusion(a, which), k, beta), g, 10));
  }
}
