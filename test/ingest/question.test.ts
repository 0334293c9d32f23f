import { describe, expect, it } from 'vitest';
import { lexicalQuery } from '../../src/retrieval/question.js';
import { detectSpeaker } from '../../src/retrieval/speakers.js';

describe('question framing', () => {
  it('drops the words that frame a question about speech', () => {
    expect(lexicalQuery('Summarize the discussion about the current XML format')).toBe('the about the current XML format');
    expect(lexicalQuery('What did F think about the budget?')).toBe('did F about the budget?');
  });
  it('keeps a question made only of framing words', () => {
    expect(lexicalQuery('What was said?')).toBe('What was said?');
  });
});

describe('speaker detection', () => {
  const labels = ['Marketing', 'Project Manager', 'Manager', 'PhD F', 'A', 'Industrial Designer'];
  it.each([
    ['what did the marketing lead say about the price', 'Marketing'],
    ['What did Project Manager think about the budget?', 'Project Manager'],
    ["the industrial designer's opinion on batteries", 'Industrial Designer'],
    ['according to PhD F, how fast was it', 'PhD F'],
  ])('%s → %s', (q, label) => {
    expect(detectSpeaker(q, labels)?.label).toBe(label);
  });
  it.each(['marketing budget for next year', 'what did they say about a remote', 'the manager of the project'])('no speaker in "%s"', (q) => {
    expect(detectSpeaker(q, labels)).toBeNull();
  });
});
