import { describe, expect, it } from 'vitest';
import { openExcerpt, type Excerpt } from '../../src/answer/retrieve.js';
import { deepLink } from '../../src/retrieval/search.js';
import { contentStems } from '../../src/retrieval/text.js';

// An interview: the question's words are in the interviewer's prompt at the end of the excerpt, and the
// answer is the reply after it, which the excerpt (its best moment) does not reach.
const cues = [
  { start: 200.8, end: 210.1, speaker: 'Frank Mulvey', text: 'There was no compensation to speak of. The men had a whip-round.' },
  { start: 211.6, end: 212.4, speaker: 'Interviewer', text: "I'm sorry." },
  { start: 220.7, end: 227.4, speaker: 'Interviewer', text: "I'd like to ask you about the strike now. The big strike, in 1967." },
  { start: 227.9, end: 228.6, speaker: 'Frank Mulvey', text: 'Yes.' },
  { start: 229.4, end: 231.1, speaker: 'Interviewer', text: 'How did that start?' },
  { start: 232.0, end: 264.2, speaker: 'Frank Mulvey', text: 'It started over two things, really. The first was the casual system, the stand.' },
  { start: 264.2, end: 270.2, speaker: 'Frank Mulvey', text: 'And the second thing was the containers.' },
  { start: 270.6, end: 272.9, speaker: 'Nora Mulvey', text: 'Tell her about the meeting, Frank.' },
];

const excerpt = (): Excerpt => ({
  n: 1,
  recording_id: 'docks',
  recording_title: 'Oral history',
  recorded_at: '1974-06-18',
  language: 'en',
  start: 200.8,
  end: 227.4,
  at: 200.8,
  speaker: null,
  speakers: ['Frank Mulvey', 'Interviewer'],
  text: "There was no compensation to speak of. The men had a whip-round. I'm sorry. I'd like to ask you about the strike now. The big strike, in 1967.",
  url: deepLink('docks', 200.8),
  moment_ids: ['docks#9'],
  vector: null,
});

describe('an excerpt opened for a citation', () => {
  it('opens on the reply to a prompt at its end, as a search hit does, and shows that reply', () => {
    const e = excerpt();
    openExcerpt(e, cues, { start: 200.8, end: 227.4 }, contentStems('What was the 1967 strike about?', { question: true }), 'en');
    expect(e.at).toBe(232.0);
    expect(e.url).toBe(deepLink('docks', 232.0));
    // The citation opens inside the excerpt it cites: the excerpt runs on to the end of the sentence its link plays.
    // The citation opens inside the excerpt it cites, and the excerpt runs on to the end of the reply's turn:
    // what a reader (or a model) needs to see of the answer.
    expect(e.end).toBe(270.2);
    expect(e.text).toBe(`${excerpt().text} Yes. How did that start? It started over two things, really. The first was the casual system, the stand. And the second thing was the containers.`);
    expect(e.speaker).toBe('Frank Mulvey');
  });

  it('runs on through the reply only as far as an excerpt may', () => {
    const e = { ...excerpt(), start: 100, text: 'Earlier talk.' };
    openExcerpt(e, [{ start: 100, end: 220.6, speaker: 'Frank Mulvey', text: 'Earlier talk.' }, ...cues.slice(2)], { start: 200.8, end: 227.4 }, contentStems('What was the 1967 strike about?', { question: true }), 'en');
    expect(e.at).toBe(232.0);
    expect(e.end).toBeLessThanOrEqual(250);
    // Its first sentence is shown all the same: the citation opens on it.
    expect(e.text).toBe('Earlier talk. Yes. How did that start? It started over two things, really.');
  });

  it('opens on its best sentence, unchanged, when that is no prompt', () => {
    const e = excerpt();
    openExcerpt(e, cues, { start: 200.8, end: 227.4 }, contentStems('Was there compensation?', { question: true }), 'en');
    expect([e.at, e.end, e.text]).toEqual([200.8, 227.4, excerpt().text]);
  });
});
