import { describe, expect, it } from 'vitest';
import { TranscriptError } from '../../src/core/errors.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';

function errorOf(fn: () => unknown): TranscriptError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TranscriptError);
    return e as TranscriptError;
  }
  throw new Error('expected a TranscriptError');
}

describe('Whisper JSON import', () => {
  it('OpenAI verbose_json: top-level words go to the segments they fall in', () => {
    const json = {
      task: 'transcribe',
      language: 'english',
      duration: 4,
      text: 'Hello there. General Kenobi.',
      segments: [
        { id: 1, seek: 0, start: 2, end: 4, text: ' General Kenobi.', tokens: [1], avg_logprob: -0.2, no_speech_prob: 0.01 },
        { id: 0, seek: 0, start: 0, end: 1.9, text: ' Hello   there.', tokens: [1], avg_logprob: -0.2, no_speech_prob: 0.01 },
      ],
      words: [
        { word: 'Hello', start: 0, end: 0.5 },
        { word: 'there.', start: 0.6, end: 1.9 },
        { word: 'General', start: 2, end: 2.6 },
        { word: 'Kenobi.', start: 2.7, end: 4.2 },
      ],
    };
    expect(parseTranscript('openai.json', JSON.stringify(json))).toEqual([
      {
        start: 0,
        end: 1.9,
        text: 'Hello there.',
        words: [
          { start: 0, end: 0.5, text: 'Hello' },
          { start: 0.6, end: 1.9, text: 'there.' },
        ],
      },
      {
        start: 2,
        end: 4,
        text: 'General Kenobi.',
        words: [
          { start: 2, end: 2.6, text: 'General' },
          { start: 2.7, end: 4.2, text: 'Kenobi.' },
        ],
      },
    ]);
  });

  it('OpenAI verbose_json with words only: cut into sentences', () => {
    const json = { text: 'Hi. Bye', words: [{ word: 'Hi.', start: 0, end: 0.4 }, { word: 'Bye', start: 0.5, end: 0.9 }] };
    expect(parseTranscript('w.json', JSON.stringify(json)).map((c) => [c.start, c.end, c.text])).toEqual([
      [0, 0.4, 'Hi.'],
      [0.5, 0.9, 'Bye'],
    ]);
  });

  it('faster-whisper: a bare array of segments, words with probability, null words', () => {
    const json = [
      { id: 1, seek: 0, start: 0, end: 1, text: ' One two', words: [{ start: 0, end: 0.4, word: ' One', probability: 0.9 }, { start: 0.5, end: 1, word: ' two', probability: 0.7 }] },
      { id: 2, seek: 0, start: 1, end: 2, text: ' three', words: null, temperature: 0 },
    ];
    expect(parseTranscript('fw.json', JSON.stringify(json))).toEqual([
      {
        start: 0,
        end: 1,
        text: 'One two',
        words: [
          { start: 0, end: 0.4, text: 'One', confidence: 0.9 },
          { start: 0.5, end: 1, text: 'two', confidence: 0.7 },
        ],
      },
      { start: 1, end: 2, text: 'three' },
    ]);
    expect(parseTranscript('fw.json', JSON.stringify({ segments: json, info: { language: 'en' } }))).toHaveLength(2);
  });

  it('WhisperX: segment and word speakers, unaligned words, word_segments', () => {
    const json = {
      segments: [
        {
          start: 0.5,
          end: 3,
          text: ' In 1990 we met.',
          speaker: 'SPEAKER_00',
          words: [
            { word: 'In', start: 0.5, end: 0.7, score: 0.8, speaker: 'SPEAKER_00' },
            { word: '1990' },
            { word: 'we', start: 1.5, end: 1.7, score: 0.9, speaker: 'SPEAKER_00' },
            { word: 'met.', start: 1.8, end: 3, score: 0.95, speaker: 'SPEAKER_00' },
          ],
        },
        { start: 3.2, end: 4, text: ' Indeed.', words: [{ word: 'Indeed.', start: 3.2, end: 4, score: 0.5, speaker: 'SPEAKER_01' }] },
      ],
      word_segments: [{ word: 'In', start: 0.5, end: 0.7, score: 0.8 }],
    };
    const cues = parseTranscript('wx.json', JSON.stringify(json, null, 2));
    expect(cues.map((c) => c.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    expect(cues[0].words?.[1]).toEqual({ start: 0.7, end: 1.5, text: '1990' });
    expect(cues[1]).toEqual({ start: 3.2, end: 4, text: 'Indeed.', speaker: 'SPEAKER_01', words: [{ start: 3.2, end: 4, text: 'Indeed.', confidence: 0.5, speaker: 'SPEAKER_01' }] });
  });

  describe('errors name file, line and JSON path', () => {
    const head = '{\n  "segments": [\n    {"start": 0, "end": 1, "text": "hi"},\n';
    it('truncated JSON', () => {
      const e = errorOf(() => parseTranscript('t.json', `${head}    {"start": 1, "end": 2,`));
      expect(e.message).toBe('t.json:4: malformed JSON: unexpected end of input (truncated?)');
    });
    it('syntax error in the middle', () => {
      const e = errorOf(() => parseTranscript('t.json', `${head}    {"start": 1, "end": 2, "text": x}\n  ]\n}\n`));
      expect(e.message).toBe('t.json:4: malformed JSON: unexpected character (column 36)');
    });
    it('wrong type, with the JSON path', () => {
      const e = errorOf(() => parseTranscript('t.json', `${head}    {"start": "1", "end": 2, "text": "x"}\n  ]\n}\n`));
      expect(e.message).toBe('t.json:4: $.segments[1].start: Invalid input: expected number, received string');
      expect(e.line).toBe(4);
    });
    it('missing field', () => {
      const e = errorOf(() => parseTranscript('t.json', `${head}    {"start": 1,\n     "text": "x"}\n  ]\n}\n`));
      expect(e.message).toBe('t.json:4: $.segments[1].end: missing (seconds, a number)');
    });
    it('segment ending before it starts', () => {
      const e = errorOf(() => parseTranscript('t.json', `${head}    {"start": 3,\n     "end": 2, "text": "x"}\n  ]\n}\n`));
      expect(e.message).toBe('t.json:5: $.segments[1].end: segment ends before it starts');
    });
    it('wrong shape of document', () => {
      expect(errorOf(() => parseTranscript('t.json', '{\n  "results": []\n}')).message).toBe('t.json:1: $: expected "segments" (an array of {start, end, text}) or "words"');
      expect(errorOf(() => parseTranscript('t.json', '"hello"')).message).toMatch(/^t\.json:1: \$: expected an array of segments/);
      expect(errorOf(() => parseTranscript('t.json', '[\n  {"start": 0, "end": 1, "text": "a"},\n  42\n]')).message).toMatch(/^t\.json:3: \$\[1\]: /);
    });
    it('no segments', () => {
      expect(errorOf(() => parseTranscript('t.json', '{"segments": []}')).message).toBe('t.json:1: no cues found in JSON transcript');
    });
  });
});
