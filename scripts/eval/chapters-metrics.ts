/**
 * Topic segmentation metrics over time (seconds), for chapters:
 * - boundary precision / recall / F1: a hypothesised boundary is correct when it lies within `tol` seconds of a
 *   reference boundary; each reference boundary is matched at most once (closest pairs first).
 * - Pk (Beeferman et al. 1999): the probability that two instants `k` seconds apart are wrongly judged to be in
 *   the same chapter or in different ones; k is conventionally half the mean reference segment length.
 * - WindowDiff (Pevzner & Hearst 2002): the probability that a window of `k` seconds holds a different number
 *   of boundaries in the hypothesis than in the reference.
 * The instants are sampled every `step` seconds over [start, end]. Lower Pk and WindowDiff are better.
 */

export interface BoundaryScore {
  /** Hypothesised boundaries matched to a reference boundary. */
  matched: number;
  hyp: number;
  ref: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Interior boundaries of a segmentation given as [start, end, ...] segments: every segment start but the first. */
export function boundariesOf(segments: readonly (readonly [number, number, ...unknown[]])[]): number[] {
  const starts = [...segments].map((s) => s[0]).sort((a, b) => a - b);
  return [...new Set(starts.slice(1))];
}

export function boundaryF1(ref: readonly number[], hyp: readonly number[], tol: number): BoundaryScore {
  const pairs: { d: number; r: number; h: number }[] = [];
  ref.forEach((r, ri) => hyp.forEach((h, hi) => Math.abs(r - h) <= tol && pairs.push({ d: Math.abs(r - h), r: ri, h: hi })));
  pairs.sort((a, b) => a.d - b.d || a.r - b.r || a.h - b.h);
  const usedR = new Set<number>();
  const usedH = new Set<number>();
  for (const p of pairs) {
    if (usedR.has(p.r) || usedH.has(p.h)) continue;
    usedR.add(p.r);
    usedH.add(p.h);
  }
  return prf(usedR.size, hyp.length, ref.length);
}

/** Precision, recall and F1 from counts; with no boundaries on either side the segmentation is perfect. */
export function prf(matched: number, hyp: number, ref: number): BoundaryScore {
  const precision = hyp === 0 ? (ref === 0 ? 1 : 0) : matched / hyp;
  const recall = ref === 0 ? (hyp === 0 ? 1 : 0) : matched / ref;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { matched, hyp, ref, precision, recall, f1 };
}

export interface WindowOptions {
  start: number;
  end: number;
  /** Window width in seconds; default half the mean reference segment length over [start, end]. */
  k?: number;
  /** Sampling interval in seconds (default 1). */
  step?: number;
}

/** Half the mean length of the reference segments over [start, end] (the boundaries cut it into ref.length + 1). */
export function defaultK(ref: readonly number[], start: number, end: number): number {
  const inside = ref.filter((b) => b > start && b < end).length;
  return (end - start) / (inside + 1) / 2;
}

/** Number of boundaries b with b <= t (boundaries sorted ascending). */
function countUpTo(bs: readonly number[], t: number): number {
  let lo = 0;
  let hi = bs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bs[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function windows(ref: readonly number[], hyp: readonly number[], o: WindowOptions, wrong: (r: number, h: number) => boolean): number {
  const r = [...ref].sort((a, b) => a - b);
  const h = [...hyp].sort((a, b) => a - b);
  const k = o.k ?? defaultK(r, o.start, o.end);
  const step = o.step ?? 1;
  let n = 0;
  let errors = 0;
  for (let t = o.start; t + k <= o.end + 1e-9; t += step) {
    const dr = countUpTo(r, t + k) - countUpTo(r, t);
    const dh = countUpTo(h, t + k) - countUpTo(h, t);
    n++;
    if (wrong(dr, dh)) errors++;
  }
  return n ? errors / n : 0;
}

/** Pk: share of probe pairs (t, t + k) where reference and hypothesis disagree on "same chapter". */
export function pk(ref: readonly number[], hyp: readonly number[], o: WindowOptions): number {
  return windows(ref, hyp, o, (dr, dh) => dr > 0 !== dh > 0);
}

/** WindowDiff: share of windows (t, t + k] where the numbers of boundaries differ. */
export function windowDiff(ref: readonly number[], hyp: readonly number[], o: WindowOptions): number {
  return windows(ref, hyp, o, (dr, dh) => dr !== dh);
}

/** `n` equal chapters over [start, end]: the n - 1 boundaries between them (a baseline). */
export function evenBoundaries(start: number, end: number, n: number): number[] {
  return Array.from({ length: Math.max(0, n - 1) }, (_, i) => start + ((end - start) * (i + 1)) / n);
}

export interface TitleAgreement {
  chapters: number;
  /** Chapters with a keyword whose words the gold title of the chapter they overlap most also says. */
  withGoldWord: number;
  keywords: number;
  /** Keywords one of whose words that gold title says. */
  inGold: number;
  /** Keywords one of whose words is a word of a speaker's label (who talks, not what about). */
  namingSpeaker: number;
}

/**
 * How well chapter titles say what the gold chapters are about. Each chapter is compared with the gold chapter it
 * overlaps most; words are compared as `stems` reads them (stems of content words), so "Remote" and "remotes"
 * agree and stop words never do.
 */
export function titleAgreement(
  chapters: readonly { start: number; end: number; keywords: readonly string[] }[],
  gold: readonly (readonly [number, number, string])[],
  stems: (text: string) => Set<string>,
  speakers: readonly string[] = [],
): TitleAgreement {
  const speakerStems = new Set(speakers.flatMap((sp) => [...stems(sp)]));
  const out: TitleAgreement = { chapters: chapters.length, withGoldWord: 0, keywords: 0, inGold: 0, namingSpeaker: 0 };
  for (const ch of chapters) {
    let best: (typeof gold)[number] | null = null;
    let most = 0;
    for (const g of gold) {
      const o = Math.min(ch.end, g[1]) - Math.max(ch.start, g[0]);
      if (o > most) [best, most] = [g, o];
    }
    const goldStems = best ? stems(best[2]) : new Set<string>();
    let any = false;
    for (const k of ch.keywords) {
      const ks = [...stems(k)];
      out.keywords++;
      if (ks.some((s) => goldStems.has(s))) {
        out.inGold++;
        any = true;
      }
      if (ks.some((s) => speakerStems.has(s))) out.namingSpeaker++;
    }
    if (any) out.withGoldWord++;
  }
  return out;
}
