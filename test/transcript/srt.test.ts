import { describe, expect, it } from 'vitest';
import { TranscriptError } from '../../src/core/errors.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { looksLikeSpeaker, speakerPrefix } from '../../src/ingest/formats/srt.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TranscriptError);
    return (e as Error).message;
  }
  throw new Error('expected a TranscriptError');
}

describe('SRT import', () => {
  it('reads cues with BOM, CRLF, markup and the speaker prefixes', () => {
    const srt = [
      '\uFEFF1',
      '00:00:01,000 --> 00:00:02,500 X1:40 X2:600 Y1:20 Y2:50',
      'Dr. Jane Smith: Welcome <i>back</i>,',
      'everyone.',
      '',
      '2',
      '00:00:03,000 --> 00:00:04,000',
      '[SPEAKER_01] Thanks for having me.',
      '',
      '3',
      '00:00:05,000 --> 00:00:06,000',
      '>> Bob: Shall we start?',
      '',
      '4',
      '00:00:07,000 --> 00:00:08,000',
      '[laughter] The answer is: yes.',
      '',
    ].join('\r\n');
    expect(parseTranscript('ep.SRT', srt)).toEqual([
      { start: 1, end: 2.5, text: 'Welcome back, everyone.', speaker: 'Dr. Jane Smith' },
      { start: 3, end: 4, text: 'Thanks for having me.', speaker: 'SPEAKER_01' },
      { start: 5, end: 6, text: 'Shall we start?', speaker: 'Bob' },
      { start: 7, end: 8, text: '[laughter] The answer is: yes.' },
    ]);
  });

  it('splits a cue with two speaker lines and survives a missing blank line', () => {
    const srt = '1\n00:00:10,000 --> 00:00:20,000\n- Ann: aaaaaaaaaaaaaaa\n- Bob: bbbbb\n2\n00:00:21,000 --> 00:00:22,000\nlast\n';
    expect(parseTranscript('x.srt', srt)).toEqual([
      { start: 10, end: 17.5, text: 'aaaaaaaaaaaaaaa', speaker: 'Ann' },
      { start: 17.5, end: 20, text: 'bbbbb', speaker: 'Bob' },
      { start: 21, end: 22, text: 'last' },
    ]);
  });

  it('reads fractions as decimals and allows missing hours or cue numbers', () => {
    expect(parseTranscript('x.srt', '01:02,5 --> 01:03.25\nhi\n')).toEqual([{ start: 62.5, end: 63.25, text: 'hi' }]);
  });

  it('only takes short, unpunctuated, capitalised prefixes as speakers', () => {
    expect(looksLikeSpeaker('The Acting Chair (Mr. Bruce Stanton)')).toBe(true);
    expect(looksLikeSpeaker('Lynne Neagle AM')).toBe(true);
    expect(looksLikeSpeaker('Well, here is the thing')).toBe(false);
    expect(looksLikeSpeaker('The answer is')).toBe(false);
    expect(looksLikeSpeaker('Yes. And')).toBe(false);
    expect(looksLikeSpeaker('A Very Long Name That Goes On And On Forever More')).toBe(false);
    expect(speakerPrefix('Note: 10:30 works')).toEqual({ speaker: 'Note', text: '10:30 works', turn: true });
    expect(speakerPrefix('http://example.com is down')).toEqual({ text: 'http://example.com is down', turn: false });
    expect(speakerPrefix('>> who is there?')).toEqual({ text: 'who is there?', turn: true });
  });

  describe('errors name file and line', () => {
    const good = '1\r\n00:00:01,000 --> 00:00:02,000\r\nhi\r\n\r\n';
    it('bad timestamp', () => {
      expect(messageOf(() => parseTranscript('a.srt', `${good}2\r\n00:00:03,000 --> 00:00:0x,000\r\nbad\r\n`))).toBe(
        'a.srt:6: bad cue timing "00:00:03,000 --> 00:00:0x,000"',
      );
      expect(messageOf(() => parseTranscript('a.srt', `${good}2\n00:00:03,000 --> 00:61:00,000\nbad\n`))).toMatch(/^a\.srt:6: bad cue timing/);
    });
    it('end before start', () => {
      expect(messageOf(() => parseTranscript('a.srt', `${good}2\n00:00:05,000 --> 00:00:03,000\nbad\n`))).toBe(
        'a.srt:6: cue ends before it starts (00:00:03,000 < 00:00:05,000)',
      );
    });
    it('cue number without timing', () => {
      expect(messageOf(() => parseTranscript('a.srt', `${good}2\nno timing here\n`))).toMatch(/^a\.srt:6: expected a cue timing line .* got "no timing here"$/);
    });
    it('stray text block', () => {
      expect(messageOf(() => parseTranscript('a.srt', `${good}\n\nstray\n`))).toMatch(/^a\.srt:7: expected a cue timing line/);
    });
  });
});
