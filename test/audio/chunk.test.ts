import { describe, expect, it } from 'vitest';
import { planChunks, planFixedChunks } from '../../ingest/audio/chunk.js';

describe('planChunks', () => {
  // Speech with short pauses every ~4 s from 1 s to 95 s, then 40 s of silence, then 10 s of speech.
  const regions = [
    ...Array.from({ length: 24 }, (_, i) => ({ start: 1 + i * 4, end: 1 + i * 4 + 3.6 })),
    { start: 135, end: 145 },
  ];

  it('chunks by time with overlaps towards neighbours and cores that touch', () => {
    const cs = planChunks(regions, 150, { chunkS: 30, overlapS: 3 });
    const run1 = cs.filter((c) => c.coreEnd <= 100);
    expect(run1.length).toBe(4);
    for (let i = 1; i < run1.length; i++) {
      expect(run1[i].coreStart).toBe(run1[i - 1].coreEnd);
      expect(run1[i].start).toBeCloseTo(run1[i].coreStart - 3, 6);
      expect(run1[i - 1].end).toBeCloseTo(run1[i - 1].coreEnd + 3, 6);
    }
    for (const c of cs) expect(c.coreEnd - c.coreStart).toBeLessThanOrEqual(30 + 1e-9);
    expect(run1[0].start).toBe(1); // no overlap before the first chunk of a run
  });

  it('moves cuts into the nearest pause before the ideal cut', () => {
    const cs = planChunks(regions, 150, { chunkS: 30, overlapS: 3 });
    for (const c of cs.slice(0, 3)) {
      // Pauses are [4.6 + 4k, 5 + 4k]: every cut is in the middle of one.
      const k = Math.round((c.coreEnd - 4.8) / 4);
      expect(c.coreEnd).toBeCloseTo(4.8 + 4 * k, 6);
    }
  });

  it('skips long silences', () => {
    const cs = planChunks(regions, 150, { chunkS: 30, overlapS: 3 });
    expect(cs.some((c) => c.start < 130 && c.end > 100)).toBe(false);
    const last = cs[cs.length - 1];
    expect(last).toMatchObject({ start: 135, end: 145, coreStart: 135, coreEnd: 145 });
  });

  it('cuts at the ideal point when there is no pause, and balances a short tail', () => {
    const cs = planChunks([{ start: 0, end: 65 }], 65, { chunkS: 30, overlapS: 2 });
    // 0–30, then a 5 s tail would be left: the last 35 s are split evenly instead.
    expect(cs.map((c) => [c.coreStart, c.coreEnd])).toEqual([
      [0, 30],
      [30, 47.5],
      [47.5, 65],
    ]);
    expect(planFixedChunks(0)).toEqual([]);
  });
});
