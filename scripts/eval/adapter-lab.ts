/**
 * Adapter lab: `tsx scripts/eval/adapter-lab.ts <eval dir> [--kind diag,full] [--epochs 4] [--write <file>]`.
 * Can a map of the question's vector, learned from the tuning questions, make the vector leg find the moment?
 * The moments' vectors stay as ingest stored them; only the question's vector is moved: u = q + A q (A a full
 * d×d matrix, or diagonal), fitted by a softmax over the moments (its best candidates under the current map and
 * every moment of its answer) so that moments whose start lands in an answer span come first. Scored as the
 * vector leg alone, link on the moment's start (no merging, no evidence): link nDCG@10 archive-wide and within
 * the question's recording, 2-fold over the tuning recordings (fit on one half, scored on the other). The
 * held-out quarter is not read. Vectors come from the on-disk cache `npm run eval` fills (--embed-cache).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../../src/core/config.js';
import { createEmbedder } from '../../src/indexes/embed/index.js';
import { l2normalise } from '../../src/indexes/embed/vector.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { readManifest } from '../../src/ingest/manifest.js';
import { buildMoments } from '../../src/ingest/moments.js';
import { indexedText } from '../../src/ingest/transcript.js';
import { LEAD_IN_S, mean, scoreQuery, splitOf, tuningFoldOf as foldOf } from './metrics.js';
import { readQuestions } from './questions.js';
import { rng } from '../../src/core/index.js';

const program = new Command('adapter-lab')
  .argument('<dir>', 'folder with manifest.jsonl and queries.jsonl')
  .option('--kind <list>', 'adapters to fit: diag, full', 'full')
  .option('--epochs <n>', 'passes over the training questions', (v) => parseInt(v, 10), 4)
  .option('--lr <x>', 'Adam step', Number, 2e-4)
  .option('--l2 <x>', 'weight decay toward the identity', Number, 1e-3)
  .option('--tau <x>', 'softmax temperature over cosines', Number, 0.05)
  .option('--negatives <n>', 'best candidates per question in the softmax', (v) => parseInt(v, 10), 300)
  .addOption(
    new Option('--negatives-from <where>', "where a question's softmax candidates come from: archive (its best --negatives of the fold's moments), recording (every moment of its own recording) or both")
      .choices(['archive', 'recording', 'both'])
      .default('archive'),
  )
  .option('--write <file>', 'fit a full adapter on every tuning question (no folds) and write it there (src/indexes/embed/adapters/<model>.json ships)')
  .option('--leave-out <fold>', 'with --write: fit without the questions and moments of this fold of the tuning recordings (0 or 1), for cross-fitted figures (npm run eval -- … --cross-fit)', (v) => parseInt(v, 10))
  .option('--seed <n>', 'order of the training questions', (v) => parseInt(v, 10), 1)
  .option('--embed-cache <dir>', 'where computed vectors are kept between runs', path.resolve('.tmp/embed-cache'))
  .parse();
const opts = program.opts<{ kind: string; epochs: number; lr: number; l2: number; tau: number; negatives: number; negativesFrom: 'archive' | 'recording' | 'both'; embedCache: string; write?: string; seed: number; leaveOut?: number }>();
const random = rng(opts.seed);
const dir = path.resolve(program.args[0]);

const cfg = loadConfig({ ...process.env, DATA_DIR: path.resolve('.tmp/adapter-lab') });
const embedder = createEmbedder(cfg, { cacheDir: opts.embedCache });
if (!embedder) throw new Error('EMBEDDINGS=none: there is no model to adapt');
await embedder.init();
const { rows } = readManifest(path.join(dir, 'manifest.jsonl'));
const questions = readQuestions(path.join(dir, 'queries.jsonl')).filter((q) => splitOf(q.recording_id) === 'tune');
const settings = { targetS: cfg.MOMENT_TARGET_S, maxS: cfg.MOMENT_MAX_S, overlapS: cfg.MOMENT_OVERLAP_S };

interface M { rec: string; start: number; end: number }
const moments: M[] = [];
const vecs: Float32Array[] = [];
for (const { meta, transcriptPath } of rows) {
  if (!transcriptPath || splitOf(meta.id) !== 'tune') continue;
  const ms = buildMoments(meta.id, parseTranscript(transcriptPath, fs.readFileSync(transcriptPath, 'utf8')), settings);
  const mv = await embedder.embed(ms.map(indexedText));
  ms.forEach((m, i) => {
    moments.push({ rec: meta.id, start: m.start, end: m.end });
    vecs.push(l2normalise(mv[i]));
  });
}
const d = vecs[0].length;
const N = vecs.length;
const Mat = new Float32Array(N * d);
vecs.forEach((v, i) => Mat.set(v, i * d));
const byRec = new Map<string, number[]>();
moments.forEach((m, i) => (byRec.get(m.rec) ?? byRec.set(m.rec, []).get(m.rec)!).push(i));
const qvs = (await embedder.embed(questions.map((q) => q.query))).map((v) => l2normalise(v));
interface Q { q: Float32Array; rec: string; gold: [number, number][]; pos: number[]; fold: number }
const Qs: Q[] = questions.map((x, i) => ({
  q: qvs[i],
  rec: x.recording_id,
  gold: x.gold,
  pos: (byRec.get(x.recording_id) ?? []).filter((j) => x.gold.some(([s, e]) => moments[j].start >= s - LEAD_IN_S && moments[j].start <= e)),
  fold: foldOf(x.recording_id),
})).filter((x) => x.pos.length > 0);
console.error(`${N} moments, ${Qs.length} tuning questions with an answer moment, d=${d}`);

type Adapter = { kind: 'none' } | { kind: 'diag'; w: Float32Array } | { kind: 'full'; A: Float32Array };
function apply(a: Adapter, q: Float32Array): Float32Array {
  const u = Float32Array.from(q);
  if (a.kind === 'diag') for (let i = 0; i < d; i++) u[i] += a.w[i] * q[i];
  if (a.kind === 'full') for (let i = 0; i < d; i++) { let s = 0; const row = i * d; for (let j = 0; j < d; j++) s += a.A[row + j] * q[j]; u[i] += s; }
  return u;
}
function scores(u: Float32Array, ids?: number[]): Float32Array {
  const n = ids ? ids.length : N;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const off = (ids ? ids[k] : k) * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += Mat[off + j] * u[j];
    out[k] = s;
  }
  return out;
}
function topK(sc: Float32Array, k: number, ids?: number[]): number[] {
  const idx = Array.from(sc.keys()).sort((a, b) => sc[b] - sc[a]).slice(0, k);
  return ids ? idx.map((i) => ids[i]) : idx;
}
function evaluate(a: Adapter, qs: Q[], pool: number[]): { archive: number; recording: number } {
  const arch: number[] = [];
  const rec: number[] = [];
  for (const x of qs) {
    const u = apply(a, x.q);
    const toReturned = (j: number) => ({ recordingId: moments[j].rec, start: moments[j].start, end: moments[j].end, link: moments[j].start });
    arch.push(scoreQuery(topK(scores(u, pool), 10, pool).map(toReturned), { recordingId: x.rec, spans: x.gold }, 'link').ndcg);
    const own = byRec.get(x.rec)!;
    rec.push(scoreQuery(topK(scores(u, own), 10, own).map(toReturned), { recordingId: x.rec, spans: x.gold }, 'link').ndcg);
  }
  return { archive: mean(arch), recording: mean(rec) };
}

function fit(kind: 'diag' | 'full', train: Q[], pool: number[]): Adapter {
  const size = kind === 'diag' ? d : d * d;
  const P = new Float32Array(size);
  const m1 = new Float32Array(size);
  const m2 = new Float32Array(size);
  const grad = new Float32Array(size);
  const a: Adapter = kind === 'diag' ? { kind, w: P } : { kind, A: P };
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    let loss = 0;
    const order = [...train.keys()].map((i) => [i, random()] as const).sort((a, b) => a[1] - b[1]).map(([i]) => i);
    for (const qi of order) {
      const x = train[qi];
      const u = apply(a, x.q);
      let un = 0;
      for (const v of u) un += v * v;
      un = Math.sqrt(un);
      const near = opts.negativesFrom === 'recording' ? [] : topK(scores(u, pool), opts.negatives, pool);
      const own = opts.negativesFrom === 'archive' ? [] : byRec.get(x.rec)!;
      const cand = [...new Set([...near, ...own, ...x.pos])];
      const sc = scores(u, cand);
      const pos = new Set(x.pos);
      let mx = -Infinity;
      for (const v of sc) mx = Math.max(mx, v / un / opts.tau);
      let zAll = 0;
      let zPos = 0;
      const e = Array.from(sc, (v, k) => {
        const ex = Math.exp(v / un / opts.tau - mx);
        zAll += ex;
        if (pos.has(cand[k])) zPos += ex;
        return ex;
      });
      loss += -Math.log(zPos / zAll);
      // dL/ds_k = p_k − y_k, s_k = (u/|u|)·m_k / τ
      const g = new Float32Array(d);
      cand.forEach((j, k) => {
        const coef = e[k] / zAll - (pos.has(j) ? e[k] / zPos : 0);
        if (Math.abs(coef) < 1e-7) return;
        const off = j * d;
        for (let t = 0; t < d; t++) g[t] += coef * Mat[off + t];
      });
      let ug = 0;
      for (let t = 0; t < d; t++) ug += (u[t] / un) * g[t];
      const du = new Float32Array(d);
      for (let t = 0; t < d; t++) du[t] = (g[t] - ug * (u[t] / un)) / (un * opts.tau);
      if (kind === 'diag') for (let t = 0; t < d; t++) grad[t] = du[t] * x.q[t] + opts.l2 * P[t];
      else for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) grad[i * d + j] = du[i] * x.q[j] + opts.l2 * P[i * d + j];
      step++;
      const b1 = 0.9, b2 = 0.999;
      const c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
      for (let t = 0; t < size; t++) {
        m1[t] = b1 * m1[t] + (1 - b1) * grad[t];
        m2[t] = b2 * m2[t] + (1 - b2) * grad[t] * grad[t];
        P[t] -= (opts.lr * (m1[t] / c1)) / (Math.sqrt(m2[t] / c2) + 1e-8);
      }
    }
    console.error(`  ${kind} epoch ${epoch + 1}: loss ${(loss / train.length).toFixed(4)}`);
  }
  return a;
}

if (opts.write) {
  const kept = (rec: string) => opts.leaveOut === undefined || foldOf(rec) !== opts.leaveOut;
  const train = Qs.filter((x) => kept(x.rec));
  const a = fit('full', train, [...moments.keys()].filter((j) => kept(moments[j].rec))) as { kind: 'full'; A: Float32Array };
  const file = {
    model: embedder.model,
    dim: d,
    fitted: `adapter-lab: ${train.length} questions of the tuning recordings of ${path.basename(dir)}${opts.leaveOut === undefined ? '' : ` outside fold ${opts.leaveOut}`}, ${opts.epochs} epochs, Adam ${opts.lr}, L2 ${opts.l2}, τ ${opts.tau}, ${opts.negatives} negatives from ${opts.negativesFrom}, seed ${opts.seed}`,
    a: Buffer.from(a.A.buffer, a.A.byteOffset, a.A.byteLength).toString('base64'),
  };
  fs.mkdirSync(path.dirname(path.resolve(opts.write)), { recursive: true });
  fs.writeFileSync(opts.write, JSON.stringify(file));
  console.log(`wrote ${opts.write}: ${file.fitted}`);
  process.exit(0);
}
console.log(`vector leg alone, link nDCG@10 (link on the moment's start), tuning recordings in 2 folds; τ ${opts.tau}, lr ${opts.lr}, l2 ${opts.l2}, ${opts.negatives} negatives, ${opts.epochs} epochs`);
console.log('adapter   fold  archive (before → after)     recording (before → after)');
for (const kind of opts.kind.split(',') as ('diag' | 'full')[]) {
  const totals = { a0: 0, a1: 0, r0: 0, r1: 0, n: 0 };
  for (const fold of [0, 1]) {
    const train = Qs.filter((x) => x.fold !== fold);
    const test = Qs.filter((x) => x.fold === fold);
    // Each fold is an archive of its own: the questions of one half never see the other half's moments.
    const poolOf = (f: number) => [...moments.keys()].filter((j) => foldOf(moments[j].rec) === f);
    const before = evaluate({ kind: 'none' }, test, poolOf(fold));
    const after = evaluate(fit(kind, train, poolOf(1 - fold)), test, poolOf(fold));
    console.log(`${kind.padEnd(9)} ${fold}     ${before.archive.toFixed(4)} → ${after.archive.toFixed(4)}        ${before.recording.toFixed(4)} → ${after.recording.toFixed(4)}   (n=${test.length})`);
    totals.a0 += before.archive * test.length; totals.a1 += after.archive * test.length;
    totals.r0 += before.recording * test.length; totals.r1 += after.recording * test.length;
    totals.n += test.length;
  }
  console.log(`${kind.padEnd(9)} both  ${(totals.a0 / totals.n).toFixed(4)} → ${(totals.a1 / totals.n).toFixed(4)}        ${(totals.r0 / totals.n).toFixed(4)} → ${(totals.r1 / totals.n).toFixed(4)}`);
}
process.exit(0);
