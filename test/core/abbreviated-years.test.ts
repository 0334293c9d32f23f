import { describe, expect, it } from 'vitest';
import { writeAbbreviatedYears } from '../../src/core/spoken-years.js';

describe('a year written by its last two digits', () => {
  it('adds the whole year after the text: the latest ending so that is not after the recording', () => {
    expect(writeAbbreviatedYears("The big strike, in '67.", 1974)).toBe("The big strike, in '67. 1967");
    expect(writeAbbreviatedYears('the ’74 floods and the ’24 ones', 2026)).toBe('the ’74 floods and the ’24 ones 1974 2024');
    expect(writeAbbreviatedYears("back in '30, before the war", 1974)).toBe("back in '30, before the war 1930");
    expect(writeAbbreviatedYears("in the '60s", 1974)).toBe("in the '60s 1960s");
  });

  it('is replaced by the whole year in a question', () => {
    expect(writeAbbreviatedYears("why did the dockers strike in '67?", 2026, 'replace')).toBe('why did the dockers strike in 1967?');
  });

  it('leaves counts, quotes and words with an apostrophe as they are', () => {
    for (const text of ["'67 people came", "he said '12'", "rock'n'roll 67", "it's 67", "the '67%", "'6", "'678", 'he is 6\'10" tall']) {
      expect(writeAbbreviatedYears(text, 1974)).toBe(text);
    }
  });
});
