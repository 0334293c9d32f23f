import { describe, expect, it } from 'vitest';
import { AppError, TranscriptError } from '../../src/core/errors.js';
import { detectFormat, joinSpelledLetters, parseTranscript } from '../../src/ingest/formats/index.js';

const VTT = 'WEBVTT\n\n00:01.000 --> 00:02.000\n<v A>hi\n';
const SRT = '1\n00:00:01,000 --> 00:00:02,000\nA: hi\n';
const JSON_ = '{"segments": [{"start": 1, "end": 2, "text": "hi", "speaker": "A"}]}';

function caught(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('acronyms spelled letter by letter', () => {
  it('are written as one word, in every format', () => {
    expect(joinSpelledLetters('the L_C_D_ screen, two T_V_s and a D_V_D_.')).toBe('the LCD screen, two TVs and a DVD.');
    for (const [name, content] of [['a.vtt', VTT], ['b.srt', SRT], ['c.json', JSON_]]) {
      expect(parseTranscript(name, content.replace('hi', 'an L_C_D_ screen'))[0].text).toBe('an LCD screen');
    }
  });
  it('leaves single letters and words with underscores alone', () => {
    expect(joinSpelledLetters('F_ eight, R_ and D_, snake_case_a_b_')).toBe('F_ eight, R_ and D_, snake_case_a_b_');
  });
});

describe('parseTranscript format selection', () => {
  it('goes by extension, case-insensitively', () => {
    expect(detectFormat('a.VTT', '')).toBe('vtt');
    expect(detectFormat('dir.v1/a.Srt', '')).toBe('srt');
    expect(detectFormat('a.JSON', '')).toBe('json');
  });

  it('sniffs the content when the extension is unknown', () => {
    expect(detectFormat('a.txt', `\uFEFF${VTT}`)).toBe('vtt');
    expect(detectFormat('a', `\r\n${SRT}`)).toBe('srt');
    expect(detectFormat('upload.bin', `  ${JSON_}`)).toBe('json');
    expect(detectFormat('a.txt', 'WEBVTTX\n')).toBeUndefined();
    for (const [name, content] of [['a.txt', VTT], ['b', SRT], ['c.dat', JSON_]]) {
      expect(parseTranscript(name, content)).toEqual([{ start: 1, end: 2, text: 'hi', speaker: 'A' }]);
    }
  });

  it('refuses what it cannot recognise with unsupported_format', () => {
    const e = caught(() => parseTranscript('notes.txt', 'Minutes of the meeting\nAll present.'));
    expect(e).not.toBeInstanceOf(TranscriptError);
    expect(e.code).toBe('unsupported_format');
    expect(e.status).toBe(415);
    expect(e.message).toMatch(/^notes\.txt: unrecognised transcript format/);
    expect(caught(() => parseTranscript('x.bin', '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR')).code).toBe('unsupported_format');
  });

  it('rejects empty transcripts', () => {
    for (const [name, content] of [['e.vtt', ''], ['e.srt', '\uFEFF \r\n\n'], ['e.json', '   '], ['e.txt', '']]) {
      const e = caught(() => parseTranscript(name, content));
      expect(e).toBeInstanceOf(TranscriptError);
      expect(e.message).toBe(`${name}:1: empty transcript`);
    }
  });

  it('rejects binary garbage with the line of the first control character', () => {
    for (const name of ['g.vtt', 'g.srt', 'g.json']) {
      const e = caught(() => parseTranscript(name, 'WEBVTT\n\nPK\x03\x04\x14\x00\x00\x08'));
      expect(e.message).toBe(`${name}:3: binary content, not a text transcript (control character 0x03)`);
      expect((e as TranscriptError).line).toBe(3);
    }
    const mojibake = '\uFFFD'.repeat(50) + 'abc';
    expect(caught(() => parseTranscript('m.srt', mojibake)).message).toBe('m.srt:1: binary or non-UTF-8 content, not a text transcript');
  });

  it('returns cues sorted by start across formats', () => {
    const srt = '2\n00:00:05,000 --> 00:00:06,000\nlater\n\n1\n00:00:01,000 --> 00:00:02,000\nearlier\n';
    expect(parseTranscript('s.srt', srt).map((c) => c.text)).toEqual(['earlier', 'later']);
    const json = '[{"start": 5, "end": 6, "text": "later"}, {"start": 1, "end": 2, "text": "earlier"}]';
    expect(parseTranscript('s.json', json).map((c) => c.text)).toEqual(['earlier', 'later']);
  });
});
