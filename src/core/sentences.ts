import type { Cue } from './domain.js';

// A full stop that ends no sentence: inside a number ("£16.40", "2.5 million"), after a German day number before
// its month ("am 12. Mai 1987"), or after a Spanish or German title or abbreviation ("Sra. Ruiz", "z. B.").
const MONTHS_DE = 'Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember';
const ABBREVIATIONS = 'Sr|Sra|Srta|Sres|Dña|Dra|Hr|Hrn|Nr|bzw|usw|vgl|z\\.\\s?B|d\\.\\s?h';
const NOT_AN_END = String.raw`[.!?](?=\p{N})|(?<=\d)\.(?=\s+(?:${MONTHS_DE})\b)|(?<=\b(?:${ABBREVIATIONS}))\.(?=\s)|(?<=\bz)\.(?=\s?B\.)|(?<=\bd)\.(?=\s?h\.)`;
const SENTENCE = new RegExp(String.raw`(?:[^.!?]|${NOT_AN_END})+(?:[.!?]+|$)`, 'gu');

/** Sentences of a line of text: up to and including a run of . ! ?, unless the mark ends no sentence (above). */
export function splitSentences(text: string): string[] {
  return text.match(SENTENCE)?.map((x) => x.trim()).filter(Boolean) ?? [];
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
