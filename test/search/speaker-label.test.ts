import { describe, expect, it } from 'vitest';
import { withoutLabel } from '../../src/retrieval/speakers.js';

describe('the lexical text of a speaker question', () => {
  it('drops the speaker label the filter already applies, possessive and any case included', () => {
    expect(withoutLabel('What did PhD E think about improving the model?', 'PhD E').replace(/\s+/g, ' ')).toBe('What did think about improving the model?');
    expect(withoutLabel("What was Grad C's view on the SPG schema?", 'grad c').replace(/\s+/g, ' ')).toBe('What was view on the SPG schema?');
    // A label inside another word stays: "Ed" is not in "Edinburgh".
    expect(withoutLabel('Did Ed mention Edinburgh?', 'Ed').replace(/\s+/g, ' ')).toBe('Did mention Edinburgh?');
  });

  it('keeps the question when the label is all there is, or when there is no filter', () => {
    expect(withoutLabel('PhD E', 'PhD E')).toBe('PhD E');
    expect(withoutLabel('What did PhD E say?', undefined)).toBe('What did PhD E say?');
  });
});
