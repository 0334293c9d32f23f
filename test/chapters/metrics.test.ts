import { describe, expect, it } from 'vitest';
import { boundariesOf, boundaryF1, defaultK, evenBoundaries, pk, titleAgreement, windowDiff } from '../../scripts/eval/chapters-metrics.js';

describe('chapter metrics', () => {
  it('takes every segment start but the first as a boundary, in order, once', () => {
    expect(boundariesOf([[0, 100, 'a'], [250, 300, 'c'], [100, 250, 'b']])).toEqual([100, 250]);
    expect(boundariesOf([[5, 10]])).toEqual([]);
  });

  it('boundary F1 matches within the tolerance, each reference boundary once, closest first', () => {
    // ref 100, 200, 300; hyp 95 (ok), 103 (second claim on 100: unmatched), 215 (15 s off: miss), 301 (ok)
    const s = boundaryF1([100, 200, 300], [95, 103, 215, 301], 10);
    expect(s.matched).toBe(2);
    expect(s.precision).toBeCloseTo(2 / 4);
    expect(s.recall).toBeCloseTo(2 / 3);
    expect(s.f1).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3)); // 4/7
    // 103 is closer to 100 than 95 is: it takes the match, 95 is left over.
    expect(boundaryF1([100], [95, 103], 10)).toMatchObject({ matched: 1, precision: 0.5, recall: 1 });
    expect(boundaryF1([100], [110], 10).f1).toBe(1); // the tolerance is inclusive
    expect(boundaryF1([100], [], 10)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(boundaryF1([], [], 10).f1).toBe(1);
  });

  it('Pk on hand-computed cases', () => {
    const o = { start: 0, end: 100, k: 10, step: 1 };
    // Probes t = 0..90 (91 of them). Identical segmentations never disagree.
    expect(pk([50], [50], o)).toBe(0);
    // Reference boundary at 50, none hypothesised: probes with t < 50 <= t + 10, i.e. t = 40..49, are wrong.
    expect(pk([50], [], o)).toBeCloseTo(10 / 91);
    // Hypothesis 5 s late (55): wrong where exactly one of the two is inside (t, t+10]: t = 40..44 and t = 50..54.
    expect(pk([50], [55], o)).toBeCloseTo(10 / 91);
    // Far off (80): t = 40..49 and t = 70..79 are wrong.
    expect(pk([50], [80], o)).toBeCloseTo(20 / 91);
    // Two boundaries inside one window still count as "different chapter" once for Pk, twice as many for WindowDiff.
    // Reference: 1 boundary in the window for t = 40..49. Hypothesis: 48 inside for t = 38..47, 52 for t = 42..51.
    // Pk: t = 38,39 and t = 50,51 disagree (4). WindowDiff also counts t = 42..47, where 2 ≠ 1 (10).
    expect(pk([50], [48, 52], o)).toBeCloseTo(4 / 91);
    expect(windowDiff([50], [48, 52], o)).toBeCloseTo(10 / 91);
  });

  it('k defaults to half the mean reference segment length', () => {
    expect(defaultK([100, 200, 300], 0, 400)).toBe(50);
    expect(defaultK([], 0, 400)).toBe(200);
  });

  it('equal-length baseline boundaries', () => {
    expect(evenBoundaries(0, 100, 4)).toEqual([25, 50, 75]);
    expect(evenBoundaries(0, 100, 1)).toEqual([]);
  });
});

describe('chapter title agreement', () => {
  const stems = (t: string) => new Set(t.toLowerCase().split(/\W+/).filter((w) => w.length > 2 && w !== 'the').map((w) => w.replace(/s$/, '')));

  it('compares each chapter with the gold chapter it overlaps most, keyword by keyword', () => {
    const gold: [number, number, string][] = [[0, 100, 'Remote control buttons'], [100, 400, 'The battery and its cost']];
    const a = titleAgreement(
      [
        // Mostly over the second gold chapter: "battery" counts there, "buttons" does not.
        { start: 60, end: 300, keywords: ['battery', 'buttons', 'chair'] },
        { start: 300, end: 400, keywords: ['rubber', 'case'] },
      ],
      gold,
      stems,
      ['Chair', 'Industrial Designer'],
    );
    expect(a).toEqual({ chapters: 2, withGoldWord: 1, keywords: 5, inGold: 1, namingSpeaker: 1 });
  });

  it('a phrase agrees by any of its words; a chapter over no gold chapter agrees with nothing', () => {
    expect(titleAgreement([{ start: 0, end: 10, keywords: ['remote control'] }], [[0, 10, 'Control']], stems)).toMatchObject({ withGoldWord: 1, inGold: 1 });
    expect(titleAgreement([{ start: 50, end: 60, keywords: ['control'] }], [[0, 10, 'Control']], stems)).toMatchObject({ withGoldWord: 0, inGold: 0 });
  });
});
