import type { Moment } from '../../core/index.js';

/** A keyframe's time and the text kept from it ('' when none). */
export interface FrameText {
  n: number;
  at: number;
  text: string;
}

/** How long a screen moment lasts at most: text on screen is read in a few seconds, not until the next cut. */
export const SCREEN_SPAN_S = 10;

/** Text compared for sameness: case, spacing and punctuation aside (OCR varies in them from frame to frame). */
const normal = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/**
 * The screen moments of a recording's keyframes. Frames showing the same text as the frame before are one
 * moment (a title held over several cuts is indexed once), from its first frame's time until the next frame
 * that shows something else, SCREEN_SPAN_S past its last frame at most. Frames without text make none.
 * Ids are `<recording>#f<n>` (n: the first frame's), so they never collide with speech moments' `#<seq>`.
 */
export function screenMoments(recordingId: string, frames: FrameText[], durationS: number | null): Moment[] {
  const sorted = [...frames].sort((a, b) => a.at - b.at);
  const out: Moment[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i];
    const key = normal(first.text);
    let j = i;
    while (j + 1 < sorted.length && key !== '' && normal(sorted[j + 1].text) === key) j++;
    if (key !== '') {
      const next = sorted[j + 1]?.at ?? (durationS && durationS > first.at ? durationS : Infinity);
      const end = Math.min(next, sorted[j].at + SCREEN_SPAN_S);
      out.push({
        id: `${recordingId}#f${first.n}`,
        recordingId,
        seq: first.n,
        start: first.at,
        end: Math.max(end, first.at),
        speakers: [],
        text: first.text,
        kind: 'screen',
      });
    }
    i = j + 1;
  }
  return out;
}
