import { describe, expect, it } from 'vitest';
import { buildMoments } from '../../src/ingest/moments.js';
import type { Cue } from '../../src/core/domain.js';

const turn = (start: number, end: number, speaker: string, text: string): Cue => ({ start, end, speaker, text });

describe('buildMoments', () => {
  const cues: Cue[] = [];
  for (let i = 0; i < 30; i++) cues.push(turn(i * 10, i * 10 + 9, i % 3 === 0 ? 'A' : 'B', `Sentence number ${i} is here.`));

  it('makes windows of about the target length that overlap and cover every cue', () => {
    const ms = buildMoments('r', cues, { targetS: 60, maxS: 90, overlapS: 15 });
    expect(ms.length).toBeGreaterThan(4);
    for (const m of ms) expect(m.end - m.start).toBeLessThanOrEqual(90);
    for (let i = 1; i < ms.length; i++) {
      expect(ms[i].start).toBeLessThan(ms[i - 1].end); // overlap
      expect(ms[i].start).toBeGreaterThan(ms[i - 1].start); // progress
    }
    const all = ms.map((m) => m.text).join(' ');
    for (let i = 0; i < 30; i++) expect(all).toContain(`number ${i} is`);
    expect(ms.map((m) => m.id)).toEqual(ms.map((_, i) => `r#${i}`));
  });

  it('closes a window at a speaker change near its end', () => {
    const ms = buildMoments('r', cues, { targetS: 60, maxS: 90, overlapS: 0 });
    // every window but the last ends where the next unit has a different speaker
    for (const m of ms.slice(0, -1)) {
      const lastIdx = cues.findIndex((c) => Math.abs(c.end - m.end) < 1e-6);
      expect(cues[lastIdx + 1].speaker).not.toBe(cues[lastIdx].speaker);
    }
  });

  it('splits a long monologue into sentences with proportional times', () => {
    const long = turn(0, 200, 'A', Array.from({ length: 20 }, (_, i) => `This is sentence ${i} of the talk.`).join(' '));
    const ms = buildMoments('r', [long], { targetS: 60, maxS: 90, overlapS: 10 });
    expect(ms.length).toBeGreaterThanOrEqual(3);
    expect(ms[0].start).toBe(0);
    expect(ms[ms.length - 1].end).toBeCloseTo(200, 3);
    expect(ms[0].text.startsWith('This is sentence 0')).toBe(true);
  });

  it('returns no moments for no text', () => {
    expect(buildMoments('r', [turn(0, 1, 'A', '  ')], { targetS: 60, maxS: 90, overlapS: 10 })).toEqual([]);
  });
});
