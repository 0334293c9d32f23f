import { describe, expect, it } from 'vitest';
import { htmlLang, longDate } from '../../src/http/web/format.js';

describe('longDate', () => {
  it('reads an ISO date or timestamp as day, short month and year, in UTC whatever the server zone', () => {
    expect(longDate('1992-01-11')).toBe('11 Jan 1992');
    expect(longDate('2021-06-03T23:30:00-05:00')).toBe('3 Jun 2021');
    expect(longDate(null)).toBe('undated');
    expect(longDate('not a date')).toBe('not a date');
  });
});

describe('htmlLang', () => {
  it("gives a recording's language as an HTML lang value: its tag, canonical; a name as its code; the default when it has none", () => {
    expect(htmlLang('es', 'en')).toBe('es');
    expect(htmlLang('de-de', 'en')).toBe('de-DE');
    expect(htmlLang('tlh', 'en')).toBe('tlh');
    expect(htmlLang('Español', 'en')).toBe('es');
    expect(htmlLang('Deutsch', 'en')).toBe('de');
    expect(htmlLang(null, 'es')).toBe('es');
    expect(htmlLang('', 'de')).toBe('de');
    // Stored before tags were checked: better no lang than a wrong one.
    expect(htmlLang('klingon!!', 'en')).toBeUndefined();
  });
});
