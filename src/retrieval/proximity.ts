import { type Analysis, stem } from '../core/index.js';
import { words } from './text.js';

/**
 * The pairs of the question's content stems that occur within `window` words of each other in `text`
 * ("rent control", "control of rents"), each pair once, as "a b" with a < b. Stop words count toward the
 * distance, so "control of rents" is 2 apart.
 */
export function nearPairs(question: ReadonlySet<string>, text: string, language: Analysis, window: number): Set<string> {
  const pairs = new Set<string>();
  if (question.size < 2) return pairs;
  const at: Array<[number, string]> = [];
  words(text, language).forEach((w, i) => {
    const s = stem(w, language);
    if (question.has(s)) at.push([i, s]);
  });
  for (let i = 0; i < at.length; i++) {
    for (let j = i + 1; j < at.length && at[j][0] - at[i][0] <= window; j++) {
      const [a, b] = [at[i][1], at[j][1]];
      if (a !== b) pairs.add(a < b ? `${a} ${b}` : `${b} ${a}`);
    }
  }
  return pairs;
}

export interface ProximityOptions {
  /** Words apart that still count as said together. */
  window: number;
  /** What a candidate gains per pair of full weight. */
  weight: number;
  /** Pairs counted at most (a long question has many). */
  cap: number;
}

/**
 * What search uses: 3 words apart, 0.2 a pair, at most 2 pairs. Chosen on the dev set's tuning split by link
 * relevance (`npm run eval`, BENCHMARKS.md "Words said together").
 */
export const PROXIMITY: ProximityOptions = { window: 3, weight: 0.2, cap: 2 };

/**
 * Proximity evidence: what each candidate gains for saying the question's words together, not only somewhere in
 * its 20 s. A pair counts by how rare it is among the candidates, ln(N / df) / ln(N): a pair that nearly every
 * candidate holds (the "remote control" of a meeting series about one) says nothing about which one answers,
 * and the agenda that names it beside every item would gain most. Returns the gain of each candidate that has one.
 */
export function proximityGains(candidates: Array<{ id: string; text: string; question: ReadonlySet<string>; language: Analysis }>, opts: ProximityOptions): Map<string, number> {
  const pairsOf = candidates.map((c) => nearPairs(c.question, c.text, c.language, opts.window));
  const df = new Map<string, number>();
  for (const ps of pairsOf) for (const x of ps) df.set(x, (df.get(x) ?? 0) + 1);
  const n = Math.max(2, candidates.length);
  const gains = new Map<string, number>();
  candidates.forEach((c, i) => {
    let pairs = 0;
    for (const x of pairsOf[i]) pairs += Math.log(n / df.get(x)!) / Math.log(n);
    if (pairs > 0) gains.set(c.id, opts.weight * Math.min(opts.cap, pairs));
  });
  return gains;
}
