import { createRequire } from 'node:module';
import { type Cue, toMilliseconds, TranscriptError } from '../../core/index.js';
import { badCodePoint, countWords, DEFAULT_TRANSCRIPT_LIMITS, MAX_MARKUP_DEPTH, tooManyCues, tooManyWords, type TranscriptLimits } from './limits.js';

/*
 * WebVTT import on top of the W3C reference parser (webvtt-parser). It is lenient by design: it
 * records problems in `errors` and silently drops cues it cannot time. For a search archive a
 * dropped cue is lost text, so the timing problems are promoted to TranscriptError and the rest
 * (bad settings, unknown tags, out-of-order cues) stay warnings.
 */

interface VttNode {
  type: 'text' | 'object' | 'timestamp';
  name?: string;
  classes?: string[];
  value?: string | number;
  children?: VttNode[];
}
interface VttCue {
  startTime: number;
  endTime: number;
  tree: { children: VttNode[] };
}
interface VttParseError {
  message: string;
  line: number;
  col?: number;
}
interface VttParser {
  parse(input: string, mode?: 'metadata' | 'chapters'): { cues: VttCue[]; errors: VttParseError[] };
}

// The package ships no types and is a UMD script, so it is loaded through require and typed here.
const require = createRequire(import.meta.url);
const { WebVTTParser } = require('webvtt-parser') as { WebVTTParser: new (entities?: object) => VttParser };
// Full HTML entity table: the default one only knows &amp; &lt; &gt; &lrm; &rlm; &nbsp;.
const ENTITIES = require('webvtt-parser/html-entities.json') as object;

/** Messages the parser emits when it gives up on a timing line (the cue is then dropped). */
const TIMING_FAILURES = new Set([
  'No timestamp found.',
  'Timestamp must start with a character in the range 0-9.',
  'No time unit separator found.',
  'Must be exactly two digits.',
  'No seconds found or minutes is greater than 59.',
  'No decimal separator (".") found.',
  'Milliseconds must be given in three digits.',
  'You cannot have more than 59 minutes.',
  'You cannot have more than 59 seconds.',
  'No valid timestamp separator found.',
]);

/** A run of cue text attributed to one speaker (or to nobody). */
export interface Utterance {
  speaker?: string;
  text: string;
}

export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function mergeRuns(parts: Utterance[], glue: string): Utterance[] {
  const out: Utterance[] = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (last && last.speaker === part.speaker) last.text += glue + part.text;
    else out.push({ ...part });
  }
  return out;
}

/**
 * One cue per speaker run. Several runs share the cue's time span in proportion to their length
 * in characters: without word timings that is the best guess of who spoke when.
 */
export function splitByVoice(start: number, end: number, parts: Utterance[]): Cue[] {
  // Text nodes of one voice are joined raw ("<i>there</i>," must not become "there ,"); a voice
  // resumed after a blank unattributed gap is joined with a space.
  const normalized = mergeRuns(parts, '').map((r) => ({ speaker: r.speaker, text: normalizeText(r.text) }));
  const runs = mergeRuns(normalized.filter((r) => r.text), ' ');
  const total = runs.reduce((n, r) => n + r.text.length, 0);
  let offset = 0;
  return runs.map((run) => {
    const cue: Cue = {
      start: runs.length === 1 ? start : toMilliseconds(start + ((end - start) * offset) / total),
      end: 0,
      text: run.text,
    };
    offset += run.text.length;
    cue.end = runs.length === 1 || offset === total ? end : toMilliseconds(start + ((end - start) * offset) / total);
    if (run.speaker) cue.speaker = run.speaker;
    return cue;
  });
}

// The parser decodes entities in cue text but not in <v> annotations, where the spec allows them too.
const decodeAnnotation = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|nbsp|#\d+|#x[\da-f]+);/gi, (ref, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: ' ' };
    if (e[0] !== '#') return named[e.toLowerCase()];
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
    return badCodePoint(code) ? ref : String.fromCodePoint(code);
  });

/**
 * Flattens the cue-text tree into speaker runs; tags other than <v> only contribute their text. Walked with a
 * stack of its own, not by recursion, so the depth of the markup costs no call stack.
 */
function utterances(nodes: VttNode[]): Utterance[] {
  const out: Utterance[] = [];
  const stack: { nodes: VttNode[]; i: number; speaker: string | undefined }[] = [{ nodes, i: 0, speaker: undefined }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const node = top.nodes[top.i++];
    if (node.type === 'text') out.push({ speaker: top.speaker, text: String(node.value ?? '') });
    // <rt> is a pronunciation guide for the <ruby> base text, not words that were said.
    else if (node.type === 'object' && node.name !== 'rt') {
      const voice = node.name === 'v' ? normalizeText(decodeAnnotation(String(node.value ?? ''))) || top.speaker : top.speaker;
      stack.push({ nodes: node.children ?? [], i: 0, speaker: voice });
    }
    // Timestamp tags (karaoke timing) carry no text.
  }
  return out;
}

function parseTimestamp(ts: string): number | undefined {
  const m = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(ts);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

/** REGION blocks are not understood by the parser (it reports them as stray cue ids): blank them, keeping line numbers. */
function blankRegions(lines: string[]): string[] {
  let inRegion = false;
  let prevBlank = true;
  return lines.map((line) => {
    const blank = line.trim() === '';
    if (blank) inRegion = false;
    else if (prevBlank && /^REGION($|[ \t])/.test(line)) inRegion = true;
    prevBlank = blank;
    return inRegion ? '' : line;
  });
}

const quote = (s: string | undefined): string => JSON.stringify((s ?? '').length > 60 ? `${s!.slice(0, 57)}...` : s ?? '');

function fatal(file: string, lines: string[], e: VttParseError): TranscriptError | undefined {
  const at = (n: number): string | undefined => lines[n - 1];
  if (e.message.startsWith('No valid signature')) {
    return new TranscriptError(file, 1, `not a WebVTT file: the first line must be "WEBVTT", got ${quote(at(1))}`);
  }
  if (TIMING_FAILURES.has(e.message)) {
    return new TranscriptError(file, e.line, `bad cue timing ${quote(at(e.line))}: ${e.message}`);
  }
  if (e.message === 'End timestamp is not greater than start timestamp.') {
    // Zero-length cues are common in ASR output and harmless; only a reversed span is an error.
    const [a, , b] = (at(e.line) ?? '').trim().split(/[ \t]+/);
    const start = parseTimestamp(a ?? '');
    const end = parseTimestamp(b ?? '');
    if (start !== undefined && end !== undefined && end < start) {
      return new TranscriptError(file, e.line, `cue ends before it starts (${b} < ${a})`);
    }
    return undefined;
  }
  if (e.message === 'Cue identifier needs to be followed by timestamp.' || e.message === 'Cue identifier cannot be standalone.') {
    // The parser reports the line after the block's first line. A first line that looks like a
    // timing (e.g. "->" for "-->") is the real culprit; otherwise the timing line is missing.
    const idLine = e.line - 1;
    const looksTimed = /\d:\d\d/.test(at(idLine) ?? '');
    const line = looksTimed || e.message.endsWith('standalone.') ? idLine : e.line;
    return new TranscriptError(file, line, `expected a cue timing line "00:00:00.000 --> 00:00:00.000", got ${quote(at(line))}`);
  }
  return undefined;
}

// Tags the parser nests (an unknown tag is dropped, <rt> nests only inside <ruby>).
const NESTING = new Set(['c', 'i', 'b', 'u', 'ruby', 'rt', 'v', 'lang']);
const TAG = /<(\/?)([^>]*)(?:>|$)/g;
const CHAR_REF = /&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));?/g;
// A decoded reference must not become markup, an escape, or a line break in the middle of a cue.
const REENCODE: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '\n': ' ', '\r': ' ' };

/**
 * One linear pass over the cue blocks before the parser sees them, for what the parser does badly: it builds the
 * markup as a tree and walks it recursively (50,000 nested <b> overflow the stack), it turns &#0; into NUL and
 * &#x110000; into a wrapped-around code unit, and it has no bound on cues or words. Here the cues are counted,
 * the markup depth is followed as the parser will nest it, and numeric character references are decoded
 * (refused when they name no character), so the parser never meets one. Returns the lines with references decoded.
 */
function prescan(file: string, lines: string[], limits: TranscriptLimits): string[] {
  const out = lines.slice();
  let cues = 0;
  let i = 0;
  while (i < lines.length) {
    if (lines[i] === '') {
      i++;
      continue;
    }
    // A block: up to the next empty line. A line with "-->" starts a cue; the lines after it are its text.
    let text: number[] = [];
    let timing = -1;
    const flush = () => {
      if (timing >= 0) checkCueText(file, out, timing, text, limits);
      text = [];
    };
    for (; i < lines.length && lines[i] !== ''; i++) {
      if (lines[i].includes('-->')) {
        flush();
        timing = i;
        if (++cues > limits.maxCues) throw tooManyCues(file, i + 1, limits);
      } else if (timing >= 0) {
        text.push(i);
      }
    }
    flush();
  }
  return out;
}

function checkCueText(file: string, out: string[], timing: number, textLines: number[], limits: TranscriptLimits): void {
  if (textLines.length === 0) return;
  let words = 0;
  for (const n of textLines) {
    out[n] = out[n].replace(CHAR_REF, (ref, dec: string | undefined, hex: string | undefined) => {
      const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
      const bad = badCodePoint(code);
      if (bad) throw new TranscriptError(file, n + 1, `character reference ${quote(ref)} is not a valid character: ${bad}`);
      const ch = String.fromCodePoint(code);
      return REENCODE[ch] ?? ch;
    });
    words += countWords(out[n]);
  }
  if (words > limits.maxCueWords) throw tooManyWords(file, timing + 1, words, limits);
  // The parser reads the cue's lines as one text, so a tag may span lines: follow its nesting over the whole cue.
  const cue = textLines.map((n) => out[n]).join('\n');
  const stack: string[] = [];
  TAG.lastIndex = 0;
  for (let m = TAG.exec(cue); m; m = TAG.exec(cue)) {
    if (m[1]) {
      // An end tag closes the current element only when it names it (as the parser does); </ruby> also closes an open <rt>.
      const name = m[2];
      if (stack[stack.length - 1] === name) stack.pop();
      else if (name === 'ruby' && stack[stack.length - 1] === 'rt') stack.length -= 2;
      continue;
    }
    const name = /^[^\s.]*/.exec(m[2])![0];
    if (!NESTING.has(name)) continue;
    stack.push(name);
    if (stack.length > MAX_MARKUP_DEPTH) {
      const line = textLines[0] + 1 + (cue.slice(0, m.index).match(/\n/g)?.length ?? 0);
      throw new TranscriptError(file, line, `markup nested more than ${MAX_MARKUP_DEPTH} deep (<${name}> inside ${stack.length - 1} open tags): close each tag before opening the next`);
    }
  }
}

export function parseVtt(file: string, content: string, limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS): Cue[] {
  const lines = prescan(file, blankRegions(content.split(/\r\n|\r|\n/)), limits);
  // 'metadata' mode keeps the tree but stops the parser from reporting cue-text markup problems,
  // which we tolerate (unknown tags are simply stripped).
  const result = new WebVTTParser(ENTITIES).parse(lines.join('\n'), 'metadata');
  for (const e of result.errors) {
    const err = fatal(file, lines, e);
    if (err) throw err;
  }
  return result.cues.flatMap((c) => splitByVoice(c.startTime, c.endTime, utterances(c.tree.children)));
}
