import { meanAndSd } from '../core/index.js';

/**
 * Weighted reciprocal rank fusion: each leg contributes weight/(k + rank); k damps the weight of the very
 * top ranks, the weight says how far a leg is trusted (measured per embedding model, see BENCHMARKS.md).
 */
export function reciprocalRankFusion(legs: { ids: string[]; weight?: number }[], k: number): Map<string, number> {
  const fused = new Map<string, number>();
  for (const leg of legs) {
    const w = leg.weight ?? 1;
    leg.ids.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + w / (k + i + 1)));
  }
  return fused;
}

/**
 * Score fusion: BM25 normalised by the query's best lexical score, plus `weight` × the cosine similarity
 * z-scored over BM25's candidates (a candidate only the vector leg found has BM25 0). The vector leg then
 * reorders what BM25 finds and fills in when it finds little, instead of pulling in its own (weaker) picks as
 * rank fusion does. Measured against rank fusion, by where the link lands, in BENCHMARKS.md ("Rank fusion, and the
 * vector leg's own hits in every search").
 * The cosines are z-scored over the candidates they reorder: over all of them, the vector leg's own hits (the
 * archive's highest cosines, added only when BM25 finds few) would change how BM25's candidates are ordered.
 * With fewer than two lexical cosines, over all candidates.
 */
export function scoreFusion(bm25: { id: string; score: number }[], cosine: Map<string, number>, weight: number): Map<string, number> {
  const ids = new Set([...bm25.map((h) => h.id), ...cosine.keys()]);
  const lex = new Map(bm25.map((h) => [h.id, h.score]));
  const best = Math.max(1e-9, ...bm25.map((h) => h.score));
  const own = bm25.flatMap((h) => (cosine.has(h.id) ? [cosine.get(h.id)!] : []));
  const { mean, sd } = meanAndSd(own.length >= 2 ? own : [...cosine.values()]);
  const fused = new Map<string, number>();
  for (const id of ids) {
    const c = cosine.get(id);
    fused.set(id, (lex.get(id) ?? 0) / best + (c === undefined ? 0 : (weight * (c - mean)) / sd));
  }
  return fused;
}

export interface Span {
  recordingId: string;
  start: number;
  end: number;
  score: number;
  text: string;
}

/**
 * Merges hits of one recording that overlap or touch (within `gapS`) into one span, so a passage is
 * listed once. The merged span keeps the best score, and its text is the union without the words the
 * overlapping windows share. A passage grows to `maxS` at most: past that a hit starts a passage of its own,
 * so a recording that matches throughout is not shown as one passage as long as the recording.
 */
export function mergeSpans<T extends Span>(hits: T[], gapS: number, combine: (into: T, from: T) => void, maxS = Infinity): T[] {
  const byRecording = new Map<string, T[]>();
  for (const h of hits) byRecording.set(h.recordingId, [...(byRecording.get(h.recordingId) ?? []), h]);
  const out: T[] = [];
  for (const group of byRecording.values()) {
    group.sort((a, b) => a.start - b.start);
    let cur = { ...group[0] };
    for (const h of group.slice(1)) {
      if (h.start <= cur.end + gapS && Math.max(cur.end, h.end) - cur.start <= maxS) {
        if (h.end > cur.end) {
          cur.text = joinOverlapping(cur.text, h.text);
          cur.end = h.end;
        }
        combine(cur, h);
        cur.score = Math.max(cur.score, h.score);
      } else {
        out.push(cur);
        cur = { ...h };
      }
    }
    out.push(cur);
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Passages (best first) with each one whose link (`at`, its best moment) is less than `gapS` from a better
 * passage's, of its recording and kind, moved after all the others, in their order: letting the better one play,
 * the listener reaches it within that time, so the page lists other moments first. A passage is compared with
 * those kept in place only, so a run of neighbours keeps its best.
 */
export function nearDuplicatesLast<T extends { recordingId: string; at: number; kind?: string }>(passages: T[], gapS: number): T[] {
  return lastWhenNear(passages, (k, p) => k.recordingId === p.recordingId && k.kind === p.kind && Math.abs(p.at - k.at) < gapS);
}

/** `items` (best first) with each one `near` a better one kept in place moved after all the others, in their order. */
export function lastWhenNear<T>(items: T[], near: (better: T, item: T) => boolean): T[] {
  const first: T[] = [];
  const later: T[] = [];
  for (const p of items) (first.some((k) => near(k, p)) ? later : first).push(p);
  return [...first, ...later];
}

// Whitespace that is not one space between words; text without it is split and joined by plain string search.
const IRREGULAR_B = /[^\S ]| {2}|^ | $/;
const IRREGULAR_TAIL = /[^\S ]| {2}| $/;

/** Appends `b` to `a`, dropping the longest prefix of `b` that `a` already ends with. */
export function joinOverlapping(a: string, b: string): string {
  // Only a's last words can overlap b, and they span no more characters than b: a passage merged from many
  // windows is not split again in full at every merge. The tail's first token may be cut mid-word, so it
  // is dropped unless the cut falls on a word boundary.
  const cut = Math.max(0, a.length - b.length - 1);
  // (from cut - 1: the character before the tail says whether the cut fell between two words)
  if (b && !IRREGULAR_B.test(b) && !IRREGULAR_TAIL.test(a.slice(Math.max(0, cut - 1)))) return joinBySearch(a, b, cut);
  const tail = a.slice(cut);
  const aw = cut === 0 || /\s/.test(a[cut - 1]) ? tail.split(/\s+/) : tail.split(/\s+/).slice(1);
  const bw = b.split(/\s+/);
  for (let n = Math.min(aw.length, bw.length); n > 0; n--) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = aw[aw.length - n + i] === bw[i];
    if (same) return n === bw.length ? a : `${a} ${bw.slice(n).join(' ')}`;
  }
  return `${a} ${b}`;
}

/**
 * joinOverlapping for words separated by single spaces, without splitting: the longest overlap begins at
 * the first word start, from `cut` on, where `a`'s rest is a word-aligned prefix of `b`. Most passages share
 * no words, and splitting both sides at every merge cost ~0.4 ms of a search.
 */
function joinBySearch(a: string, b: string, cut: number): string {
  const space = b.indexOf(' ');
  const first = space < 0 ? b : b.slice(0, space);
  for (let p = a.indexOf(first, cut); p >= 0; p = a.indexOf(first, p + 1)) {
    if (p > 0 && a[p - 1] !== ' ') continue; // not a word start
    const rest = a.length - p;
    if (rest <= b.length && b.startsWith(a.slice(p)) && (rest === b.length || b[rest] === ' ')) {
      return rest === b.length ? a : `${a} ${b.slice(rest + 1)}`;
    }
  }
  return `${a} ${b}`;
}

/** The recording of a moment, from its id (`<recordingId>#<seq>`, see Moment.id). */
export function recordingOfMoment(id: string): string {
  return place(id).recording;
}

/** A moment's place in its recording, from its id (`<recordingId>#<seq>`, see Moment.id). */
function place(id: string): { recording: string; seq: number } {
  const i = id.lastIndexOf('#');
  return { recording: id.slice(0, i), seq: Number(id.slice(i + 1)) };
}

/**
 * Passage evidence: each moment gains `weight` × the scores of the other candidates of its recording within
 * `reach` moments, nearer ones counting more (a triangular kernel). An answer is a stretch of talk, not one
 * sentence: a moment among other matches is more likely inside it than one that matches alone, and the link
 * still opens on the moment itself. Measured on the dev set in BENCHMARKS.md ("Finding the moment").
 */
export function withNeighbourEvidence(scores: Map<string, number>, reach: number, weight: number): Map<string, number> {
  if (weight === 0 || reach <= 0) return scores;
  const byRecording = new Map<string, { id: string; seq: number; score: number }[]>();
  for (const [id, score] of scores) {
    const { recording, seq } = place(id);
    if (!Number.isFinite(seq)) continue;
    let list = byRecording.get(recording);
    if (!list) byRecording.set(recording, (list = []));
    list.push({ id, seq, score: Math.max(0, score) });
  }
  const out = new Map(scores);
  for (const list of byRecording.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < list.length; i++) {
      let ctx = 0;
      for (let j = i - 1; j >= 0 && list[i].seq - list[j].seq <= reach; j--) ctx += list[j].score * (1 - (list[i].seq - list[j].seq) / (reach + 1));
      for (let j = i + 1; j < list.length && list[j].seq - list[i].seq <= reach; j++) ctx += list[j].score * (1 - (list[j].seq - list[i].seq) / (reach + 1));
      out.set(list[i].id, scores.get(list[i].id)! + weight * ctx);
    }
  }
  return out;
}

/**
 * Recording evidence: each moment gains `weight` × the best score × its recording's share of the evidence
 * (the sum of its `top` best candidates, over the best recording's). Archive-wide, meetings on one subject
 * share words; the one that keeps matching is more likely the one asked about than a single stray match.
 */
export function withRecordingEvidence(scores: Map<string, number>, weight: number, top: number): Map<string, number> {
  if (weight === 0 || scores.size === 0) return scores;
  const per = new Map<string, number[]>();
  for (const [id, score] of scores) {
    const r = place(id).recording;
    let list = per.get(r);
    if (!list) per.set(r, (list = []));
    list.push(Math.max(0, score));
  }
  const mass = new Map([...per].map(([r, xs]) => [r, xs.sort((a, b) => b - a).slice(0, top).reduce((a, b) => a + b, 0)]));
  return withRecordingShare(scores, mass, weight);
}

/**
 * Document evidence: each moment gains `weight` × the best score × its recording's BM25 as a whole document
 * (LexicalIndex.recordingScores) over the best candidate recording's. Recording evidence counts a recording's
 * best candidates; a meeting that keeps to the question's subject throughout, not only in a few moments, is
 * what this adds. Chosen on the dev set's tuning split (scripts/eval/moment-lab.ts --document).
 */
export function withDocumentEvidence(scores: Map<string, number>, documents: Map<string, number>, weight: number): Map<string, number> {
  if (weight === 0 || scores.size === 0 || documents.size === 0) return scores;
  return withRecordingShare(scores, documents, weight);
}

/** The opening's weight settings (openingFactor). */
export interface Opening {
  /** The opening's length as a share of the recording. */
  share: number;
  /** Its longest. */
  maxS: number;
  /** Recordings shorter than this have no opening to weigh down. */
  minRecordingS: number;
  /** How much lower a moment at the very start scores; the discount falls linearly to 0 at the opening's end. */
  weight: number;
}

/**
 * The factor on the score of a moment starting at `start` in a recording of `duration` seconds: below 1 inside
 * the recording's opening, 1 past it. An opening names what follows (an agenda's items, an interviewer's
 * introduction, a lecture's plan) in the words questions about those things use, while the talk about them
 * comes later: on the dev set a hit whose link falls in a meeting's first three minutes lands inside the answer
 * about half as often as hits elsewhere. The opening scales with the recording (a tenth of it, at most
 * `maxS`); a short clip has none, its first moment being much of what it says. Unknown duration: 1.
 */
export function openingFactor(start: number, duration: number | null, o: Opening): number {
  if (duration === null || duration < o.minRecordingS || o.weight === 0) return 1;
  const opening = Math.min(o.maxS, o.share * duration);
  return start >= opening ? 1 : 1 - o.weight * (1 - Math.max(0, start) / opening);
}

/** Each moment plus `weight` × the best score × its recording's value over the best recording's (absent: 0). */
function withRecordingShare(scores: Map<string, number>, perRecording: Map<string, number>, weight: number): Map<string, number> {
  const bestValue = Math.max(1e-12, ...perRecording.values());
  const best = Math.max(0, ...scores.values());
  return new Map([...scores].map(([id, x]) => [id, x + (weight * best * (perRecording.get(place(id).recording) ?? 0)) / bestValue]));
}
