import { describe, expect, it } from 'vitest';
import { buildMoments } from '../../src/ingest/moments.js';
import { TranscriptError } from '../../src/core/errors.js';
import { MAX_MARKUP_DEPTH, parseTranscript, parseVtt } from '../../src/ingest/formats/index.js';

const clock = (s: number) => {
  const hh = Math.floor(s / 3600);
  const mm = Math.floor(s / 60) % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${(s % 60).toFixed(3).padStart(6, '0')}`;
};
const vtt = (...cues: string[]) => `WEBVTT\n\n${cues.map((text, i) => `${clock(i * 2)} --> ${clock(i * 2 + 2)}\n${text}\n`).join('\n')}`;

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('transcript size: parsing and moment building stay linear', () => {
  it('parses 20,000 cues and builds their moments in a few seconds', () => {
    const cues = Array.from({ length: 20_000 }, (_, i) => `<v Speaker ${i % 3}>Item ${i} is on the agenda. The council voted on it.`);
    const content = vtt(...cues);
    const t0 = performance.now();
    const parsed = parseTranscript('many.vtt', content);
    const moments = buildMoments('many', parsed, { targetS: 20, maxS: 30, overlapS: 5 });
    const seconds = (performance.now() - t0) / 1000;
    expect(parsed).toHaveLength(20_000);
    expect(moments.length).toBeGreaterThan(2_000);
    // About 1 s on a shared 2-core machine; a quadratic step would take minutes.
    expect(seconds).toBeLessThan(15);
  }, 60_000);

  it('a cue of 5,000 words (the default limit) is parsed and split into sentences at once', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `Point ${i} was raised again.`).join(' ');
    const t0 = performance.now();
    const parsed = parseTranscript('long.vtt', `WEBVTT\n\n00:00:00.000 --> 00:30:00.000\n${text}\n`);
    const moments = buildMoments('long', parsed, { targetS: 20, maxS: 30, overlapS: 5 });
    expect(moments.length).toBeGreaterThan(10);
    expect((performance.now() - t0) / 1000).toBeLessThan(5);
  });

  it('the limits are per call: cues and words per cue are counted in every format', () => {
    const limits = { maxBytes: 1e6, maxCues: 3, maxCueWords: 4 };
    expect(thrown(() => parseTranscript('a.vtt', vtt('a', 'b', 'c', 'd'), limits)).message).toBe('a.vtt:12: more than 3 cues (TRANSCRIPT_MAX_CUES)');
    expect(thrown(() => parseTranscript('a.vtt', vtt('one two three four five'), limits)).message).toBe('a.vtt:3: a cue of 5 words, over 4 (TRANSCRIPT_MAX_CUE_WORDS)');
    expect(parseTranscript('a.vtt', vtt('a', 'b', 'c'), limits)).toHaveLength(3);
    expect(thrown(() => parseTranscript('a.vtt', vtt('x'), { ...limits, maxBytes: 10 })).message).toMatch(/^a\.vtt: transcript of 0 MB, over 0 MB \(TRANSCRIPT_MAX_MB\)$/);
  });
});

describe('VTT markup: nested deeply is refused by line, never a stack overflow', () => {
  it('50,000 nested <b> is a TranscriptError naming the line, not a RangeError', () => {
    const err = thrown(() => parseVtt('deep.vtt', `WEBVTT\n\nNOTE a note\n\n00:00.000 --> 00:01.000\nfirst line\n${'<b>'.repeat(50_000)}deep\n`));
    expect(err).toBeInstanceOf(TranscriptError);
    expect(err.message).toMatch(/^deep\.vtt:7: markup nested more than 16 deep \(<b> inside 16 open tags\)/);
  });

  it(`markup ${MAX_MARKUP_DEPTH} deep is read, with the innermost voice`, () => {
    const open = '<i>'.repeat(MAX_MARKUP_DEPTH - 1);
    expect(parseVtt('ok.vtt', vtt(`${open}<v Chair>the motion carried`))).toEqual([{ start: 0, end: 2, speaker: 'Chair', text: 'the motion carried' }]);
    expect(() => parseVtt('no.vtt', vtt(`${open}<b><v Chair>the motion carried`))).toThrow(/no\.vtt:4: markup nested more than 16 deep \(<v>/);
  });

  it('closed tags do not add up: 1,000 <b>x</b> in a row are one level', () => {
    expect(parseVtt('flat.vtt', vtt('<b>x</b> '.repeat(1000)))[0].text).toBe(Array(1000).fill('x').join(' '));
  });

  it('a tag spread over two lines of a cue is followed too', () => {
    expect(() => parseVtt('split.vtt', vtt(`${'<b\n>'.repeat(20)}x`))).toThrow(/split\.vtt:\d+: markup nested more than 16 deep/);
  });
});

describe('VTT character references', () => {
  it('decodes every valid numeric reference to its character, outside the BMP too', () => {
    expect(parseVtt('ok.vtt', vtt('caf&#233; &#x1F600; &#xe9;t&#xE9;'))[0].text).toBe('café 😀 été');
  });

  it('a reference to < or & stays text, not markup', () => {
    expect(parseVtt('lt.vtt', vtt('&#60;b&#62;bold&#60;/b&#62; &#38;amp;'))[0].text).toBe('<b>bold</b> &amp;');
  });

  it.each([
    ['&#0;', 'NUL (U+0000)'],
    ['&#x0000;', 'NUL (U+0000)'],
    ['&#55296;', 'a lone surrogate'],
    ['&#xDFFF;', 'a lone surrogate'],
    ['&#x110000;', 'beyond U+10FFFF'],
    ['&#99999999999999999999;', 'beyond U+10FFFF'],
  ])('%s is refused by line: %s', (ref, why) => {
    expect(thrown(() => parseVtt('bad.vtt', vtt('fine', `the motion ${ref} carried`))).message).toBe(`bad.vtt:7: character reference "${ref}" is not a valid character: ${why}`);
  });
});

describe('text that cannot be stored, in any format', () => {
  it('Whisper JSON: \\u0000 and lone surrogates are refused with their line', () => {
    expect(thrown(() => parseTranscript('a.json', '[\n{"start": 0, "end": 1, "text": "ok"},\n{"start": 1, "end": 2, "text": "a\\u0000b"}]')).message).toBe(
      'a.json:3: text at 00:00:01 contains NUL (U+0000), which is not a character',
    );
    expect(thrown(() => parseTranscript('a.json', '[{"start": 0, "end": 1, "text": "x", "speaker": "\\udc00"}]')).message).toMatch(/^a\.json:1: .*lone surrogate \(U\+DC00\)/);
    // A pair is one character, kept.
    expect(parseTranscript('a.json', '[{"start": 0, "end": 1, "text": "\\ud83d\\ude00"}]')[0].text).toBe('😀');
  });

  it('SRT has no escapes: &#0; is the text it looks like', () => {
    expect(parseTranscript('a.srt', '1\n00:00:00,000 --> 00:00:01,000\nmotion &#0; carried\n')[0].text).toBe('motion &#0; carried');
  });
});
