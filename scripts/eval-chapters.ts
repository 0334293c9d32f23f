/**
 * Chapter (topic segmentation) evaluation: `npm run eval:chapters -- [dir] [options]`.
 * For each recording of `<dir>/chapters.jsonl` it parses the transcript named by `<dir>/manifest.jsonl`, builds
 * moments and (with --embeddings use) their embeddings exactly as ingest does, segments it with the production
 * code and scores the boundaries against the gold `coarse` chapters: boundary precision / recall / F1 within
 * ±tol seconds, Pk and WindowDiff (k = half the mean gold chapter length, sampled every second). It prints one
 * markdown table per corpus with two baselines: no boundaries, and equal-length chapters with the gold count.
 * The recordings fall into the retrieval eval's two splits (`splitOf`: a quarter held out by a hash of the id);
 * without --split the tables are printed for the tuning split, the held-out split and all recordings.
 * --sweep runs a grid of parameters and prints one line per setting (tuning); it scores the tuning split
 * unless --split says otherwise, so that parameters are never chosen on the held-out recordings.
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { loadConfig } from '../src/core/config.js';
import { createEmbedder } from '../src/indexes/embed/index.js';
import type { Cue, Moment } from '../src/core/domain.js';
import { parseTranscript } from '../src/ingest/formats/index.js';
import { buildMoments } from '../src/ingest/moments.js';
import { chaptersFor } from '../src/ingest/chapters/index.js';
import { DEFAULT_CHAPTER_PARAMS, type ChapterParams } from '../src/ingest/chapters/segment.js';
import { boundariesOf, boundaryF1, defaultK, evenBoundaries, pk, prf, titleAgreement, windowDiff, type TitleAgreement } from './eval/chapters-metrics.js';
import { contentTokens } from '../src/ingest/chapters/text.js';
import { splitOf } from './eval/metrics.js';

const program = new Command('eval-chapters')
  .argument('[dir]', 'folder with manifest.jsonl and chapters.jsonl', '../shared/eval/dev')
  .option('--embeddings <use|none>', 'join the moments’ embeddings to the lexical similarity (as ingest does with EMBEDDINGS=use)', 'use')
  .option('--embed-cache <dir>', 'where computed vectors are kept between runs', path.resolve('.tmp/embed-cache'))
  .option('--tol <seconds>', 'boundary tolerance', (v) => Number(v), 10)
  .option('--param <key=value...>', 'override a segmentation parameter (repeatable)', [])
  .option('--sweep <key=v1,v2...>', 'grid search over parameters (repeatable); prints one line per setting', [])
  .option('--split <tune|held-out|all>', 'score only these recordings (default: tables for tune, held-out and all; --sweep: tune)')
  .option('--show <n>', 'print the chapters of the first n recordings', (v) => parseInt(v, 10), 0)
  .option('--json <file>', 'also write the figures as JSON')
  .parse();

const opts = program.opts<{ embeddings: string; embedCache: string; tol: number; param: string[]; sweep: string[]; split?: string; show: number; json?: string }>();
if (!['use', 'none'].includes(opts.embeddings)) throw new Error('--embeddings must be use or none');
type Split = 'tune' | 'held-out' | 'all';
const SPLITS: Split[] = ['tune', 'held-out', 'all'];
if (opts.split !== undefined && !SPLITS.includes(opts.split as Split)) throw new Error('--split must be tune, held-out or all');
const splits: Split[] = opts.split ? [opts.split as Split] : opts.sweep.length ? ['tune'] : SPLITS;
const inSplit = (id: string, split: Split) => split === 'all' || (splitOf(id) === 'holdout') === (split === 'held-out');
const dir = path.resolve(program.args[0] ?? '../shared/eval/dev');

interface Gold {
  recording_id: string;
  coarse: [number, number, string][];
  fine?: [number, number, string][];
}
interface Item {
  id: string;
  corpus: string;
  cues: Cue[];
  moments: Moment[];
  vectors: Float32Array[] | null;
  start: number;
  end: number;
  gold: number[];
  fine: number[] | null;
  coarse: [number, number, string][];
  speakers: string[];
}

const readJsonl = <T>(file: string): T[] =>
  fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

/** QMSum's three sources are told apart by meeting id; TinyRec by its collection. */
export function corpusOf(id: string, collection: string | null): string {
  if (collection === 'tinyrec') return 'TinyRec';
  if (/^(ES|IS|TS)\d{4}[a-d]$/.test(id)) return 'QMSum/AMI';
  if (/^B[a-z]{2}\d{3}$/.test(id)) return 'QMSum/ICSI';
  return 'QMSum/committee';
}

const manifest = new Map(
  readJsonl<{ id: string; collection: string | null; transcript: string }>(path.join(dir, 'manifest.jsonl')).map((r) => [r.id, r]),
);
const golds = readJsonl<Gold>(path.join(dir, 'chapters.jsonl'));
const cfg = loadConfig({ ...process.env, EMBEDDINGS: opts.embeddings });
const settings = { targetS: cfg.MOMENT_TARGET_S, maxS: cfg.MOMENT_MAX_S, overlapS: cfg.MOMENT_OVERLAP_S };

const items: Item[] = [];
for (const g of golds) {
  const m = manifest.get(g.recording_id);
  if (!m) {
    console.warn(`${g.recording_id}: not in the manifest, skipped`);
    continue;
  }
  const file = path.join(dir, m.transcript);
  const cues = parseTranscript(file, fs.readFileSync(file, 'utf8'));
  const start = 0;
  const end = cues.reduce((a, c) => Math.max(a, c.end), 0);
  const inside = (bs: number[]) => bs.filter((b) => b > start && b < end);
  items.push({
    id: g.recording_id,
    corpus: corpusOf(g.recording_id, m.collection),
    cues,
    moments: buildMoments(g.recording_id, cues, settings),
    vectors: null,
    start,
    end,
    gold: inside(boundariesOf(g.coarse)),
    fine: g.fine ? inside(boundariesOf(g.fine)) : null,
    coarse: g.coarse,
    speakers: [...new Set(cues.flatMap((c) => (c.speaker ? [c.speaker] : [])))],
  });
}

if (opts.embeddings === 'use') {
  const embedder = createEmbedder(cfg, { cacheDir: opts.embedCache })!;
  await embedder.init();
  const texts = items.flatMap((it) => it.moments.map((m) => m.text));
  const bar = new cliProgress.SingleBar({ format: `embed moments {bar} {value}/{total} | eta {eta_formatted}` }, cliProgress.Presets.shades_classic);
  bar.start(texts.length, 0);
  const vecs = await embedder.embed(texts, (done) => bar.update(done));
  bar.stop();
  let i = 0;
  for (const it of items) it.vectors = it.moments.map(() => vecs[i++]);
  await embedder.close();
}

const baseParams: Partial<ChapterParams> = Object.fromEntries(opts.param.map(parseKv).map(([k, v]) => [k, Number(v)]));

interface Scored {
  id: string;
  corpus: string;
  f: ReturnType<typeof boundaryF1>;
  pk: number;
  wd: number;
  hyp: number;
  gold: number;
  titles?: TitleAgreement;
}

function score(it: Item, bounds: number[], ref = it.gold): Scored {
  const o = { start: it.start, end: it.end, k: defaultK(ref, it.start, it.end) };
  return { id: it.id, corpus: it.corpus, f: boundaryF1(ref, bounds, opts.tol), pk: pk(ref, bounds, o), wd: windowDiff(ref, bounds, o), hyp: bounds.length + 1, gold: ref.length + 1 };
}

interface Row {
  split: Split;
  group: string;
  method: string;
  n: number;
  chapters: number;
  gold: number;
  precision: number;
  recall: number;
  f1: number;
  f1_macro: number;
  pk: number;
  windowdiff: number;
}

function summarise(split: Split, group: string, method: string, xs: Scored[]): Row {
  const sum = (f: (x: Scored) => number) => xs.reduce((a, x) => a + f(x), 0);
  const avg = (f: (x: Scored) => number) => (xs.length ? sum(f) / xs.length : 0);
  const micro = prf(sum((x) => x.f.matched), sum((x) => x.f.hyp), sum((x) => x.f.ref));
  return {
    split,
    group,
    method,
    n: xs.length,
    chapters: avg((x) => x.hyp),
    gold: avg((x) => x.gold),
    precision: micro.precision,
    recall: micro.recall,
    f1: micro.f1,
    f1_macro: avg((x) => x.f.f1),
    pk: avg((x) => x.pk),
    windowdiff: avg((x) => x.wd),
  };
}

const GROUPS: [string, (c: string) => boolean][] = [
  ['QMSum/AMI', (c) => c === 'QMSum/AMI'],
  ['QMSum/ICSI', (c) => c === 'QMSum/ICSI'],
  ['QMSum/committee', (c) => c === 'QMSum/committee'],
  ['QMSum (all)', (c) => c.startsWith('QMSum')],
  ['TinyRec', (c) => c === 'TinyRec'],
  ['overall', () => true],
];

/** The dev transcripts are English: titles are compared by the stems of their content words. */
const titleStems = (text: string) => new Set(contentTokens(text, 'en').map((t) => t.stem));

function run(params: Partial<ChapterParams>, over: Item[] = items) {
  const sys: Scored[] = [];
  let ms = 0;
  const shown: string[] = [];
  for (const it of over) {
    const t0 = performance.now();
    const chapters = chaptersFor(it.cues, it.moments, it.vectors, params);
    ms += performance.now() - t0;
    sys.push({ ...score(it, chapters.slice(1).map((c) => c.start)), titles: titleAgreement(chapters, it.coarse, titleStems, it.speakers) });
    if (shown.length < opts.show) {
      shown.push(
        `${it.id} (${it.corpus}, gold ${it.gold.map((b) => Math.round(b)).join(' ')})\n` +
          chapters.map((c) => `  ${clock(c.start)}–${clock(c.end)}  ${c.title}   [${c.keywords.join(', ')}]`).join('\n'),
      );
    }
  }
  return { sys, msPerRecording: ms / Math.max(1, over.length), shown };
}

if (opts.sweep.length) {
  const axes = opts.sweep.map(parseKv).map(([k, v]) => [k, v.split(',').map(Number)] as const);
  let grid: Partial<ChapterParams>[] = [{ ...baseParams }];
  for (const [k, vs] of axes) grid = grid.flatMap((g) => vs.map((v) => ({ ...g, [k]: v })));
  const [split] = splits;
  const own = items.filter((it) => inSplit(it.id, split));
  console.log(`split: ${split} (${own.length} recordings)\n`);
  console.log(`| ${axes.map(([k]) => k).join(' | ')} | chapters | F1 QMSum | Pk QMSum | F1 TinyRec | Pk TinyRec | F1 all | Pk all |`);
  console.log(`|${axes.map(() => '---').join('|')}|---|---|---|---|---|---|---|`);
  for (const g of grid) {
    const { sys } = run(g, own);
    const q = summarise(split, 'q', 's', sys.filter((x) => x.corpus.startsWith('QMSum')));
    const t = summarise(split, 't', 's', sys.filter((x) => x.corpus === 'TinyRec'));
    const a = summarise(split, 'a', 's', sys);
    console.log(`| ${axes.map(([k]) => (g as Record<string, number>)[k]).join(' | ')} | ${a.chapters.toFixed(1)} | ${q.f1.toFixed(3)} | ${q.pk.toFixed(3)} | ${t.f1.toFixed(3)} | ${t.pk.toFixed(3)} | ${a.f1.toFixed(3)} | ${a.pk.toFixed(3)} |`);
  }
} else {
  const { sys, msPerRecording, shown } = run(baseParams);
  if (shown.length) console.log(shown.join('\n\n') + '\n');
  const none = items.map((it) => score(it, []));
  const even = items.map((it) => score(it, evenBoundaries(it.start, it.end, it.gold.length + 1)));
  const fine = items.filter((it) => it.fine);
  const fineSys = fine.map((it) => score(it, chaptersFor(it.cues, it.moments, it.vectors, baseParams).slice(1).map((c) => c.start), it.fine!));
  const fineEven = fine.map((it) => score(it, evenBoundaries(it.start, it.end, it.fine!.length + 1), it.fine!));
  const method = `chapters (${opts.embeddings === 'use' ? 'lexical + embeddings' : 'lexical'})`;
  const params = { ...DEFAULT_CHAPTER_PARAMS, ...baseParams };
  console.log(`params: ${JSON.stringify(params)}  tolerance ±${opts.tol} s, Pk/WindowDiff k = half the mean gold chapter length`);
  const rows: Row[] = [];
  const titleRows: ({ split: Split } & TitleAgreement)[] = [];
  for (const split of splits) {
    const own = (xs: Scored[]) => xs.filter((x) => inSplit(x.id, split));
    const splitRows: Row[] = [];
    for (const [group, pred] of GROUPS) {
      const pick = (xs: Scored[]) => own(xs).filter((x) => pred(x.corpus));
      if (pick(sys).length === 0) continue;
      splitRows.push(summarise(split, group, method, pick(sys)));
      splitRows.push(summarise(split, group, 'baseline: equal length, gold count', pick(even)));
      splitRows.push(summarise(split, group, 'baseline: no boundaries', pick(none)));
    }
    if (own(fineSys).length) {
      splitRows.push(summarise(split, 'TinyRec (fine)', method, own(fineSys)));
      splitRows.push(summarise(split, 'TinyRec (fine)', 'baseline: equal length, gold count', own(fineEven)));
    }
    console.log(`\nsplit: ${split} (${own(sys).length} recordings)\n`);
    console.log('| corpus | method | recs | chapters (gold) | P | R | F1 | F1 (macro) | Pk ↓ | WindowDiff ↓ |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of splitRows) {
      console.log(
        `| ${r.group} | ${r.method} | ${r.n} | ${r.chapters.toFixed(1)} (${r.gold.toFixed(1)}) | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} | ${r.f1.toFixed(3)} | ${r.f1_macro.toFixed(3)} | ${r.pk.toFixed(3)} | ${r.windowdiff.toFixed(3)} |`,
      );
    }
    rows.push(...splitRows);
    const t = own(sys).map((x) => x.titles!).reduce((a, b) => ({
      chapters: a.chapters + b.chapters, withGoldWord: a.withGoldWord + b.withGoldWord, keywords: a.keywords + b.keywords, inGold: a.inGold + b.inGold, namingSpeaker: a.namingSpeaker + b.namingSpeaker,
    }));
    const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
    titleRows.push({ split, ...t });
    console.log(`\ntitles, against the gold chapter each chapter overlaps most: ${t.chapters} chapters, ${pct(t.withGoldWord, t.chapters)} with a word of its gold title; ` +
      `${t.keywords} keywords, ${pct(t.inGold, t.keywords)} in the gold title, ${pct(t.namingSpeaker, t.keywords)} a word of a speaker's label`);
  }
  const moments = items.reduce((a, it) => a + it.moments.length, 0);
  console.log(
    `\nsegmentation: ${msPerRecording.toFixed(1)} ms per recording (${items.length} recordings); ` +
      (opts.embeddings === 'use'
        ? `vectors: the ${moments} moment embeddings ingest already computes (no extra embedding at ingest)`
        : 'no embeddings'),
  );
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ params, tol: opts.tol, embeddings: opts.embeddings, msPerRecording, rows, titles: titleRows }, null, 2));
}

function parseKv(s: string): [string, string] {
  const i = s.indexOf('=');
  if (i < 1) throw new Error(`expected key=value, got "${s}"`);
  const k = s.slice(0, i);
  if (!(k in DEFAULT_CHAPTER_PARAMS)) throw new Error(`unknown parameter "${k}" (one of ${Object.keys(DEFAULT_CHAPTER_PARAMS).join(', ')})`);
  return [k, s.slice(i + 1)];
}

function clock(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
