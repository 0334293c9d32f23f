import { describe, expect, it } from 'vitest';
import { lexicalQuery, otherSpelling, verbForms, withWordForms } from '../../src/retrieval/question.js';
import { detectSpeaker } from '../../src/retrieval/speakers.js';

describe('question framing', () => {
  it('drops the words that frame a question about speech', () => {
    expect(lexicalQuery('Summarize the discussion about the current XML format')).toBe('the about the current XML format');
    expect(lexicalQuery('What did F think about the budget?')).toBe('did F about the budget?');
    expect(lexicalQuery('What was the attitude of the team towards the budget?')).toBe('was the attitude of the budget?');
  });
  it('keeps a question made only of framing words', () => {
    expect(lexicalQuery('What was said?')).toBe('What was said?');
  });
});

describe('word forms a stemmer does not join', () => {
  it('adds the other spelling, British or American', () => {
    expect(otherSpelling('color')).toBe('colour');
    expect(otherSpelling('prioritisation')).toBe('prioritization');
    expect(otherSpelling('battery')).toBeNull();
    expect(lexicalQuery('Which colour did they pick for the case?')).toBe('colour did they pick for the case? color');
  });
  it('adds the irregular forms of a verb, both ways', () => {
    expect(verbForms('rise').sort()).toEqual(['risen', 'rose']);
    expect(verbForms('chose').sort()).toEqual(['choose', 'chosen']);
  });
  it('adds nothing the stemmer already joins, nor for words that are no verb', () => {
    expect(verbForms('decide')).toEqual([]);
    expect(verbForms('batteries')).toEqual([]);
  });
  it('asks the lexical leg for them, not for names or nouns after a determiner', () => {
    expect(lexicalQuery('How high did the River Wend rise in the 2006 flood?')).toBe('high did the River Wend rise in the 2006 flood? rose risen');
    expect(withWordForms('How were dockers picked before the stand was abolished?')).toBe('How were dockers picked before the stand was abolished?');
  });
  it('leaves other languages as they are', () => {
    expect(withWordForms('¿Cuánto subió el billete?', 'es')).toBe('¿Cuánto subió el billete?');
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
