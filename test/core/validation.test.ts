import { describe, expect, it } from 'vitest';
import { isoDate, rangeEnd, rangeStart } from '../../src/core/validation.js';

describe('dates at the edge', () => {
  it('a range reads a year or a month as its first day where it starts and its last where it ends', () => {
    expect(rangeStart.parse('1987')).toBe('1987-01-01');
    expect(rangeEnd.parse('1987')).toBe('1987-12-31');
    expect(rangeStart.parse('1987-02')).toBe('1987-02-01');
    expect(rangeEnd.parse('1988-02')).toBe('1988-02-29');
    expect(rangeEnd.parse('1987-02')).toBe('1987-02-28');
    expect(rangeEnd.parse(' 1987-03-12 ')).toBe('1987-03-12');
  });

  it('refuses what is no date, naming the forms it takes', () => {
    for (const bad of ['87', '1987-13', '1987-02-30', '0000', 'yesterday', '1987-1', '']) {
      const r = rangeEnd.safeParse(bad);
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0].message, bad).toBe(`not a date (YYYY-MM-DD, YYYY-MM or YYYY): "${bad}"`);
    }
  });

  it('a date that is one day (a recording\'s) is still written whole', () => {
    expect(isoDate.parse('1987-03-12')).toBe('1987-03-12');
    expect(isoDate.safeParse('1987').success).toBe(false);
  });
});
