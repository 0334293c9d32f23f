import { type Cue, type Moment, cueSentences, type TimedSentence, toMilliseconds } from '../core/index.js';

export interface MomentSettings {
  /** A window closes once it spans this many seconds... */
  targetS: number;
  /** ...and never grows past this, unless a single sentence is longer. */
  maxS: number;
  /** Seconds of the previous window repeated at the start of the next, so no answer is cut in two. */
  overlapS: number;
}

type Unit = TimedSentence;

// Long turns are cut into sentences, so a window can close inside a monologue.
const MAX_UNIT_S = 20;

/**
 * Builds moments (retrieval passages) from cues. A window gathers whole sentences until it spans
 * `targetS`; when a speaker turn ends in the last third of the window, the window closes at the turn,
 * so hits start where somebody starts talking. Consecutive windows overlap by about `overlapS`.
 */
export function buildMoments(recordingId: string, cues: Cue[], s: MomentSettings): Moment[] {
  const units = cues.flatMap(splitCue).filter((u) => u.text);
  const moments: Moment[] = [];
  let i = 0;
  while (i < units.length) {
    const start = units[i].start;
    let j = i;
    while (j + 1 < units.length && units[j].end - start < s.targetS && units[j + 1].end - start <= s.maxS) j++;
    j = snapToTurn(units, i, j, start, s.targetS);
    const window = units.slice(i, j + 1);
    moments.push({
      id: `${recordingId}#${moments.length}`,
      recordingId,
      seq: moments.length,
      start: toMilliseconds(start),
      end: toMilliseconds(Math.max(...window.map((u) => u.end))),
      speakers: [...new Set(window.map((u) => u.speaker).filter((x): x is string => !!x))],
      text: window.map((u) => u.text).join(' '),
    });
    if (j === units.length - 1) break;
    let k = j + 1;
    while (k - 1 > i && units[k - 1].start >= units[j].end - s.overlapS) k--;
    i = k;
  }
  return moments;
}

function snapToTurn(units: Unit[], i: number, j: number, start: number, targetS: number): number {
  if (j + 1 >= units.length || units[j + 1].speaker !== units[j].speaker) return j;
  for (let k = j - 1; k > i; k--) {
    if (units[k].end - start < targetS * 0.66) break;
    if (units[k + 1].speaker !== units[k].speaker) return k;
  }
  return j;
}

function splitCue(cue: Cue): Unit[] {
  return cueSentences(cue, MAX_UNIT_S);
}
