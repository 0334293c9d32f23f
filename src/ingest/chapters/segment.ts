import { type Analysis, type Cue, cosine, toMilliseconds } from '../../core/index.js';
import { contentTokens, isTitleWord, isTransition, titleWord } from './text.js';

/**
 * Chapters from topic shifts, TextTiling-style (Hearst 1997), over time instead of sentences:
 *
 * 1. Candidate boundaries ("gaps") every `blockS` seconds. At each gap the talk in the `windowS` seconds before
 *    it is compared with the talk in the `windowS` seconds after it by TF-IDF cosine of stemmed content words
 *    (IDF over the recording's blocks), and again over `wideFactor` times that window; when vectors of passages
 *    are given (ingest passes the moments' embeddings, already computed for search) the cosine of the mean
 *    passage vector on each side is mixed in with weight `embedWeight`. Every series is standardised per
 *    recording; the mix is smoothed.
 * 2. A gap's depth is how far the similarity drops below the peaks on either side (climbing while it rises).
 *    Its score is the depth, plus `lowWeight` times how far the similarity is below the recording's mean, plus
 *    `cueWeight` when a line near it announces a new topic ("moving on to…", "the next item", "let's talk about").
 * 3. Boundaries are taken best score first while the score is above mean + `depthCutoff`·sd of all gaps' scores
 *    and each keeps `minChapterS` seconds from the recording's ends and from the boundaries already taken.
 * 4. Each boundary moves to the start of the nearest announcing line within `snapS`, else to the nearest start
 *    of a speaker turn within `snapS`, else to the nearest cue start.
 * 5. Each chapter is titled by its 2–4 most distinctive words and phrases against the rest of the recording.
 *
 * The defaults were tuned on the dev set (QMSum and TinyRec meetings, `npm run eval:chapters`) and re-decided on its
 * tuning split alone; its held-out quarter measures them (see BENCHMARKS.md).
 * Pure: no I/O, deterministic.
 */
export interface ChapterParams {
  /** Gap spacing: candidate boundaries every this many seconds. */
  blockS: number;
  /** Seconds of talk compared on each side of a gap. */
  windowS: number;
  /** The lexical comparison is also made over windowS·wideFactor on each side and averaged in (≤ 1: off). */
  wideFactor: number;
  /** Half-width (in gaps) of the moving average applied to the similarity series. */
  smoothing: number;
  /** No chapter shorter than this (except a whole recording shorter than two of them; scaled down by shortS). */
  minChapterS: number;
  /** A gap becomes a boundary when its score is above mean + depthCutoff·sd of all gaps' scores. */
  depthCutoff: number;
  /** Weight of how low (below the recording's mean) the similarity across a gap is, added to its depth. */
  lowWeight: number;
  /** Added to the score of a gap near a line that announces a change of topic ("moving on to…"). */
  cueWeight: number;
  /** At most this many chapters, however long the recording. */
  maxChapters: number;
  /** Weight of the embedding similarity against the lexical one (0–1), when passage vectors are given. */
  embedWeight: number;
  /** How far a boundary may move to reach an announcing line or the start of a speaker turn. */
  snapS: number;
  /**
   * Recordings shorter than this have their windows and minimum chapter scaled down in proportion (0: off):
   * a ten-minute meeting has its agenda items too, and 300 s chapters would leave it one.
   */
  shortS: number;
}

export const DEFAULT_CHAPTER_PARAMS: ChapterParams = {
  blockS: 20,
  windowS: 180,
  wideFactor: 3,
  smoothing: 2,
  minChapterS: 300,
  depthCutoff: 1.5,
  maxChapters: 12,
  embedWeight: 0.15,
  lowWeight: 1,
  cueWeight: 4,
  snapS: 30,
  shortS: 1800,
};

/** The parameters for a recording of `dur` seconds: windows and minimum chapter scaled down when it is short. */
export function paramsFor(p: ChapterParams, dur: number): ChapterParams {
  if (!(p.shortS > 0) || dur >= p.shortS) return p;
  const k = Math.max(dur, 1) / p.shortS;
  return { ...p, windowS: Math.max(2 * p.blockS, p.windowS * k), minChapterS: Math.max(3 * p.blockS, p.minChapterS * k) };
}

/** An embedded passage (a moment or any window of the transcript). */
export interface PassageVector {
  start: number;
  end: number;
  vector: ArrayLike<number>;
}

export interface Chapter {
  start: number;
  end: number;
  title: string;
  keywords: string[];
}

export interface SegmentOptions {
  /** Embeddings of passages of this transcript; without them the segmentation is lexical only. */
  vectors?: PassageVector[] | null;
  params?: Partial<ChapterParams>;
  /** The transcript's language: its stop words and stems (English when not given). */
  language?: Analysis;
}

export interface TimedToken {
  t: number;
  stem: string;
  surface: string;
  /** Index of the cue it came from. */
  cue: number;
  pos: number;
  /** Written with a capital inside a sentence (see Token). */
  capitalInside: boolean;
}

/** Chapters covering the transcript from its first to its last cue, in order, without gaps. */
export function segmentChapters(cues: Cue[], opts: SegmentOptions = {}): Chapter[] {
  const p = { ...DEFAULT_CHAPTER_PARAMS, ...opts.params };
  const spoken = spokenCues(cues);
  if (spoken.length === 0) return [];
  const t0 = spoken[0].start;
  const t1 = spoken.reduce((a, c) => Math.max(a, c.end), t0);
  const tokens = timedTokens(spoken, opts.language);
  const bounds = findBoundaries(spoken, tokens, t0, t1, p, opts.vectors ?? null);
  const edges = [t0, ...bounds, t1];
  const spans = edges.slice(1).map((end, i) => ({ start: toMilliseconds(edges[i]), end: toMilliseconds(end) }));
  return titled(spoken, tokens, spans, opts.language);
}

/**
 * Chapters of these spans titled again from the transcript (stored chapters of an earlier version, whose
 * boundaries stand): what `reindex` does, since the boundaries mix in vectors the vector index cannot give back.
 */
export function retitleChapters(cues: Cue[], spans: { start: number; end: number }[], language?: Analysis): Chapter[] {
  const spoken = spokenCues(cues);
  return titled(spoken, timedTokens(spoken, language), spans, language);
}

function titled(spoken: Cue[], tokens: TimedToken[], spans: { start: number; end: number }[], language?: Analysis): Chapter[] {
  const titles = titleChapters(tokens, spans, language, speakerNames(spoken, tokens, language));
  return spans.map((s, i) => ({ start: s.start, end: s.end, title: titles[i].title, keywords: titles[i].keywords }));
}

/** The cues with words and times, in order of time. */
function spokenCues(cues: Cue[]): Cue[] {
  return cues.filter((c) => c.text.trim() !== '' && Number.isFinite(c.start) && Number.isFinite(c.end)).sort((a, b) => a.start - b.start);
}

export interface SimilaritySeries {
  /** Candidate boundary times. */
  gaps: number[];
  /** Lexical (TF-IDF cosine) similarity across each gap, standardised. */
  lexical: number[];
  /** Embedding similarity across each gap, standardised; null without vectors. */
  embedding: number[] | null;
  /** The mix of both, smoothed: what depth is measured on. */
  similarity: number[];
  depth: number[];
}

/** Similarity across every candidate gap and its depth. Exported for evaluation and tuning. */
export function similaritySeries(tokens: TimedToken[], t0: number, t1: number, p: ChapterParams, vectors: PassageVector[] | null): SimilaritySeries {
  const gaps: number[] = [];
  for (let g = t0 + p.blockS; g < t1 - p.blockS / 2; g += p.blockS) gaps.push(g);
  let lexical = standardise(lexicalSimilarity(tokens, gaps, t0, t1, p));
  if (p.wideFactor > 1) {
    // A second, wider comparison: a chapter-sized shift shows at both scales, a passing digression only at one.
    const wide = standardise(lexicalSimilarity(tokens, gaps, t0, t1, { ...p, windowS: p.windowS * p.wideFactor }));
    lexical = standardise(lexical.map((x, i) => x + wide[i]));
  }
  let embedding: number[] | null = null;
  if (vectors && vectors.length >= 4) {
    const emb = embeddingSimilarity(vectors, gaps, p.windowS);
    if (emb) embedding = standardise(emb);
  }
  const w = embedding ? p.embedWeight : 0;
  const similarity = smooth(lexical.map((x, i) => (1 - w) * x + (w && embedding ? w * embedding[i] : 0)), p.smoothing);
  return { gaps, lexical, embedding, similarity, depth: depthScores(similarity) };
}

/** Boundary times (seconds, ascending, strictly inside the transcript). */
export function findBoundaries(cues: Cue[], tokens: TimedToken[], t0: number, t1: number, given: ChapterParams, vectors: PassageVector[] | null): number[] {
  const dur = t1 - t0;
  const p = paramsFor(given, dur);
  if (dur < 2 * p.minChapterS || p.maxChapters < 2) return [];
  const { gaps, similarity: sim, depth } = similaritySeries(tokens, t0, t1, p, vectors);
  if (gaps.length < 3) return [];

  // A gap's score: how deep a valley it sits in, how low the similarity across it is, and whether somebody
  // announces a change of topic near it.
  const marks = cues.filter((c) => isTransition(c.text)).map((c) => c.start);
  const score = gaps.map((g, i) => {
    const cue = p.cueWeight > 0 && marks.some((t) => Math.abs(t - g) <= p.blockS) ? p.cueWeight : 0;
    return depth[i] + p.lowWeight * Math.max(0, -sim[i]) + cue;
  });
  const m = mean(score);
  const sd = Math.sqrt(mean(score.map((d) => (d - m) ** 2)));
  const cutoff = m + p.depthCutoff * sd;

  const starts = turnStarts(cues);
  const chosen: number[] = [];
  const order = gaps.map((g, i) => ({ g, s: score[i] })).sort((a, b) => b.s - a.s || a.g - b.g);
  for (const v of order) {
    if (v.s <= cutoff || chosen.length + 1 >= p.maxChapters) break;
    const at = snap(v.g, starts, marks, p.snapS);
    if (at - t0 < p.minChapterS || t1 - at < p.minChapterS) continue;
    if (chosen.some((c) => Math.abs(c - at) < p.minChapterS)) continue;
    chosen.push(at);
  }
  return chosen.sort((a, b) => a - b);
}

/** Content-word tokens, each at a time: its word's time when known, else spread evenly over its cue. */
export function timedTokens(cues: Cue[], language: Analysis = 'en'): TimedToken[] {
  const out: TimedToken[] = [];
  cues.forEach((c, ci) => {
    const toks = contentTokens(c.text, language);
    const nWords = Math.max(1, c.words?.length ?? c.text.split(/\s+/).length);
    const dur = Math.max(0, c.end - c.start);
    for (const tk of toks) {
      const w = c.words?.[tk.pos];
      const t = w && Number.isFinite(w.start) ? w.start : c.start + (dur * Math.min(tk.pos + 0.5, nWords)) / nWords;
      out.push({ t, stem: tk.stem, surface: tk.surface, cue: ci, pos: tk.pos, capitalInside: tk.capitalInside });
    }
  });
  return out.sort((a, b) => a.t - b.t);
}

/** TF-IDF cosine between the windows before and after each gap; IDF over `blockS` blocks of the recording. */
function lexicalSimilarity(tokens: TimedToken[], gaps: number[], t0: number, t1: number, p: ChapterParams): number[] {
  const nBlocks = Math.max(1, Math.ceil((t1 - t0) / p.blockS));
  const blocks: Map<string, number>[] = Array.from({ length: nBlocks }, () => new Map());
  for (const tk of tokens) {
    const b = Math.min(nBlocks - 1, Math.max(0, Math.floor((tk.t - t0) / p.blockS)));
    blocks[b].set(tk.stem, (blocks[b].get(tk.stem) ?? 0) + 1);
  }
  const df = new Map<string, number>();
  for (const b of blocks) for (const w of b.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [w, n] of df) idf.set(w, Math.log((nBlocks + 1) / (n + 0.5)));
  const span = Math.max(1, Math.round(p.windowS / p.blockS));
  const sum = (from: number, to: number) => {
    const acc = new Map<string, number>();
    for (let b = Math.max(0, from); b < Math.min(nBlocks, to); b++) for (const [w, n] of blocks[b]) acc.set(w, (acc.get(w) ?? 0) + n);
    return acc;
  };
  return gaps.map((g) => {
    const b = Math.round((g - t0) / p.blockS);
    const left = sum(b - span, b);
    const right = sum(b, b + span);
    let dot = 0;
    let nl = 0;
    let nr = 0;
    for (const [w, n] of left) {
      const x = n * idf.get(w)!;
      nl += x * x;
      const r = right.get(w);
      if (r) dot += x * r * idf.get(w)!;
    }
    for (const [w, n] of right) nr += (n * idf.get(w)!) ** 2;
    return nl > 0 && nr > 0 ? dot / Math.sqrt(nl * nr) : 0;
  });
}

/** Cosine of the mean vector of passages centred before a gap and of those centred after it. */
function embeddingSimilarity(vectors: PassageVector[], gaps: number[], windowS: number): number[] | null {
  const dim = vectors[0].vector.length;
  const mid = vectors.map((v) => (v.start + v.end) / 2);
  const out: number[] = [];
  let usable = 0;
  for (const g of gaps) {
    const l = new Float64Array(dim);
    const r = new Float64Array(dim);
    let nl = 0;
    let nr = 0;
    for (let i = 0; i < vectors.length; i++) {
      if (mid[i] >= g - windowS && mid[i] < g) {
        add(l, vectors[i].vector);
        nl++;
      } else if (mid[i] >= g && mid[i] < g + windowS) {
        add(r, vectors[i].vector);
        nr++;
      }
    }
    if (nl && nr) {
      usable++;
      out.push(cosine(l, r));
    } else out.push(NaN);
  }
  if (usable < 3) return null;
  // Gaps with no passage on one side (the ends) take the nearest known value.
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) out[i] = nearest(out, i);
  return out;
}

/** TextTiling depth: the climb to the nearest peak on the left plus the climb to the nearest peak on the right. */
export function depthScores(sim: number[]): number[] {
  return sim.map((s, i) => {
    let l = s;
    for (let j = i - 1; j >= 0 && sim[j] >= l; j--) l = sim[j];
    let r = s;
    for (let j = i + 1; j < sim.length && sim[j] >= r; j++) r = sim[j];
    return l - s + (r - s);
  });
}

/** Starts of speaker turns (cues whose speaker differs from the previous one), or every cue start without speakers. */
function turnStarts(cues: Cue[]): { t: number; turn: boolean }[] {
  return cues.map((c, i) => ({ t: c.start, turn: i > 0 && (c.speaker ?? '') !== (cues[i - 1].speaker ?? '') }));
}

/** The nearest announced change of topic within snapS, else the nearest speaker turn, else the nearest cue. */
function snap(g: number, starts: { t: number; turn: boolean }[], marks: number[], snapS: number): number {
  const closest = (ts: number[]) => ts.reduce<number | null>((best, t) => (best === null || Math.abs(t - g) < Math.abs(best - g) ? t : best), null);
  const mark = closest(marks.filter((t) => Math.abs(t - g) <= snapS));
  if (mark !== null) return mark;
  const turn = closest(starts.filter((s) => s.turn && Math.abs(s.t - g) <= snapS).map((s) => s.t));
  return turn ?? closest(starts.map((s) => s.t)) ?? g;
}

// ---- titles ----

interface Title {
  title: string;
  keywords: string[];
}

const MAX_TITLE_CHARS = 48;

/**
 * 2–4 keywords per chapter: stems scored by how many of the chapter's lines use them times the log ratio of
 * their rate in the chapter to their (smoothed) rate in the rest of the recording. Two keywords that are
 * spoken side by side often enough become one phrase ("remote control"). Shown as the commonest spoken form.
 */
export function titleChapters(
  tokens: TimedToken[],
  spans: { start: number; end: number }[],
  language: Analysis = 'en',
  speakers: ReadonlySet<string> = new Set(),
): Title[] {
  // Generic words and -ly adverbs ("currently", "basically") say nothing about a chapter. German writes its
  // nouns with a capital: a word never written so inside a sentence ("wurde", "gebracht", "runter") is not one.
  // Nor do the words of who talks: a meeting says "Chair" and "Councillor Brennan" whatever it is about.
  const nouns = language === 'de' ? new Set(tokens.filter((tk) => tk.capitalInside).map((tk) => tk.stem)) : null;
  const named = tokens.filter((tk) => isTitleWord(tk.surface, language) && (!nouns || nouns.has(tk.stem)) && !speakers.has(tk.stem));
  const total = new Map<string, number>();
  for (const tk of named) total.set(tk.stem, (total.get(tk.stem) ?? 0) + 1);
  const vocab = Math.max(1, total.size);
  return spans.map((span, si) => {
    const inside = named.filter((tk) => tk.t >= span.start && (tk.t < span.end || (si === spans.length - 1 && tk.t <= span.end)));
    const count = new Map<string, number>();
    const lines = new Map<string, Set<number>>();
    const forms = new Map<string, Map<string, number>>();
    for (const tk of inside) {
      count.set(tk.stem, (count.get(tk.stem) ?? 0) + 1);
      let l = lines.get(tk.stem);
      if (!l) lines.set(tk.stem, (l = new Set()));
      l.add(tk.cue);
      let f = forms.get(tk.stem);
      if (!f) forms.set(tk.stem, (f = new Map()));
      f.set(tk.surface, (f.get(tk.surface) ?? 0) + 1);
    }
    const nIn = inside.length;
    const nOut = named.length - nIn;
    const single = spans.length === 1;
    const scored: { stem: string; score: number }[] = [];
    for (const [w, c] of count) {
      const out = (total.get(w) ?? 0) - c;
      const rateIn = c / Math.max(1, nIn);
      // With one chapter there is no rest of the recording: plain frequency decides.
      const ratio = single ? 1 : Math.log(rateIn / ((out + 0.5) / (nOut + 0.5 * vocab)));
      if (!single && ratio <= 0) continue;
      const spread = lines.get(w)!.size;
      if (spread < 2 && nIn > 40) continue;
      scored.push({ stem: w, score: spread * (single ? 1 : ratio) + (single ? c / 1000 : 0) });
    }
    scored.sort((a, b) => b.score - a.score || a.stem.localeCompare(b.stem));
    const top = scored.slice(0, 8).map((x) => x.stem);
    const form = (stem: string) => [...forms.get(stem)!].sort((a, b) => b[1] - a[1] || preferLower(a[0], b[0]))[0][0];

    // Adjacent pairs among the top stems, in spoken order.
    const topSet = new Set(top);
    const pairs = new Map<string, { n: number; forms: Map<string, number> }>();
    for (let i = 1; i < inside.length; i++) {
      const a = inside[i - 1];
      const b = inside[i];
      if (a.cue !== b.cue || b.pos !== a.pos + 1 || a.stem === b.stem || !topSet.has(a.stem) || !topSet.has(b.stem)) continue;
      const key = `${a.stem} ${b.stem}`;
      let e = pairs.get(key);
      if (!e) pairs.set(key, (e = { n: 0, forms: new Map() }));
      e.n++;
      const f = `${a.surface} ${b.surface}`;
      e.forms.set(f, (e.forms.get(f) ?? 0) + 1);
    }
    const keywords: string[] = [];
    const used = new Set<string>();
    for (const w of top) {
      if (used.has(w)) continue;
      // A phrase when the pair is at least a third as common as its rarer word.
      const phrase = [...pairs]
        .filter(([k, e]) => k.split(' ').includes(w) && e.n >= 2 && k.split(' ').every((x) => !used.has(x)) && e.n * 3 >= Math.min(...k.split(' ').map((x) => count.get(x)!)))
        .sort((a, b) => b[1].n - a[1].n)[0];
      if (phrase) {
        const [k, e] = phrase;
        for (const x of k.split(' ')) used.add(x);
        keywords.push(keywordForm([...e.forms].sort((a, b) => b[1] - a[1] || preferLower(a[0], b[0]))[0][0]));
      } else {
        used.add(w);
        keywords.push(keywordForm(form(w)));
      }
      if (keywords.length >= 4) break;
    }
    return { title: makeTitle(keywords), keywords };
  });
}

/**
 * The words of the transcript's speaker labels (as given, and as an archivist has since renamed them) that the
 * talk writes as names, with a capital: "Chair" and "Councillor Brennan" in "Thank you, Chair. Councillor
 * Brennan?". A label word the talk writes in lower case more often ("the user interface", "our marketing") is
 * also what the meeting is about.
 */
function speakerNames(cues: Cue[], tokens: TimedToken[], language: Analysis = 'en'): Set<string> {
  const labels = new Set(cues.flatMap((c) => [c.speaker, c.label].filter((x): x is string => !!x)));
  const stems = new Set([...labels].flatMap((l) => contentTokens(l, language).map((tk) => tk.stem)));
  const written = new Map<string, number>(); // capitals minus lower-case initials
  for (const tk of tokens) {
    if (!stems.has(tk.stem)) continue;
    const first = tk.surface.charAt(0);
    written.set(tk.stem, (written.get(tk.stem) ?? 0) + (first === first.toLowerCase() ? -1 : 1));
  }
  return new Set([...stems].filter((st) => (written.get(st) ?? 0) > 0));
}

function makeTitle(keywords: string[]): string {
  if (keywords.length === 0) return 'Untitled';
  const parts: string[] = [];
  for (const k of keywords) {
    const next = [...parts, titleWord(k)];
    if (parts.length >= 2 && next.join(', ').length > MAX_TITLE_CHARS) break;
    parts.push(titleWord(k));
  }
  return parts.join(', ');
}

/** A keyword as stored: lower case, except acronyms as spoken ("XML", "NIST"). */
function keywordForm(surface: string): string {
  return surface
    .split(' ')
    .map((w) => (w.length >= 2 && w === w.toUpperCase() && /\p{L}/u.test(w) ? w : w.toLowerCase()))
    .join(' ');
}

/** Between two spoken forms equally common, the lower-case one (sentence-initial capitals are not names). */
function preferLower(a: string, b: string): number {
  return Number(a !== a.toLowerCase()) - Number(b !== b.toLowerCase());
}

// ---- numbers ----

function standardise(xs: number[]): number[] {
  const m = mean(xs);
  const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
  return sd > 1e-9 ? xs.map((x) => (x - m) / sd) : xs.map(() => 0);
}

function smooth(xs: number[], half: number): number[] {
  if (half <= 0) return xs;
  return xs.map((_, i) => {
    let s = 0;
    let n = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(xs.length - 1, i + half); j++) {
      s += xs[j];
      n++;
    }
    return s / n;
  });
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function add(acc: Float64Array, v: ArrayLike<number>): void {
  for (let i = 0; i < acc.length; i++) acc[i] += v[i];
}

function nearest(xs: number[], i: number): number {
  for (let d = 1; d < xs.length; d++) {
    if (i - d >= 0 && !Number.isNaN(xs[i - d])) return xs[i - d];
    if (i + d < xs.length && !Number.isNaN(xs[i + d])) return xs[i + d];
  }
  return 0;
}
