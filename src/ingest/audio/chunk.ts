/**
 * Chunk planning: which time ranges of a recording go to the ASR engine, one call each.
 *
 * Every chunk has a core [coreStart, coreEnd) (the part whose words it is trusted for) and a decoded range
 * [start, end) that extends `overlapS` into each contiguous neighbour, so a word cut at a chunk edge is heard
 * whole by at least one of the two chunks (stitch.ts keeps one copy). Cuts between cores are moved into the
 * nearest VAD pause within `snapS` before the ideal cut, so they rarely fall inside a word at all; they only
 * move earlier, so a core is never longer than `chunkS` (Whisper-style engines have a hard 30 s window).
 * Silences longer than `skipGapS` end a chunk: nothing is sent to the engine for them.
 *
 * At a run edge (next to such a silence, or the file's start or end) the decoded range still reaches
 * `edgePadS` into the silence. VAD onsets are late on soft starts (a nasal "m", a breathy "h" or "f":
 * Silero's probability can stay under the threshold for the first 0.3–0.5 s of a sentence), and audio
 * that starts at the VAD onset loses that word's beginning: the engine drops or mistimes it. The pad is
 * short on purpose: pocketsphinx, given a chunk that opens with a second or more of near-silence, closes
 * a silence-only utterance first and the normalisation it learns from it garbles the speech after (seen on
 * flite speech: 0.8 s of lead-in decoded fine, 1 s did not). It is also capped at `overlapS` (so a chunk
 * never spans more than core + 2·overlapS, which the engine-window check relies on) and at half the
 * silence, so neighbouring runs never share audio.
 */
import { toMilliseconds } from '../../core/index.js';
import type { Region } from './vad.js';

export interface ChunkPlanOptions {
  /** Target core length. Default 30 s. */
  chunkS?: number;
  /** Extra audio decoded on each side that touches a neighbouring chunk. Default 3 s. */
  overlapS?: number;
  /** How far before the ideal cut a pause is looked for. Default 3 s (capped at chunkS / 3). */
  snapS?: number;
  /** A pause at least this long is skipped rather than transcribed. Default 2 s. */
  skipGapS?: number;
  /** Shortest pause that counts as a cut point. Default 0.15 s. */
  minPauseS?: number;
  /** Silence decoded before a run's first chunk and after its last one (capped at overlapS). Default 0.5 s. */
  edgePadS?: number;
}

export interface Chunk {
  index: number;
  /** Decoded range, seconds from the recording start. */
  start: number;
  end: number;
  /** The part this chunk's words are taken from; neighbouring cores touch when chunks are contiguous. */
  coreStart: number;
  coreEnd: number;
}

/** Groups speech regions into runs separated by long silences; each run is chunked independently. */
function runs(regions: readonly Region[], skipGapS: number): Region[][] {
  const out: Region[][] = [];
  for (const r of regions) {
    if (r.end <= r.start) continue;
    const cur = out[out.length - 1];
    if (cur && r.start - cur[cur.length - 1].end < skipGapS) cur.push(r);
    else out.push([r]);
  }
  return out;
}

export function planChunks(regions: readonly Region[], durationS: number, o: ChunkPlanOptions = {}): Chunk[] {
  const chunkS = o.chunkS ?? 30;
  const overlapS = Math.max(0, o.overlapS ?? 3);
  const snapS = Math.min(o.snapS ?? 3, chunkS / 3);
  const skipGapS = o.skipGapS ?? 2;
  const minPauseS = o.minPauseS ?? 0.15;
  const edgePadS = Math.max(0, Math.min(o.edgePadS ?? 0.5, overlapS));
  if (!(chunkS > 0)) throw new RangeError('chunkS must be positive');

  const chunks: Chunk[] = [];
  const allRuns = runs(regions, skipGapS);
  allRuns.forEach((run, k) => {
    const runStart = run[0].start;
    const runEnd = Math.min(durationS, run[run.length - 1].end);
    // How far the decoded range may reach into the silence on each side of the run.
    const prevEnd = k > 0 ? allRuns[k - 1][allRuns[k - 1].length - 1].end : 0;
    const nextStart = k < allRuns.length - 1 ? allRuns[k + 1][0].start : durationS;
    const padBefore = Math.max(0, Math.min(edgePadS, k > 0 ? (runStart - prevEnd) / 2 : runStart));
    const padAfter = Math.max(0, Math.min(edgePadS, k < allRuns.length - 1 ? (nextStart - runEnd) / 2 : durationS - runEnd));
    // Pauses inside this run, as [start, end] of silence.
    const gaps: Region[] = [];
    for (let i = 1; i < run.length; i++) if (run[i].start - run[i - 1].end >= minPauseS) gaps.push({ start: run[i - 1].end, end: run[i].start });

    // The pause closest to `ideal` among those in [ideal - snapS, ideal] (and past `from`); cut in its middle.
    const snap = (from: number, ideal: number): number => {
      let cut = ideal;
      let best = Infinity;
      for (const g of gaps) {
        const mid = (g.start + g.end) / 2;
        if (mid <= from + 1 || mid > ideal || mid < ideal - snapS) continue;
        if (ideal - mid < best) {
          best = ideal - mid;
          cut = mid;
        }
      }
      return cut;
    };

    const cores: [number, number][] = [];
    let cur = runStart;
    while (runEnd - cur > chunkS) {
      const cut = snap(cur, cur + chunkS);
      cores.push([cur, cut]);
      cur = cut;
    }
    // A tail much shorter than a chunk gives the engine too little context: split the last two evenly instead.
    if (cores.length > 0 && runEnd - cur < chunkS / 4) {
      const [from] = cores.pop()!;
      const cut = snap(from, from + (runEnd - from) / 2);
      cores.push([from, cut]);
      cur = cut;
    }
    cores.push([cur, runEnd]);

    for (let i = 0; i < cores.length; i++) {
      const [cs, ce] = cores[i];
      chunks.push({
        index: chunks.length,
        coreStart: toMilliseconds(cs),
        coreEnd: toMilliseconds(ce),
        // Overlap towards a contiguous neighbour; at a run edge, a little of the silence (see edgePadS).
        start: toMilliseconds(i > 0 ? Math.max(runStart, cs - overlapS) : cs - padBefore),
        end: toMilliseconds(i < cores.length - 1 ? Math.min(runEnd, ce + overlapS) : ce + padAfter),
      });
    }
  });
  return chunks;
}

/** Evenly spaced chunks over the whole duration, ignoring VAD (a fallback when VAD is unavailable). */
export function planFixedChunks(durationS: number, o: ChunkPlanOptions = {}): Chunk[] {
  return planChunks(durationS > 0 ? [{ start: 0, end: durationS }] : [], durationS, { ...o, skipGapS: Infinity });
}
