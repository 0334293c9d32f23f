/**
 * Speaker turns, and giving each word its speaker. Diarization is best-effort: when it failed or found no
 * turns, words get UNKNOWN_SPEAKER instead of the recording failing.
 */
import type { Word } from '../../../core/index.js';

export interface Turn {
  start: number;
  end: number;
  /** `SPEAKER_00`, `SPEAKER_01`, … in order of first appearance. */
  speaker: string;
}

export const UNKNOWN_SPEAKER = 'Unknown speaker';

export const speakerLabel = (i: number) => `SPEAKER_${String(i).padStart(2, '0')}`;

/**
 * Each word gets the speaker whose turn contains its midpoint; a word in no turn (VAD and ASR disagree about
 * where speech is) gets the nearest turn's speaker. Overlapping turns at the midpoint: the one that covers
 * more of the word wins.
 */
export function assignSpeakers<W extends Word>(words: readonly W[], turns: readonly Turn[] | null | undefined): W[] {
  if (!turns || turns.length === 0) return words.map((w) => ({ ...w, speaker: UNKNOWN_SPEAKER }));
  const sorted = [...turns].sort((a, b) => a.start - b.start);
  // Turns are sorted by start, so a binary search finds the last turn starting at or before t.
  const lastStartingBefore = (t: number) => {
    let lo = 0;
    let hi = sorted.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m].start <= t) {
        ans = m;
        lo = m + 1;
      } else hi = m - 1;
    }
    return ans;
  };
  // Longest turn end so far, to know how far back a containing turn can start.
  const maxEnd: number[] = [];
  sorted.forEach((t, i) => (maxEnd[i] = Math.max(t.end, i ? maxEnd[i - 1] : -Infinity)));

  return words.map((w) => {
    const mid = (w.start + w.end) / 2;
    const k = lastStartingBefore(mid);
    let best: Turn | undefined;
    let bestCover = -1;
    for (let i = k; i >= 0 && maxEnd[i] >= mid; i--) {
      const t = sorted[i];
      if (t.end < mid) continue;
      const cover = Math.min(t.end, w.end) - Math.max(t.start, w.start);
      if (cover > bestCover) {
        bestCover = cover;
        best = t;
      }
    }
    if (!best) {
      // Nearest turn: the one before (ending before mid) or the one after (starting after mid).
      const before = k >= 0 ? sorted.slice(0, k + 1).reduce((a, b) => (b.end > a.end ? b : a)) : undefined;
      const after = sorted[k + 1];
      const dBefore = before ? mid - before.end : Infinity;
      const dAfter = after ? after.start - mid : Infinity;
      best = dBefore <= dAfter ? before : after;
    }
    return { ...w, speaker: best?.speaker ?? UNKNOWN_SPEAKER };
  });
}

/** Merges adjacent turns of the same speaker separated by less than `gapS`. */
export function mergeTurns(turns: readonly Turn[], gapS = 0): Turn[] {
  const out: Turn[] = [];
  for (const t of [...turns].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.speaker === t.speaker && t.start - last.end <= gapS) last.end = Math.max(last.end, t.end);
    else out.push({ ...t });
  }
  return out;
}
