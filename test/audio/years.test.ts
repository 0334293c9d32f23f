import { describe, expect, it } from 'vitest';
import { wordsToCues } from '../../src/ingest/audio/sentences.js';
import { spokenYears } from '../../src/ingest/audio/years.js';
import type { Word } from '../../src/core/domain.js';

/** Words said one after another, 0.3 s each with 0.1 s between them, as an engine without punctuation gives them. */
const said = (text: string, o: { speaker?: string; confidence?: number } = {}): Word[] =>
  text.split(' ').map((t, i) => ({ start: i * 0.4, end: i * 0.4 + 0.3, text: t, ...o }));
const heard = (text: string) => wordsToCues(said(text), { punctuated: false }).map((c) => c.text).join(' | ');

describe('spoken years, from an engine that writes numbers as words', () => {
  it('are written in digits, as a transcriber writes them', () => {
    expect(heard('the strike of nineteen sixty seven')).toBe('the strike of 1967');
    expect(heard('back in nineteen sixty we')).toBe('back in 1960 we');
    expect(heard('in nineteen oh five')).toBe('in 1905');
    expect(heard('since nineteen hundred')).toBe('since 1900');
    expect(heard('in twenty twenty one and twenty ten')).toBe('in 2021 and 2010');
    expect(heard('nineteen nineteen')).toBe('1919');
    expect(heard('in the nineteen sixties')).toBe('in the 1960s');
    expect(heard('around sixteen sixty six')).toBe('around 1666');
    // An engine with a Spanish or German model writes their numbers as words too.
    expect(heard('la huelga de mil novecientos sesenta y siete')).toBe('la huelga de 1967');
    expect(heard('die Werft wurde neunzehnhundert sechsundachtzig geschlossen')).toBe('die Werft wurde 1986 geschlossen');
  });

  it('keep the time of their words and the least confidence among them', () => {
    const [cue] = wordsToCues([...said('in', { confidence: 0.9 }), ...said('nineteen sixty seven', { confidence: 0.8 }).map((w) => ({ ...w, start: w.start + 0.4, end: w.end + 0.4 }))].map((w, i) => (i === 3 ? { ...w, confidence: 0.6 } : w)), { punctuated: false });
    expect(cue.words!.map((w) => [w.text, w.start, w.end, w.confidence])).toEqual([
      ['in', 0, 0.3, 0.9],
      ['1967', 0.4, 1.5, 0.6],
    ]);
  });

  it('leave prices, ranges and numbers said twice in meeting talk as they were said', () => {
    // Heard in the dev meetings: none of these is a year.
    for (const talk of [
      'built them like twenty twenty years ago',
      'cost us upwards of seventeen fifty euro per remote',
      'sixteen seventeen eighteen pounds',
      'shipped over for like twenty thirty pounds about',
      'eleven thirteen nineteen twenty one divided by five',
      'forty six nineteen fifty seven yep',
      'there is about twenty twenty two or twenty four of them',
      'if we had a budget of twenty twenty uh euros',
    ]) expect(heard(talk)).toBe(talk);
    // Heard there too, and years.
    expect(heard('a TI or MIT from nineteen eighty five')).toBe('a TI or MIT from 1985');
    expect(heard('it is like nineteen eighties')).toBe('it is like 1980s');
  });

  it('leave counts, times of day and words said apart as they were said', () => {
    expect(heard('twenty five people')).toBe('twenty five people');
    expect(heard('two thousand and five')).toBe('two thousand and five');
    expect(heard('at eleven fifteen')).toBe('at eleven fifteen');
    expect(heard('nineteen people')).toBe('nineteen people');
    expect(heard('twenty hundred')).toBe('twenty hundred');
    // Another speaker's word, or a pause, is not part of the number.
    const two = [...said('nineteen', { speaker: 'A' }), ...said('sixty', { speaker: 'B' }).map((w) => ({ ...w, start: 0.4, end: 0.7 }))];
    expect(wordsToCues(two, { punctuated: false }).map((c) => c.text)).toEqual(['nineteen', 'sixty']);
    const apart = [...said('nineteen'), { start: 1.5, end: 1.8, text: 'sixty' }];
    expect(wordsToCues(apart, { punctuated: false }).map((c) => c.text)).toEqual(['nineteen', 'sixty']);
  });

  it('are read in a recording of hours, its other words kept as they were', () => {
    const long = said(`${'and then we talked '.repeat(75_000)}in nineteen sixty seven`);
    const out = spokenYears(long);
    expect(out).toHaveLength(long.length - 2);
    expect(out.at(-1)!.text).toBe('1967');
    expect(out.slice(0, -1)).toEqual(long.slice(0, -3));
  });

  it('are left to an engine that punctuates, which writes digits itself', () => {
    expect(wordsToCues(said('nineteen sixty seven.'), { punctuated: true }).map((c) => c.text)).toEqual(['nineteen sixty seven.']);
  });
});
