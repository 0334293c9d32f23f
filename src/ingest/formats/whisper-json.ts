import { findNodeAtLocation, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { type Cue, type Word, TranscriptError } from '../../core/index.js';
import { DEFAULT_TRANSCRIPT_LIMITS, tooManyCues, type TranscriptLimits } from './limits.js';
import { normalizeText } from './vtt.js';

/*
 * One lenient schema covers the Whisper family, since they differ only in field names:
 * OpenAI verbose_json ({text, segments, words}), faster-whisper (segments as a top-level array or
 * under "segments", words with "probability"), WhisperX (speaker on segments and words, words with
 * "score" and sometimes no timing, "word_segments"), and our own JSON export (words with "text").
 */

// zod's default for an absent key ("expected number, received undefined") hides that it is missing.
const time = z.number({ error: (iss) => (iss.input === undefined ? 'missing (seconds, a number)' : undefined) }).min(0);

const WordSchema = z
  .object({
    word: z.string().optional(),
    text: z.string().optional(),
    // WhisperX leaves numerals and symbols it could not align without start/end.
    start: time.nullish(),
    end: time.nullish(),
    probability: z.number().nullish(),
    score: z.number().nullish(),
    confidence: z.number().nullish(),
    speaker: z.string().nullish(),
  })
  .refine((w) => w.word !== undefined || w.text !== undefined, { message: 'a word needs a "word" or "text" string' });
type RawWord = z.infer<typeof WordSchema>;

const SegmentSchema = z
  .object({
    start: time,
    end: time,
    text: z.string().optional(),
    speaker: z.string().nullish(),
    words: z.array(WordSchema).nullish(),
  })
  .refine((s) => s.end >= s.start, { message: 'segment ends before it starts', path: ['end'] });
type RawSegment = z.infer<typeof SegmentSchema>;

const DocumentSchema = z
  .object({
    segments: z.array(SegmentSchema).optional(),
    words: z.array(WordSchema).optional(),
    word_segments: z.array(WordSchema).optional(),
  })
  .refine((d) => d.segments !== undefined || d.words !== undefined, {
    message: 'expected "segments" (an array of {start, end, text}) or "words"',
  });

const lineAt = (content: string, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
};

const SYNTAX: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected content after the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

/** JSON.parse is the authority on validity; jsonc-parser is only asked where the problem is, since V8 does not always say. */
function syntaxError(file: string, content: string, cause: Error): TranscriptError {
  const errors: ParseError[] = [];
  // jsonc-parser recurses per nesting level: a hostile file nested deeply enough overflows the stack.
  try {
    parseTree(content, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    errors.length = 0;
  }
  const first = errors[0];
  const offset = first?.offset ?? Number(/position (\d+)/.exec(cause.message)?.[1] ?? 0);
  const truncated = content.slice(offset).trim() === '';
  const what = truncated ? 'unexpected end of input (truncated?)' : first ? (SYNTAX[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error)) : cause.message;
  const line = truncated ? lineAt(content, content.trimEnd().length) : lineAt(content, offset);
  const column = offset - content.lastIndexOf('\n', offset - 1);
  return new TranscriptError(file, line, `malformed JSON: ${what}${truncated ? '' : ` (column ${column})`}`);
}

const jsonPath = (path: PropertyKey[]): string =>
  `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;

/** The parse tree, or undefined when the document is nested too deeply to walk (RangeError: call stack). */
function tree(parse: () => JsonNode | undefined): JsonNode | undefined {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

function shapeError(file: string, content: string, rawPath: PropertyKey[], message: string): TranscriptError {
  const root = tree(() => parseTree(content));
  const path = rawPath.filter((p): p is string | number => typeof p !== 'symbol');
  // A missing property has no node of its own: point at the nearest enclosing value.
  let node: JsonNode | undefined;
  for (let n = path.length; root && !node && n >= 0; n--) node = findNodeAtLocation(root, path.slice(0, n));
  const line = node ? lineAt(content, node.offset) : undefined;
  return new TranscriptError(file, line, `${jsonPath(path)}: ${message}`);
}

function toWords(raw: RawWord[], segStart: number, segEnd: number): Word[] {
  const words = raw.filter((w) => normalizeText(w.word ?? w.text ?? '') !== '');
  // Unaligned words borrow the neighbours' timing so that every Word stays time-ordered.
  const nextStart: number[] = [];
  for (let i = words.length - 1, next = segEnd; i >= 0; i--) {
    nextStart[i] = next;
    next = words[i].start ?? next;
  }
  const out: Word[] = [];
  words.forEach((w, i) => {
    const start = w.start ?? out[i - 1]?.end ?? segStart;
    const word: Word = { start, end: Math.max(start, w.end ?? nextStart[i]), text: normalizeText(w.word ?? w.text ?? '') };
    const confidence = w.probability ?? w.score ?? w.confidence;
    if (confidence != null) word.confidence = confidence;
    if (w.speaker) word.speaker = w.speaker;
    out.push(word);
  });
  return out;
}

/** The speaker who says most words, for WhisperX output diarized only at word level. */
function mainSpeaker(words: Word[]): string | undefined {
  const counts = new Map<string, number>();
  for (const w of words) if (w.speaker) counts.set(w.speaker, (counts.get(w.speaker) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function toCue(seg: RawSegment, extraWords: RawWord[]): Cue | undefined {
  const words = toWords(seg.words?.length ? seg.words : extraWords, seg.start, seg.end);
  const text = normalizeText(seg.text ?? '') || words.map((w) => w.text).join(' ');
  if (!text) return undefined;
  const cue: Cue = { start: seg.start, end: seg.end, text };
  const speaker = seg.speaker || mainSpeaker(words);
  if (speaker) cue.speaker = speaker;
  if (words.length) cue.words = words;
  return cue;
}

/** Top-level words go to the segment holding their midpoint, or failing that the nearest one. */
function assignWords(segments: RawSegment[], words: RawWord[]): RawWord[][] {
  const buckets: RawWord[][] = segments.map(() => []);
  const order = segments.map((_, i) => i).sort((a, b) => segments[a].start - segments[b].start);
  for (const w of words) {
    if (w.start == null && w.end == null) continue;
    const mid = ((w.start ?? w.end!) + (w.end ?? w.start!)) / 2;
    let best = order[0];
    let bestGap = Infinity;
    let lo = 0;
    let hi = order.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (segments[order[m]].start <= mid) lo = m;
      else hi = m - 1;
    }
    for (const k of [lo, lo + 1]) {
      const s = segments[order[k]];
      if (!s) continue;
      const gap = mid < s.start ? s.start - mid : mid > s.end ? mid - s.end : 0;
      if (gap < bestGap) [best, bestGap] = [order[k], gap];
    }
    buckets[best].push(w);
  }
  return buckets;
}

/** Word-only output (verbose_json with word granularity alone): cut into sentences, or at pauses. */
function segmentsFromWords(words: RawWord[]): RawSegment[] {
  const out: RawSegment[] = [];
  let current: RawWord[] = [];
  const flush = () => {
    const timed = current.filter((w) => w.start != null || w.end != null);
    if (timed.length) {
      const start = timed[0].start ?? timed[0].end!;
      out.push({ start, end: Math.max(start, timed[timed.length - 1].end ?? start), words: current });
    }
    current = [];
  };
  for (const w of words) {
    const prev = current[current.length - 1];
    if (prev && prev.end != null && w.start != null && w.start - prev.end > 1.5) flush();
    current.push(w);
    if (/[.?!]["')\]]*$/.test((w.word ?? w.text ?? '').trim())) flush();
  }
  flush();
  return out;
}

export function parseWhisperJson(file: string, source: string, limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS): Cue[] {
  const content = source.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (e) {
    throw syntaxError(file, content, e as Error);
  }
  if (data === null || typeof data !== 'object') {
    throw new TranscriptError(file, 1, '$: expected an array of segments or an object with "segments"');
  }
  // Counted before the schema walks every segment.
  const rawSegments = Array.isArray(data) ? data : (data as { segments?: unknown }).segments;
  if (Array.isArray(rawSegments) && rawSegments.length > limits.maxCues) throw tooManyCues(file, undefined, limits);
  const parsed = DocumentSchema.safeParse(Array.isArray(data) ? { segments: data } : data);
  if (!parsed.success) {
    const { path, message } = parsed.error.issues[0];
    // A bare array was wrapped above; drop the synthetic key so the path matches the file.
    throw shapeError(file, content, Array.isArray(data) ? path.slice(1) : path, message);
  }
  const doc = parsed.data;
  const loose = doc.words ?? doc.word_segments ?? [];
  const segments = doc.segments ?? segmentsFromWords(loose);
  const extra = doc.segments && loose.length ? assignWords(segments, loose) : segments.map(() => []);
  return segments.flatMap((s, i) => toCue(s, extra[i]) ?? []);
}
