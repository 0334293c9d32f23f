import { type Cue, TranscriptError } from '../../core/index.js';
import { countWords, DEFAULT_TRANSCRIPT_LIMITS, tooManyCues, tooManyWords, type TranscriptLimits } from './limits.js';
import { splitByVoice, type Utterance } from './vtt.js';

/*
 * SRT is parsed by hand: the `subtitle` package folds a malformed timing line into the previous
 * cue's text and reports rows off by the leading blank lines, so neither the error nor its line
 * would be right.
 */

const INDEX = /^\d+$/;
const TIMING = /^(\S+)[ \t]*-->[ \t]*(\S+)(?:[ \t]+.*)?$/;
// Hours are optional and the decimal separator may be '.' (many tools write it); the fraction is
// a decimal fraction, so "1,5" is 1.5 s, not 1.005 s.
const TIMESTAMP = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})$/;

function parseTime(ts: string): number | undefined {
  const m = TIMESTAMP.exec(ts);
  if (!m) return undefined;
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  if (minutes > 59 || seconds > 59) return undefined;
  return Number(m[1] ?? 0) * 3600 + minutes * 60 + seconds + Number(`0.${m[4]}`);
}

function isTiming(line: string): boolean {
  const m = TIMING.exec(line.trim());
  return !!m && parseTime(m[1]) !== undefined && parseTime(m[2]) !== undefined;
}

const ABBREVIATIONS = new Set(
  ['Mr', 'Mrs', 'Ms', 'Mx', 'Dr', 'Prof', 'St', 'Jr', 'Sr', 'Rev', 'Fr', 'Hon', 'Sen', 'Rep', 'Gov', 'Gen', 'Col', 'Capt', 'Lt', 'Sgt'].map((a) => `${a}.`),
);
const CONNECTORS = new Set(['of', 'the', 'and', 'de', 'la', 'le', 'van', 'von', 'der', 'den', 'da', 'di', 'du', 'al', 'bin', 'y']);
const SOUNDS = /^(music|laughter|laughs?|laughing|applause|inaudible|unintelligible|crosstalk|silence|noise|cheering|foreign|blank_audio|coughs?|sighs?|chuckles?|background)\b/i;

/**
 * Whether a prefix reads as a speaker name rather than the start of a sentence: short, no sentence
 * punctuation (periods only in titles such as "Mr." and in initials such as "J."), and every word
 * capitalised ("Dr. Jane Smith", "SPEAKER_01") so that "The answer is: yes" stays text.
 */
export function looksLikeSpeaker(name: string): boolean {
  const s = name.trim();
  if (!s || s.length > 40 || !/\p{L}/u.test(s) || /[?!;,:"“”…]/.test(s)) return false;
  return s.split(/[\s()]+/).every((word) => {
    if (!word) return true;
    if (word.includes('.')) return ABBREVIATIONS.has(word) || /^(\p{Lu}\.)+$/u.test(word);
    return /^[\p{Lu}\p{N}]/u.test(word) || CONNECTORS.has(word);
  });
}

/** Splits a leading `Name:`, `[Name]` or `>> Name:` off a line of cue text. */
export function speakerPrefix(line: string): { speaker?: string; text: string; turn: boolean } {
  const text = line.replace(/^-\s+/, ''); // dialogue dash
  const chevrons = /^>>+\s*(.*)$/.exec(text);
  if (chevrons) {
    const named = /^([^:]{1,40}):\s*(.*)$/.exec(chevrons[1]);
    if (named && looksLikeSpeaker(named[1])) return { speaker: named[1].trim(), text: named[2], turn: true };
    return { text: chevrons[1], turn: true }; // a new, unnamed speaker
  }
  const bracket = /^\[([^\]]{1,40})\]:?\s*(.*)$/.exec(text);
  if (bracket && bracket[2] && looksLikeSpeaker(bracket[1]) && !SOUNDS.test(bracket[1])) {
    return { speaker: bracket[1].trim(), text: bracket[2], turn: true };
  }
  const colon = /^([^:]{1,40}):(?:\s+(.*)|$)/.exec(text);
  if (colon && looksLikeSpeaker(colon[1])) return { speaker: colon[1].trim(), text: colon[2] ?? '', turn: true };
  return { text: line, turn: false };
}

// SRT allows <i>/<b>/<u>/<font> markup, and ASS-style {\an8} overrides leak into many files.
// Only those tags are stripped: SRT has no escaping, so any other "<...>" is text.
const stripMarkup = (s: string): string => s.replace(/<\/?(?:i|b|u|s|font)(?:\s[^>]*)?>/gi, '').replace(/\{\\[^}]*\}/g, '');

function utterances(textLines: string[]): Utterance[] {
  const out: Utterance[] = [];
  for (const raw of textLines) {
    const p = speakerPrefix(stripMarkup(raw).trim());
    const last = out[out.length - 1];
    if (p.turn || !last) out.push({ speaker: p.speaker, text: p.text });
    else last.text += `\n${p.text}`;
  }
  return out;
}

export function parseSrt(file: string, content: string, limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS): Cue[] {
  const lines = content.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const cues: Cue[] = [];
  let count = 0;
  let i = 0;
  while (i < lines.length) {
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    // The cue number is optional: some tools omit it, and it carries no information.
    const timingAt = INDEX.test(lines[i].trim()) ? i + 1 : i;
    const timing = lines[timingAt]?.trim() ?? '';
    if (!timing.includes('-->')) {
      const at = timingAt === i || timing === '' ? i : timingAt;
      throw new TranscriptError(file, at + 1, `expected a cue timing line "00:00:00,000 --> 00:00:00,000", got ${JSON.stringify(lines[at].trim())}`);
    }
    const m = TIMING.exec(timing);
    const start = m ? parseTime(m[1]) : undefined;
    const end = m ? parseTime(m[2]) : undefined;
    if (start === undefined || end === undefined) {
      throw new TranscriptError(file, timingAt + 1, `bad cue timing ${JSON.stringify(timing)}`);
    }
    if (end < start) {
      throw new TranscriptError(file, timingAt + 1, `cue ends before it starts (${m![2]} < ${m![1]})`);
    }
    if (++count > limits.maxCues) throw tooManyCues(file, timingAt + 1, limits);
    const text: string[] = [];
    i = timingAt + 1;
    while (i < lines.length && lines[i].trim() !== '') {
      // A missing blank line between cues is a common defect; a timing line still starts a new cue.
      if (lines[i].includes('-->') && isTiming(lines[i])) {
        if (text.length && INDEX.test(text[text.length - 1].trim())) {
          text.pop();
          i--;
        }
        break;
      }
      text.push(lines[i]);
      i++;
    }
    const words = text.reduce((n, l) => n + countWords(l), 0);
    if (words > limits.maxCueWords) throw tooManyWords(file, timingAt + 1, words, limits);
    for (const cue of splitByVoice(start, end, utterances(text))) cues.push(cue);
  }
  return cues;
}
