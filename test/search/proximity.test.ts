import { describe, expect, it } from 'vitest';
import { nearPairs, proximityGains } from '../../src/retrieval/proximity.js';
import { contentStems } from '../../src/retrieval/text.js';

const asked = (q: string) => contentStems(q, { question: true });

describe('words said together', () => {
  it('pairs the question\'s words within the window, stop words counting toward the distance', () => {
    const q = asked('What was said about rent control in the private sector?');
    expect([...nearPairs(q, 'There is no rent control at all in the private sector.', 'en', 3)].sort()).toEqual(['control rent', 'privat sector']);
    expect([...nearPairs(q, 'Rents went up, and nobody wanted any control.', 'en', 3)]).toEqual([]);
    expect([...nearPairs(q, 'the control of rents', 'en', 2)]).toEqual(['control rent']);
    expect([...nearPairs(q, 'the control of rents', 'en', 1)]).toEqual([]);
  });

  it('gains nothing from a pair every candidate holds, and most from a pair one alone holds', () => {
    const q = asked('remote control battery');
    const candidates = [
      { id: 'agenda', text: 'the remote control, then power and battery, then the buttons' },
      { id: 'answer', text: 'the remote control battery we chose is a pack of two' },
      { id: 'other', text: 'the remote control design' },
    ].map((c) => ({ ...c, question: q, language: 'en' as const }));
    const gains = proximityGains(candidates, { window: 3, weight: 0.2, cap: 2 });
    // "remote control" is in all three: no gain; "control battery" and "remote battery" in the answer alone.
    expect(gains.has('agenda')).toBe(false);
    expect(gains.has('other')).toBe(false);
    expect(gains.get('answer')).toBeCloseTo(0.4, 6);
  });

  it('counts at most `cap` pairs', () => {
    const q = asked('alpha beta gamma delta');
    const candidates = [
      { id: 'a', text: 'alpha beta gamma delta' },
      { id: 'b', text: 'nothing here' },
    ].map((c) => ({ ...c, question: q, language: 'en' as const }));
    expect(proximityGains(candidates, { window: 3, weight: 0.2, cap: 2 }).get('a')).toBeCloseTo(0.4, 6);
  });
});
