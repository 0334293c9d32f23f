import { extname } from 'node:path';
import { type Cue, AppError, TranscriptError } from '../../core/index.js';
import { checkBytes, checkCues, DEFAULT_TRANSCRIPT_LIMITS, type TranscriptLimits } from './limits.js';
import { parseSrt } from './srt.js';
import { parseVtt } from './vtt.js';
import { parseWhisperJson } from './whisper-json.js';

export { contentTypeFor, exportTranscript, isExportFormat, EXPORT_FORMATS, type ExportFormat, type ExportMeta } from './export.js';
export { DEFAULT_TRANSCRIPT_LIMITS, MAX_MARKUP_DEPTH, type TranscriptLimits } from './limits.js';
export { parseSrt } from './srt.js';
export { parseVtt } from './vtt.js';
export { parseWhisperJson } from './whisper-json.js';

export type TranscriptFormat = 'vtt' | 'srt' | 'json';

const PARSERS: Record<TranscriptFormat, (file: string, content: string, limits: TranscriptLimits) => Cue[]> = {
  vtt: parseVtt,
  srt: parseSrt,
  json: parseWhisperJson,
};

const BY_EXTENSION: Record<string, TranscriptFormat> = { '.vtt': 'vtt', '.srt': 'srt', '.json': 'json' };

/** The format named by the file's extension, else the one the content looks like, else undefined. */
export function detectFormat(fileName: string, content: string): TranscriptFormat | undefined {
  const byName = BY_EXTENSION[extname(fileName).toLowerCase()];
  if (byName) return byName;
  const head = content.replace(/^\uFEFF/, '').trimStart().slice(0, 4096);
  if (/^WEBVTT($|[ \t\r\n])/.test(head)) return 'vtt';
  if (/^[[{]/.test(head)) return 'json';
  if (/^(\d+[ \t]*\r?\n[ \t]*)?(\d+:)?\d{1,2}:\d{1,2}[,.]\d{1,3}[ \t]*-->/.test(head)) return 'srt';
  return undefined;
}

const JSON_UNSTORABLE = /\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/;

const lineOf = (content: string, index: number): number => content.slice(0, index).split('\n').length;

/**
 * Binary data decoded as text shows control characters (NUL above all) or, when it was not
 * UTF-8, a run of U+FFFD. A few U+FFFD alone are not enough: Whisper emits them for broken tokens.
 */
function assertText(file: string, content: string): void {
  const control = /[\x00-\x08\x0E-\x1F\x7F]/.exec(content);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
    throw new TranscriptError(file, lineOf(content, control.index), `binary content, not a text transcript (control character 0x${code})`);
  }
  const sample = content.slice(0, 4096);
  const replaced = sample.match(/\uFFFD/g)?.length ?? 0;
  if (replaced > 8 && replaced / sample.length > 0.02) {
    throw new TranscriptError(file, lineOf(content, content.indexOf('\uFFFD')), 'binary or non-UTF-8 content, not a text transcript');
  }
}

/**
 * Acronyms some transcription conventions spell letter by letter, each letter followed by an underscore (the AMI
 * meeting corpus: "the L_C_D_ screen", "T_V_s"), written as they are read and asked for: "LCD", "TVs". A
 * question says "LCD", and the letters alone would be one-letter words that no index keeps.
 */
export function joinSpelledLetters(text: string): string {
  return text.includes('_') ? text.replace(/\b(?:[A-Za-z]_){2,}/g, (m) => m.replace(/_/g, '').toUpperCase()) : text;
}

/**
 * Parses a WebVTT, SRT or Whisper-style JSON transcript into cues sorted by start time.
 * Throws TranscriptError (naming file and line) for a broken transcript, and
 * AppError('unsupported_format') when neither the name nor the content says what it is.
 */
export function parseTranscript(fileName: string, content: string, limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS): Cue[] {
  checkBytes(fileName, content, limits);
  if (content.replace(/^\uFEFF/, '').trim() === '') throw new TranscriptError(fileName, 1, 'empty transcript');
  const format = detectFormat(fileName, content);
  if (!format) {
    throw new AppError(
      'unsupported_format',
      `${fileName}: unrecognised transcript format (expected WebVTT, SRT or Whisper JSON; use a .vtt, .srt or .json name)`,
      { file: fileName },
    );
  }
  assertText(fileName, content);
  const cues = PARSERS[format](fileName, content, limits);
  if (cues.length === 0) throw new TranscriptError(fileName, 1, `no cues found in ${format.toUpperCase()} transcript`);
  // JSON can spell NUL and lone surrogates as \u escapes; the other formats are refused earlier, by line.
  checkCues(fileName, cues, limits, () => {
    const m = JSON_UNSTORABLE.exec(content);
    return m ? lineOf(content, m.index) : undefined;
  });
  for (const c of cues) {
    c.text = joinSpelledLetters(c.text);
    for (const w of c.words ?? []) w.text = joinSpelledLetters(w.text);
  }
  // Stable sort: cues that start together keep their file order (e.g. the halves of a split cue).
  return cues.sort((a, b) => a.start - b.start);
}
