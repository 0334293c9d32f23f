import { describe, expect, it } from 'vitest';
import { UNKNOWN_SPEAKER, assignSpeakers, type Turn } from '../../src/ingest/audio/diarize/assign.js';
import { wordsToCues } from '../../src/ingest/audio/sentences.js';
import type { Word } from '../../src/core/domain.js';

const w = (start: number, end: number, text: string, speaker?: string): Word => ({ start, end, text, ...(speaker ? { speaker } : {}) });

describe('assignSpeakers', () => {
  const turns: Turn[] = [
    { start: 0, end: 5, speaker: 'SPEAKER_00' },
    { start: 5, end: 9, speaker: 'SPEAKER_01' },
    { start: 12, end: 15, speaker: 'SPEAKER_00' },
  ];

  it("gives each word the speaker of the turn containing its midpoint", () => {
    // 4.6–5.6 straddles the change: its midpoint 5.1 is in SPEAKER_01's turn although it starts in 00's.
    const out = assignSpeakers([w(1, 2, 'a'), w(4.6, 5.6, 'b'), w(4.2, 5.0, 'c'), w(13, 14, 'd')], turns);
    expect(out.map((x) => x.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01', 'SPEAKER_00', 'SPEAKER_00']);
  });

  it('uses the nearest turn for words outside every turn', () => {
    const out = assignSpeakers([w(9.5, 10, 'x'), w(11, 11.6, 'y'), w(20, 21, 'z')], turns);
    expect(out.map((x) => x.speaker)).toEqual(['SPEAKER_01', 'SPEAKER_00', 'SPEAKER_00']);
  });

  it("falls back to 'Unknown speaker' without turns", () => {
    expect(assignSpeakers([w(0, 1, 'a')], null)[0].speaker).toBe(UNKNOWN_SPEAKER);
    expect(assignSpeakers([w(0, 1, 'a')], [])[0].speaker).toBe(UNKNOWN_SPEAKER);
  });
});

describe('wordsToCues', () => {
  it('starts a cue at a speaker change or a pause of 500 ms when there is no punctuation', () => {
    const words = [w(0, 0.4, 'so', 'A'), w(0.45, 0.9, 'we', 'A'), w(1.5, 2, 'begin', 'A'), w(2.1, 2.5, 'yes', 'B'), w(2.55, 3, 'ok', 'B')];
    const cues = wordsToCues(words);
    expect(cues.map((c) => c.text)).toEqual(['so we', 'begin', 'yes ok']);
    expect(cues.map((c) => c.speaker)).toEqual(['A', 'A', 'B']);
    expect(cues[2]).toMatchObject({ start: 2.1, end: 3 });
    expect(cues[2].words).toHaveLength(2);
  });

  it('ends cues at sentence punctuation when the engine gives it, and caps their length', () => {
    const words = [w(0, 0.5, 'Hello'), w(0.6, 1.2, 'everyone.'), w(1.9, 2.3, 'Today'), w(2.4, 2.8, 'we'), w(2.9, 3.5, 'start.')];
    expect(wordsToCues(words).map((c) => c.text)).toEqual(['Hello everyone.', 'Today we start.']);
    const long = Array.from({ length: 100 }, (_, i) => w(i * 0.4, i * 0.4 + 0.35, `w${i}`));
    const cues = wordsToCues(long, { maxS: 10 });
    expect(cues.length).toBeGreaterThanOrEqual(4);
    for (const c of cues) expect(c.end - c.start).toBeLessThanOrEqual(10);
    expect(cues.flatMap((c) => c.words!.map((x) => x.text))).toEqual(long.map((x) => x.text));
  });

  it('keeps gap markers as cues of their own', () => {
    const cues = wordsToCues([w(0, 1, 'one'), w(1.1, 5, '[inaudible: ASR failed]'), w(5.1, 6, 'two')]);
    expect(cues.map((c) => c.text)).toEqual(['one', '[inaudible: ASR failed]', 'two']);
  });
});
