import { createHash } from 'node:crypto';
/**
 * Retrieval metrics for "find the moment" questions, under two readings of "relevant":
 * - link (the headline): the result's deep link (`?t=` of its url) lands inside a gold span of
 *   the question's recording, allowing LEAD_IN_S of lead-in before the span. This is what a person clicking
 *   the result experiences: the player opens on the answer, or it does not.
 * - overlap: the returned span overlaps a gold span. Long passages overlap answers easily even when their
 *   link opens minutes before them, so this is a secondary figure.
 * Either way each gold span is credited once (to the best-ranked result that hits it), so a system cannot
 * score twice by returning two pieces of one answer.
 */
export interface Returned {
  recordingId: string;
  start: number;
  end: number;
  /** Where the result's deep link opens the recording, in seconds. */
  link: number;
}

export interface Gold {
  recordingId: string;
  spans: [number, number][];
}

export type Relevance = 'link' | 'overlap';

export interface QueryScores {
  ndcg: number;
  rr: number;
  recall: number;
}

/** Seconds before a gold span that still count as landing on it: a listener hears the answer begin. */
export const LEAD_IN_S = 3;

export function hits(r: Returned, [s, e]: [number, number], relevance: Relevance): boolean {
  return relevance === 'link' ? r.link >= s - LEAD_IN_S && r.link <= e : r.start < e && r.end > s;
}

export function scoreQuery(results: Returned[], gold: Gold, relevance: Relevance, k = 10): QueryScores {
  const credited = new Set<number>();
  let dcg = 0;
  let rr = 0;
  results.slice(0, k).forEach((r, i) => {
    if (r.recordingId !== gold.recordingId) return;
    const g = gold.spans.findIndex((span, gi) => !credited.has(gi) && hits(r, span, relevance));
    if (g < 0) return;
    credited.add(g);
    dcg += 1 / Math.log2(i + 2);
    if (rr === 0) rr = 1 / (i + 1);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, gold.spans.length); i++) idcg += 1 / Math.log2(i + 2);
  return { ndcg: idcg ? dcg / idcg : 0, rr, recall: gold.spans.length ? credited.size / gold.spans.length : 0 };
}

/**
 * How far the link of the first result that overlaps an answer opens from that answer, in seconds: 0 when it
 * lands inside (lead-in allowed), else the distance to the nearest edge of the span it overlaps. Null when no
 * result of the top k overlaps an answer (the question says nothing about localisation then).
 */
export function linkError(results: Returned[], gold: Gold, k = 10): number | null {
  for (const r of results.slice(0, k)) {
    if (r.recordingId !== gold.recordingId) continue;
    const overlapped = gold.spans.filter((span) => hits(r, span, 'overlap'));
    if (overlapped.length === 0) continue;
    return Math.min(...overlapped.map(([s, e]) => (r.link < s - LEAD_IN_S ? s - LEAD_IN_S - r.link : r.link > e ? r.link - e : 0)));
  }
  return null;
}

/** The `t` of a deep link (`/r/<id>?t=<seconds>`); the result's start when the url has none. */
export function linkSeconds(url: string, start: number): number {
  const t = new URL(url, 'http://x').searchParams.get('t');
  return t !== null && Number.isFinite(Number(t)) ? Number(t) : start;
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A fixed quarter of the recordings, by a hash of their id, that settings are never tuned on: the tuning
 * tools (scripts/eval/moment-lab.ts) score only the rest, and `npm run eval` reports both parts, so a setting
 * that fits the tuned questions alone shows up as a gap between them.
 */
export function splitOf(recordingId: string): 'tune' | 'holdout' {
  return createHash('sha1').update(recordingId).digest()[0] % 4 === 0 ? 'holdout' : 'tune';
}

/**
 * Two halves of the tuning recordings, by another hash of their id: what is fitted on questions (a query adapter,
 * scripts/eval/adapter-lab.ts) is fitted on one half and scored on the other, so no question is scored by a fit
 * that saw it.
 */
export function tuningFoldOf(recordingId: string): 0 | 1 {
  return (createHash('sha1').update(`fold:${recordingId}`).digest()[0] % 2) as 0 | 1;
}
