import { describe, expect, it } from 'vitest';
import { writeAbbreviatedYears } from '../../src/core/spoken-years.js';
import { parseTemporal } from '../../src/retrieval/temporal.js';

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

  it('is read alike in a question and in the talk: a question routes to a year exactly where the talk would be indexed with it', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const texts = [
      "the strike in '67", "in ’74 we moved", "the '67 men", "in '67 thousands marched", "'67 or so votes", "'67 quid",
      "'67 more people", "about '67 %", "back in '67, before", "he was born in '67.", "'67 pieces", "£'67", "x'67",
    ];
    for (const text of texts) {
      const indexed = writeAbbreviatedYears(text, 2026) !== text;
      const routed = parseTemporal(text, now).range !== null;
      expect({ text, routed }).toEqual({ text, routed: indexed });
    }
  });
});

