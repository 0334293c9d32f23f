import { describe, expect, it } from 'vitest';
import { linkError, linkSeconds, scoreQuery, splitOf } from '../../scripts/eval/metrics.js';

const gold = { recordingId: 'r', spans: [[100, 200]] as [number, number][] };
const hit = (start: number, end: number, link = start, recordingId = 'r') => ({ recordingId, start, end, link });

describe('link relevance', () => {
  it('counts a result only when its link lands inside the answer, 3 s of lead-in allowed', () => {
    expect(scoreQuery([hit(97, 130)], gold, 'link').ndcg).toBe(1);
    expect(scoreQuery([hit(96, 130)], gold, 'link').ndcg).toBe(0);
    expect(scoreQuery([hit(200, 230)], gold, 'link').ndcg).toBe(1);
    expect(scoreQuery([hit(201, 230)], gold, 'link').ndcg).toBe(0);
  });

  it('does not reward a long passage whose link opens minutes before the answer, as overlap does', () => {
    const long = hit(0, 500);
    expect(scoreQuery([long], gold, 'overlap').ndcg).toBe(1);
    expect(scoreQuery([long], gold, 'link').ndcg).toBe(0);
    expect(scoreQuery([hit(0, 500, 150)], gold, 'link').ndcg).toBe(1);
  });

  it('credits each answer once and ignores other recordings', () => {
    const s = scoreQuery([hit(150, 160, 150, 'other'), hit(110, 120), hit(120, 130)], gold, 'link');
    expect(s.rr).toBeCloseTo(1 / 2);
    expect(s.ndcg).toBeCloseTo(1 / Math.log2(3));
    expect(s.recall).toBe(1);
  });

  it('measures how far the first overlapping hit opens from its answer', () => {
    expect(linkError([hit(0, 150)], gold)).toBe(97);
    expect(linkError([hit(150, 260, 250)], gold)).toBe(50);
    expect(linkError([hit(120, 130)], gold)).toBe(0);
    expect(linkError([hit(300, 400)], gold)).toBeNull();
  });

  it('reads the link from the url', () => {
    expect(linkSeconds('/r/a%20b?t=42', 10)).toBe(42);
    expect(linkSeconds('/r/x', 10)).toBe(10);
  });

  it('keeps a fixed quarter of recordings out of tuning', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `rec-${i}`);
    const held = ids.filter((id) => splitOf(id) === 'holdout').length;
    expect(held).toBeGreaterThan(70);
    expect(held).toBeLessThan(130);
    expect(splitOf('rec-1')).toBe(splitOf('rec-1'));
  });
});
