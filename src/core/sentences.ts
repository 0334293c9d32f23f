import type { Cue } from './domain.js';

/**
 * Sentences of a line of text: up to and including a run of . ! ?, except a mark followed at once by a digit,
 * which is inside a number ("£16.40", "2.5 million"), not at the end of a sentence.
 */
export function splitSentences(text: string): string[] {
  return text.match(/(?:[^.!?]|[.!?](?=\p{N}))+(?:[.!?]+|$)/gu)?.map((x) => x.trim()).filter(Boolean) ?? [];
}

export interface TimedSentence {
  start: number;
  end: number;
  speaker: string | undefined;
  text: string;
}

/**
 * A cue cut into its sentences with their times: from the cue's word times when it has them (ASR), else
 * shared out by character count (speech rate is roughly constant). A cue no longer than `wholeUpToS` stays
 * whole.
 */
export function cueSentences(cue: Cue, wholeUpToS = 0): TimedSentence[] {
  const text = cue.text.trim();
  const dur = cue.end - cue.start;
  if (dur <= wholeUpToS) return [{ start: cue.start, end: cue.end, speaker: cue.speaker, text }];
  const sentences = splitSentences(text);
  if (sentences.length <= 1) return [{ start: cue.start, end: cue.end, speaker: cue.speaker, text }];
  if (cue.words?.length) return byWords(cue, sentences);
  const total = sentences.reduce((a, x) => a + x.length, 0) || 1;
  let t = cue.start;
  return sentences.map((x) => {
    const d = (dur * x.length) / total;
    const u = { start: t, end: t + d, speaker: cue.speaker, text: x };
    t += d;
    return u;
  });
}

function byWords(cue: Cue, sentences: string[]): TimedSentence[] {
  const words = cue.words!;
  const out: TimedSentence[] = [];
  let w = 0;
  for (const sentence of sentences) {
    const n = sentence.split(/\s+/).length;
    const slice = words.slice(w, w + n);
    w += n;
    const first = slice[0] ?? words[words.length - 1];
    const last = slice[slice.length - 1] ?? first;
    out.push({ start: first.start, end: last.end, speaker: cue.speaker, text: sentence });
  }
  return out;
}
