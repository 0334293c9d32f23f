import { type Cue, AppError, TranscriptError } from '../../core/index.js';

/**
 * What one transcript may hold. The bounds keep parsing, moment building and indexing of a single upload within
 * seconds; the settings are named in the errors so an archivist knows which one to raise.
 */
export interface TranscriptLimits {
  /** TRANSCRIPT_MAX_MB, in bytes of UTF-8. */
  maxBytes: number;
  /** TRANSCRIPT_MAX_CUES. */
  maxCues: number;
  /** TRANSCRIPT_MAX_CUE_WORDS. */
  maxCueWords: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: TranscriptLimits = { maxBytes: 20 * 1024 * 1024, maxCues: 50_000, maxCueWords: 5_000 };

/** The markup a VTT cue may nest (<v><i><b>…); real captions use two or three levels. */
export const MAX_MARKUP_DEPTH = 16;

export function checkBytes(file: string, content: string, limits: TranscriptLimits): void {
  // A JS string is at most 3 bytes of UTF-8 per UTF-16 unit: only a string near the limit needs counting.
  if (content.length * 3 <= limits.maxBytes) return;
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new AppError('payload_too_large', `${file}: transcript of ${mb(bytes)} MB, over ${mb(limits.maxBytes)} MB (TRANSCRIPT_MAX_MB)`, { file });
  }
}

const mb = (bytes: number) => String(Math.round((bytes / (1024 * 1024)) * 100) / 100);

export function tooManyCues(file: string, line: number | undefined, limits: TranscriptLimits): TranscriptError {
  return new TranscriptError(file, line, `more than ${limits.maxCues} cues (TRANSCRIPT_MAX_CUES)`);
}

/** Whitespace-separated words, counted without building an array of them. */
export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

export function tooManyWords(file: string, line: number | undefined, words: number, limits: TranscriptLimits, at?: number): TranscriptError {
  const where = at !== undefined ? ` (at ${clock(at)})` : '';
  return new TranscriptError(file, line, `a cue of ${words} words${where}, over ${limits.maxCueWords} (TRANSCRIPT_MAX_CUE_WORDS)`);
}

/**
 * What Postgres text and JSON cannot hold: NUL, and UTF-16 surrogates that are not part of a pair (a string
 * cannot be encoded as UTF-8 with one). Any other character is kept as it is.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unstorable(text: string): string | undefined {
  const m = UNSTORABLE.exec(text);
  if (!m) return undefined;
  return m[0] === '\u0000' ? 'NUL (U+0000)' : `a lone surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()})`;
}

/**
 * The last word on every parsed transcript, whatever its format: within the cue and word limits, and only text
 * that can be stored. `lineOf` finds the line of a bad character in formats that can spell one (JSON escapes).
 */
export function checkCues(file: string, cues: Cue[], limits: TranscriptLimits, lineOf?: () => number | undefined): void {
  if (cues.length > limits.maxCues) throw tooManyCues(file, undefined, limits);
  for (const cue of cues) {
    const words = countWords(cue.text);
    if (words > limits.maxCueWords) throw tooManyWords(file, undefined, words, limits, cue.start);
    const texts = [cue.text, cue.speaker ?? '', ...(cue.words ?? []).flatMap((w) => [w.text, w.speaker ?? ''])];
    for (const t of texts) {
      const bad = unstorable(t);
      if (bad) throw new TranscriptError(file, lineOf?.(), `text at ${clock(cue.start)} contains ${bad}, which is not a character`);
    }
  }
}

function clock(s: number): string {
  const t = Math.max(0, Math.floor(s));
  const hh = Math.floor(t / 3600);
  const mm = Math.floor((t % 3600) / 60);
  const ss = t % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

/**
 * A numeric character reference's code point, or why it names no character: 0 (NUL), a surrogate half
 * (U+D800–U+DFFF), or a number beyond U+10FFFF.
 */
export function badCodePoint(code: number): string | undefined {
  if (code === 0) return 'NUL (U+0000)';
  if (code >= 0xd800 && code <= 0xdfff) return 'a lone surrogate';
  if (!Number.isFinite(code) || code > 0x10ffff) return 'beyond U+10FFFF';
  return undefined;
}
