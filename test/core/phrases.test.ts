import { describe, expect, it } from 'vitest';
import { quotedPhrases, saysPhrase } from '../../src/core/phrases.js';

describe('quoted phrases in a query', () => {
  it('are read from every kind of quote marks, the words kept in the text', () => {
    expect(quotedPhrases('what was said about "fair rent" in 1987')).toEqual({ phrases: ['fair rent'], text: 'what was said about fair rent in 1987' });
    expect(quotedPhrases('“Hillside estate” roofs')).toEqual({ phrases: ['hillside estate'], text: 'Hillside estate roofs' });
    expect(quotedPhrases('„Neue Heimat“ und «la huelga»')).toEqual({ phrases: ['neue heimat', 'la huelga'], text: 'Neue Heimat und la huelga' });
    expect(quotedPhrases('"rent, control" and "rent control"').phrases).toEqual(['rent control']);
  });

  it('leave a query without pairs of quote marks as it is', () => {
    expect(quotedPhrases('the 5" screen')).toEqual({ phrases: [], text: 'the 5" screen' });
    expect(quotedPhrases('in \'67 and "" or " "')).toEqual({ phrases: [], text: 'in \'67 and "" or " "' });
  });
});

describe('a moment says a phrase', () => {
  it('when its words come in order, whatever their case and the punctuation between them', () => {
    expect(saysPhrase('We want a fair rent scheme.', 'fair rent')).toBe(true);
    expect(saysPhrase('It is not fair. Rent is too high.', 'fair rent')).toBe(true);
    expect(saysPhrase('Der Bürgermeister sagte: „Neue Heimat“.', 'neue heimat')).toBe(true);
    expect(saysPhrase('ÜBER DIE WERFT', 'über die werft')).toBe(true);
    // A hesitation does not unsay it.
    expect(saysPhrase('a fair, uh, rent scheme', 'fair rent')).toBe(true);
    expect(saysPhrase('die Werft, äh, ähm, schloss', 'werft schloss')).toBe(true);
  });

  it('not when a word is another, part of a word or out of order', () => {
    expect(saysPhrase('fair rents for all', 'fair rent')).toBe(false);
    expect(saysPhrase('unfair rent', 'fair rent')).toBe(false);
    expect(saysPhrase('rent is fair', 'fair rent')).toBe(false);
    expect(saysPhrase('fair umbrella rent', 'fair rent')).toBe(false);
    expect(saysPhrase('fair uhh rent', 'fair rent')).toBe(false);
    expect(saysPhrase('a (b) c+d', 'b c d')).toBe(true);
  });
});
