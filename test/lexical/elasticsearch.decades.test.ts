import { describe, expect, it } from 'vitest';
import { decadeOf, decadesOverlapping } from '../../src/indexes/lexical/decades.js';

/** Pure date → decade logic behind the Elasticsearch adapter's index names and temporal routing. */
describe('decades (Elasticsearch partitioning helpers)', () => {
  it('decadeOf maps a date to its decade and null to undated', () => {
    expect(decadeOf('1987-05-01')).toBe('1980s');
    expect(decadeOf('1980-01-01')).toBe('1980s');
    expect(decadeOf('1979-12-31')).toBe('1970s');
    expect(decadeOf('2020-02-29T10:00:00Z')).toBe('2020s');
    expect(decadeOf('1999')).toBe('1990s');
    expect(decadeOf(null)).toBe('undated');
    expect(decadeOf('')).toBe('undated');
    expect(() => decadeOf('May 1987')).toThrow(/Invalid date/);
    expect(() => decadeOf('87-05-01')).toThrow(/Invalid date/);
  });

  it('decadesOverlapping lists the decades an inclusive range touches, never undated', () => {
    expect(decadesOverlapping('1987-01-01', '1987-12-31')).toEqual(['1980s']);
    expect(decadesOverlapping('1985-01-01', '1995-12-31')).toEqual(['1980s', '1990s']);
    expect(decadesOverlapping('1979-12-31', '1980-01-01')).toEqual(['1970s', '1980s']);
    expect(decadesOverlapping('2075-06-01', undefined)).toEqual(['2070s', '2080s', '2090s', '2100s']);
    expect(decadesOverlapping(null, '1815-01-01')).toEqual(['1800s', '1810s']);
    expect(decadesOverlapping('1990-01-01', '1980-01-01')).toEqual([]);
    expect(decadesOverlapping(undefined, undefined, 1950, 1979)).toEqual(['1950s', '1960s', '1970s']);
    // Explicit bounds are not clipped to minYear/maxYear: a recording from 1750 stays reachable.
    expect(decadesOverlapping('1750-01-01', '1760-12-31')).toEqual(['1750s', '1760s']);
  });
});
