/**
 * Stitching: per-chunk ASR words (times relative to each chunk) → one word stream in recording time.
 *
 * Neighbouring chunks overlap, so words in an overlap are heard twice. Each overlap gets one boundary `t`:
 * the earlier chunk keeps words whose midpoint is before `t`, the later one the rest. `t` starts at the
 * overlap's midpoint — the point equally far inside both chunks, so each word is taken from the chunk whose
 * centre is nearer to it (the midpoint rule) — and is moved to the nearest instant inside no word of either
 * chunk when there is one close by, so no word is split. When the engine reports word confidences, `t` may
 * then move anywhere in the overlap to keep the clearly more confident reading (confidentBoundary): a chunk
 * that starts inside continuous speech can be poor for its first seconds (pocketsphinx normalises features
 * by what it has heard so far, so its first utterance in a chunk can come out as a low-confidence jumble
 * over words the earlier chunk heard well), and the midpoint rule alone would keep the jumble. Two guards
 * catch what the partition can still get wrong when speech is continuous: a word straddling `t` that the
 * partition dropped from both sides is put back unless the other side's words cover most of it, and words
 * from different chunks that match in text and time (or contradict each other on the same audio) are
 * reduced to the copy from the chunk whose centre is nearer.
 *
 * A chunk whose ASR failed becomes a visible gap word `[inaudible: ASR failed]` over the time no neighbour
 * covers, instead of failing the recording. Runs of low-confidence words are flagged.
 */
import { type Word, toMilliseconds } from '../../core/index.js';
import type { AsrResult } from './asr/port.js';
import type { Chunk } from './chunk.js';
import type { Region } from './vad.js';

export const GAP_TEXT = '[inaudible: ASR failed]';

export interface ChunkOutcome {
  chunk: Chunk;
  result?: AsrResult;
  error?: unknown;
}

export interface StitchedWord extends Word {
  /** Index of the chunk the word was taken from. */
  chunk: number;
  /** A gap marker, not speech. */
  gap?: true;
  lowConfidence?: true;
}

export interface Gap extends Region {
  chunk: number;
  reason: string;
}

export interface StitchOptions {
  /** Words below this confidence can form a flagged stretch. Default 0.3. */
  lowConfidence?: number;
  /** Fewest consecutive low-confidence words that make a stretch. Default 3. */
  minLowRun?: number;
}

export interface StitchResult {
  words: StitchedWord[];
  gaps: Gap[];
  lowConfidence: Region[];
}

const mid = (w: Word) => (w.start + w.end) / 2;
export const normText = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');
const overlapLen = (a: Word, b: Word) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
const contiguous = (a: Chunk, b: Chunk) => Math.abs(a.coreEnd - b.coreStart) < 1e-6 && a.end > b.start;

/** The instant nearest `target` within [lo, hi] that lies inside no word of either list, or `target`. */
export function freeBoundary(a: Word[], b: Word[], target: number, lo: number, hi: number): number {
  const inside = [...a, ...b].filter((w) => w.end > lo && w.start < hi);
  const isFree = (t: number) => !inside.some((w) => w.start + 1e-3 < t && t < w.end - 1e-3);
  if (isFree(target)) return target;
  let best = target;
  let bestD = Infinity;
  for (const w of inside) {
    for (const t of [w.start, w.end]) {
      if (t < lo || t > hi || !isFree(t)) continue;
      const d = Math.abs(t - target);
      if (d < bestD) {
        bestD = d;
        best = t;
      }
    }
  }
  return best;
}

/** Confidence × duration of the part of a word inside [lo, hi]. */
const weight = (w: Word, lo: number, hi: number) => (w.confidence ?? 0) * Math.max(0, Math.min(hi, w.end) - Math.max(lo, w.start));

/**
 * The boundary in the overlap [lo, hi] of chunks a (earlier) and b that keeps the most confident speech:
 * a's words with their midpoint before it and b's from it on, scored by confidence × duration. It replaces
 * `fallback` (the midpoint rule's choice) only when that gains at least `minGain` confidence-seconds plus
 * 10 % of the overlap's length, so two readings that agree keep the midpoint rule. Candidates are the word
 * edges of either chunk and the ends of the overlap; among near-equal ones an instant inside no word is
 * preferred, then the one nearest `fallback`. Without a confidence on every word in the overlap, `fallback`.
 */
export function confidentBoundary(a: Word[], b: Word[], lo: number, hi: number, fallback: number, minGain = 0.3): number {
  const inA = a.filter((w) => w.end > lo && w.start < hi);
  const inB = b.filter((w) => w.end > lo && w.start < hi);
  if ([...inA, ...inB].some((w) => w.confidence === undefined)) return fallback;
  const score = (t: number) => inA.reduce((s, w) => (mid(w) < t ? s + weight(w, lo, hi) : s), 0) + inB.reduce((s, w) => (mid(w) >= t ? s + weight(w, lo, hi) : s), 0);
  const isFree = (t: number) => ![...inA, ...inB].some((w) => w.start + 1e-3 < t && t < w.end - 1e-3);
  const candidates = [fallback, lo, hi, ...[...inA, ...inB].flatMap((w) => [w.start, w.end])].filter((t) => t >= lo && t <= hi);
  const best = Math.max(...candidates.map(score));
  if (best - score(fallback) < minGain + 0.1 * (hi - lo)) return fallback;
  const near = candidates.filter((t) => score(t) >= best - 0.05);
  near.sort((x, y) => Number(isFree(y)) - Number(isFree(x)) || Math.abs(x - fallback) - Math.abs(y - fallback));
  return near[0];
}

export function stitch(outcomes: ChunkOutcome[], o: StitchOptions = {}): StitchResult {
  const list = [...outcomes].sort((x, y) => x.chunk.coreStart - y.chunk.coreStart);
  const ok = (i: number) => list[i]?.result !== undefined && list[i].error === undefined;
  // Absolute-time words per chunk.
  const abs: Word[][] = list.map((c, i) =>
    ok(i) ? c.result!.words.map((w) => ({ ...w, start: toMilliseconds(w.start + c.chunk.start), end: toMilliseconds(w.end + c.chunk.start) })) : [],
  );

  // Boundary after chunk i (between i and i+1): undefined when they are not contiguous.
  const bound: (number | undefined)[] = list.map((c, i) => {
    const n = list[i + 1];
    if (!n || !contiguous(c.chunk, n.chunk)) return undefined;
    if (!ok(i) || !ok(i + 1)) return undefined; // a failed side: the good side keeps its whole range
    const lo = n.chunk.start;
    const hi = c.chunk.end;
    const target = (lo + hi) / 2;
    const slack = (hi - lo) * 0.3;
    return confidentBoundary(abs[i], abs[i + 1], lo, hi, freeBoundary(abs[i], abs[i + 1], target, target - slack, target + slack));
  });

  const words: StitchedWord[] = [];
  const gaps: Gap[] = [];
  const kept: Word[][] = list.map(() => []);
  list.forEach((c, i) => {
    if (!ok(i)) return;
    const left = bound[i - 1] ?? -Infinity;
    const right = bound[i] ?? Infinity;
    for (const w of abs[i]) if (mid(w) >= left && mid(w) < right) kept[i].push(w);
  });
  // Rescue: a word across a boundary that lost on both sides (its two copies' midpoints fell the wrong way).
  list.forEach((c, i) => {
    const t = bound[i];
    if (t === undefined) return;
    for (const [from, other] of [
      [i, i + 1],
      [i + 1, i],
    ] as const) {
      for (const w of abs[from]) {
        if (kept[from].includes(w) || !(w.start < t && t < w.end)) continue;
        // Covered when the other side kept the same word here, or other words over most of it (one long word
        // of a poor reading can span several of the other's).
        const covered =
          kept[other].some((k) => normText(k.text) === normText(w.text) && overlapLen(k, w) > 0) ||
          kept[other].reduce((sum, k) => sum + overlapLen(k, w), 0) >= 0.5 * (w.end - w.start);
        if (!covered) kept[from].push(w);
      }
    }
  });
  list.forEach((c, i) => {
    for (const w of kept[i]) words.push({ ...w, chunk: c.chunk.index });
    if (ok(i)) return;
    // Failed: mark the time no successful neighbour covers.
    const p = list[i - 1];
    const n = list[i + 1];
    const start = p && contiguous(p.chunk, c.chunk) && ok(i - 1) ? p.chunk.end : c.chunk.coreStart;
    const end = n && contiguous(c.chunk, n.chunk) && ok(i + 1) ? n.chunk.start : c.chunk.coreEnd;
    const reason = c.error instanceof Error ? c.error.message : String(c.error ?? 'no result');
    if (end > start) {
      gaps.push({ start: toMilliseconds(start), end: toMilliseconds(end), chunk: c.chunk.index, reason });
      words.push({ start: toMilliseconds(start), end: toMilliseconds(end), text: GAP_TEXT, confidence: 0, chunk: c.chunk.index, gap: true });
    }
  });
  words.sort((a, b) => a.start - b.start || a.end - b.end);

  const out = dedupe(words, list.map((c) => c.chunk));
  return { words: out, gaps, lowConfidence: flagLowConfidence(out, o.lowConfidence ?? 0.3, o.minLowRun ?? 3) };
}

/** Among words from different chunks that are the same word (or rival readings of the same audio), keep one. */
function dedupe(words: StitchedWord[], chunks: Chunk[]): StitchedWord[] {
  const centre = new Map(chunks.map((c) => [c.index, (c.coreStart + c.coreEnd) / 2]));
  const dist = (w: StitchedWord) => Math.abs(mid(w) - (centre.get(w.chunk) ?? mid(w)));
  const drop = new Set<StitchedWord>();
  for (let i = 0; i < words.length; i++) {
    const a = words[i];
    if (drop.has(a) || a.gap) continue;
    for (let j = i + 1; j < words.length && words[j].start < a.end + 0.3; j++) {
      const b = words[j];
      if (drop.has(b) || b.gap || b.chunk === a.chunk) continue;
      const shorter = Math.min(a.end - a.start, b.end - b.start);
      const sameWord = normText(a.text) === normText(b.text) && (overlapLen(a, b) > 0 || Math.abs(a.start - b.start) < 0.25);
      const rivals = overlapLen(a, b) >= 0.5 * Math.max(shorter, 1e-3);
      if (!sameWord && !rivals) continue;
      const loser = dist(a) <= dist(b) ? b : a;
      drop.add(loser);
      if (loser === a) break;
    }
  }
  return words.filter((w) => !drop.has(w));
}

/** Marks runs of ≥ minRun consecutive words under the threshold; returns their spans. */
export function flagLowConfidence(words: StitchedWord[], threshold: number, minRun: number): Region[] {
  const spans: Region[] = [];
  let run: StitchedWord[] = [];
  const close = () => {
    if (run.length >= minRun) {
      for (const w of run) w.lowConfidence = true;
      spans.push({ start: run[0].start, end: run[run.length - 1].end });
    }
    run = [];
  };
  for (const w of words) {
    if (!w.gap && w.confidence !== undefined && w.confidence < threshold) run.push(w);
    else close();
  }
  close();
  return spans;
}
