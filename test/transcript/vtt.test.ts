import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TranscriptError } from '../../src/core/errors.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';

const DEV = fileURLToPath(new URL('../../../shared/eval/dev/recordings/', import.meta.url));

function errorOf(fn: () => unknown): TranscriptError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TranscriptError);
    return e as TranscriptError;
  }
  throw new Error('expected a TranscriptError');
}

describe('WebVTT import', () => {
  it('reads voice spans, strips other tags, ignores settings and NOTE/STYLE/REGION blocks', () => {
    const vtt = [
      'WEBVTT - a meeting',
      '',
      'REGION',
      'id:fred',
      'width:40%',
      '',
      'STYLE',
      '::cue { color: red }',
      '',
      'NOTE this block is ignored',
      'even with --> in it',
      '',
      'intro',
      '00:01.000 --> 00:03.500 region:fred align:left line:0',
      '<v.loud Mary Anne>Hello   <i>there</i>,',
      '<b>all</b> of <c.yellow>you</c> &amp; &lt;them&gt;</v>',
      '',
      '01:00:00.000 --> 01:00:02.000',
      '<v Bob>Timed <01:00:01.000>words</v>',
    ].join('\n');
    expect(parseTranscript('talk.vtt', vtt)).toEqual([
      { start: 1, end: 3.5, text: 'Hello there, all of you & <them>', speaker: 'Mary Anne' },
      { start: 3600, end: 3602, text: 'Timed words', speaker: 'Bob' },
    ]);
  });

  it('splits a cue with several voices proportionally to their text length', () => {
    const vtt = 'WEBVTT\n\n00:00:10.000 --> 00:00:20.000\n<v Ann>aaaaaaaaaaaaaaa</v> <v Bob>bbbbb</v>\n';
    expect(parseTranscript('x.vtt', vtt)).toEqual([
      { start: 10, end: 17.5, text: 'aaaaaaaaaaaaaaa', speaker: 'Ann' },
      { start: 17.5, end: 20, text: 'bbbbb', speaker: 'Bob' },
    ]);
  });

  it('keeps cues without a voice speakerless, sorts by start and drops empty cues', () => {
    const vtt = 'WEBVTT\n\n00:05.000 --> 00:06.000\nsecond\n\n00:01.000 --> 00:02.000\nfirst\n\n00:03.000 --> 00:04.000\n<i> </i>\n';
    expect(parseTranscript('x.VTT', vtt)).toEqual([
      { start: 1, end: 2, text: 'first' },
      { start: 5, end: 6, text: 'second' },
    ]);
  });

  it('accepts a BOM and CRLF line endings', () => {
    const cues = parseTranscript('x.vtt', '\uFEFFWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v A>hi\r\n');
    expect(cues).toEqual([{ start: 1, end: 2, text: 'hi', speaker: 'A' }]);
  });

  it('parses every dev recording with one speaker-tagged cue per timing line', () => {
    const files = readdirSync(DEV).filter((f) => f.endsWith('.vtt'));
    expect(files).toHaveLength(202);
    for (const file of files) {
      const content = readFileSync(DEV + file, 'utf8');
      const cues = parseTranscript(file, content);
      expect(cues.length, file).toBe(content.split('\n').filter((l) => l.includes('-->')).length);
      // One expect per file: a hundred thousand expect() calls would dominate the run time.
      expect(cues.filter((c) => !c.speaker?.trim() || !c.text || c.end < c.start), file).toEqual([]);
    }
    const tinyrec = parseTranscript('t.vtt', readFileSync(`${DEV}49ad30d4-971a-4811-b790-f1df50168db1.vtt`, 'utf8'));
    expect(tinyrec[0]).toEqual({ start: 0, end: 0.806, text: 'Everyone.', speaker: 'Liam Taylor' });
  });

  describe('errors name file and line', () => {
    it('bad timestamp', () => {
      const e = errorOf(() => parseTranscript('a.vtt', 'WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n\n00:02.000 --> 00:0x.000\nbad\n'));
      expect(e.message).toMatch(/^a\.vtt:6: bad cue timing "00:02\.000 --> 00:0x\.000"/);
      expect(e.line).toBe(6);
      expect(e.code).toBe('invalid_transcript');
    });

    it('timing line with a broken arrow', () => {
      const e = errorOf(() => parseTranscript('a.vtt', 'WEBVTT\n\n00:01.000 -> 00:02.000\nhi\n'));
      expect(e.message).toMatch(/^a\.vtt:3: expected a cue timing line/);
    });

    it('end before start (zero-length cues are allowed)', () => {
      const e = errorOf(() => parseTranscript('a.vtt', 'WEBVTT\n\n00:01.000 --> 00:01.000\nzero\n\n00:05.000 --> 00:03.000\nbad\n'));
      expect(e.message).toBe('a.vtt:6: cue ends before it starts (00:03.000 < 00:05.000)');
    });

    it('stray text between cues', () => {
      const e = errorOf(() => parseTranscript('a.vtt', 'WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n\nstray\n\n00:03.000 --> 00:04.000\nyo\n'));
      expect(e.message).toMatch(/^a\.vtt:6: expected a cue timing line .* got "stray"$/);
    });

    it('missing WEBVTT header', () => {
      expect(errorOf(() => parseTranscript('a.vtt', '1\n00:00:01,000 --> 00:00:02,000\nhi\n')).message).toMatch(/^a\.vtt:1: not a WebVTT file/);
    });

    it('header only', () => {
      expect(errorOf(() => parseTranscript('a.vtt', 'WEBVTT\n\nNOTE nothing here\n')).message).toBe('a.vtt:1: no cues found in VTT transcript');
    });
  });
});
