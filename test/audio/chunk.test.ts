import { describe, expect, it } from 'vitest';
import { planChunks, planFixedChunks } from '../../src/ingest/audio/chunk.js';

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
    // No overlap before the first chunk of a run: only the 0.5 s edge pad.
    expect(run1[0].start).toBe(0.5);
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
    expect(last).toMatchObject({ start: 134.5, end: 145.5, coreStart: 135, coreEnd: 145 });
  });

  it('decodes a little of the silence at run edges, so a soft onset the VAD heard late is not cut off', () => {
    // Regression: a sentence after a long pause whose first 0.4 s Silero scored under the threshold was
    // decoded from the VAD onset, and pocketsphinx lost (and mistimed) its first word.
    const rs = [
      { start: 0.3, end: 10 },
      { start: 13, end: 30 },
      { start: 30.5, end: 45 },
    ];
    const cs = planChunks(rs, 45.4, { chunkS: 20, overlapS: 3 });
    // Runs [0.3, 10] and [13, 45]; the second is cut in the 30–30.5 pause.
    expect(cs.map((c) => [c.coreStart, c.coreEnd])).toEqual([
      [0.3, 10],
      [13, 30.25],
      [30.25, 45],
    ]);
    // Run edges reach 0.5 s into the silence, clipped to the file (0, 45.4); inside a run, the 3 s overlap.
    expect(cs.map((c) => [c.start, c.end])).toEqual([
      [0, 10.5],
      [12.5, 33.25],
      [27.25, 45.4],
    ]);
    // Never more than the overlap (0 keeps ranges at the cores)…
    expect(planChunks(rs, 45.4, { chunkS: 20, overlapS: 0 }).map((c) => [c.start, c.end])).toEqual([
      [0.3, 10],
      [13, 30.25],
      [30.25, 45],
    ]);
    // …and never past the middle of the silence between two runs (10–12.4 here).
    const tight = planChunks(
      [
        { start: 5, end: 10 },
        { start: 12.4, end: 15 },
      ],
      20,
      { edgePadS: 3 },
    );
    expect(tight.map((c) => [c.start, c.end])).toEqual([
      [2, 11.2],
      [11.2, 18],
    ]);
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
