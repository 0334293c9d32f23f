/**
 * Words → cues, the unit the rest of the archive works with (moments are built from cues, as for imported
 * transcripts). A cue ends at a speaker change, at a gap marker, at a pause, at sentence punctuation when the
 * engine gives punctuation, or when it reaches the length cap; each cue keeps its words (with speaker and
 * confidence) so search hits can be placed on the word.
 *
 * Without punctuation (pocketsphinx) a 500 ms pause is the best sentence cue there is. With punctuation the
 * pause threshold is raised, since Whisper-style engines already end sentences where the speaker does.
 * An engine without punctuation also writes numbers as words: its spoken years are written in digits
 * (spokenYears), as the punctuating engines write them.
 */
import type { Cue, Word } from '../../core/index.js';
import { spokenYears } from './years.js';

export interface SentenceOptions {
  /** Pause that ends a cue when the words have no punctuation. Default 0.5 s. */
  pauseS?: number;
  /** Pause that ends a cue when they do. Default 1.5 s. */
  punctuatedPauseS?: number;
  /** Longest cue. Default 20 s. */
  maxS?: number;
  /** Most words in a cue. Default 60. */
  maxWords?: number;
  /** A sentence end only closes a cue at least this long, so "Yes." does not become its own cue. Default 1 s. */
  minSentenceS?: number;
  /** Force punctuation handling on or off; default: detected from the words. */
  punctuated?: boolean;
}

const SENTENCE_END = /[.?!…]["')\]]*$/;
const isMarker = (w: Word) => /^\[.*\]$/.test(w.text);

export function hasPunctuation(words: readonly Word[]): boolean {
  return words.some((w) => SENTENCE_END.test(w.text) && !isMarker(w));
}

export function wordsToCues(words: readonly Word[], o: SentenceOptions = {}): Cue[] {
  const punctuated = o.punctuated ?? hasPunctuation(words);
  const pauseS = punctuated ? (o.punctuatedPauseS ?? 1.5) : (o.pauseS ?? 0.5);
  const maxS = o.maxS ?? 20;
  const maxWords = o.maxWords ?? 60;
  const minSentenceS = o.minSentenceS ?? 1;

  const cues: Cue[] = [];
  let cur: Word[] = [];
  const close = () => {
    if (!cur.length) return;
    const speaker = cur[0].speaker;
    cues.push({
      start: cur[0].start,
      end: Math.max(...cur.map((w) => w.end)),
      text: cur.map((w) => w.text).join(' '),
      ...(speaker !== undefined ? { speaker } : {}),
      words: cur,
    });
    cur = [];
  };

  const inOrder = [...words].sort((a, b) => a.start - b.start);
  const sorted = punctuated ? inOrder : spokenYears(inOrder);
  for (const w of sorted) {
    const prev = cur[cur.length - 1];
    if (prev) {
      const breakHere =
        w.speaker !== prev.speaker ||
        isMarker(w) ||
        isMarker(prev) ||
        w.start - prev.end >= pauseS ||
        w.end - cur[0].start > maxS ||
        cur.length >= maxWords ||
        (punctuated && SENTENCE_END.test(prev.text) && prev.end - cur[0].start >= minSentenceS);
      if (breakHere) close();
    }
    cur.push(w);
  }
  close();
  return cues;
}
