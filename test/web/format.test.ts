import { describe, expect, it } from 'vitest';
import { longDate } from '../../src/http/web/format.js';

describe('longDate', () => {
  it('reads an ISO date or timestamp as day, short month and year, in UTC whatever the server zone', () => {
    expect(longDate('1992-01-11')).toBe('11 Jan 1992');
    expect(longDate('2021-06-03T23:30:00-05:00')).toBe('3 Jun 2021');
    expect(longDate(null)).toBe('undated');
    expect(longDate('not a date')).toBe('not a date');
  });
});
