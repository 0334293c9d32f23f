import { describe, expect, it } from 'vitest';
import { countOption, textArgument } from '../../src/main/options.js';

describe('command-line counts', () => {
  it('takes a whole number in range and refuses anything else, naming the option and the range', () => {
    const limit = countOption('limit', 1, 500);
    expect(limit('1')).toBe(1);
    expect(limit('500')).toBe(500);
    for (const bad of ['abc', '0', '501', '-1', '2.5', '1e3', '', ' 7']) expect(() => limit(bad), bad).toThrow(/^--limit: .*a whole number from 1 to 500$/);
    const offset = countOption('offset', 0);
    expect(offset('0')).toBe(0);
    expect(() => offset('-1')).toThrow('--offset: not a whole number, 0 or more');
  });

  it('takes a query or question of words, at most 1,000 characters', () => {
    expect(textArgument('question', '  What was decided?  ')).toBe('What was decided?');
    expect(() => textArgument('question', '   ')).toThrow('the question is empty');
    expect(() => textArgument('query', 'x'.repeat(1001))).toThrow('the query is longer than 1000 characters');
    expect(() => textArgument('query', 'a\u0000b')).toThrow(/the query must not contain NUL/);
  });
});
