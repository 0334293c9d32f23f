import { describe, expect, it } from 'vitest';
import { bestSentenceStart, linkOffset, sentencesToLink } from '../../src/retrieval/localise.js';
import { contentStems } from '../../src/retrieval/text.js';
import { cueSentences, splitSentences } from '../../src/core/sentences.js';
import { transcriptSentences } from '../../src/retrieval/text.js';

const asked = (q: string) => contentStems(q, { question: true });

describe('the sentence a link opens on', () => {
  const cues = [
    { start: 0, end: 10, speaker: 'Host', text: 'Good morning. Today we talk about the town.' },
    { start: 10, end: 20, speaker: 'Guest', text: 'The library opened in 1968. It had three floors.' },
    { start: 20, end: 30, speaker: 'Guest', text: 'The harbour strike came in 1967 and lasted six weeks.' },
  ];

  it('is the sentence holding most of the question words, not the window start', () => {
    expect(bestSentenceStart(cues, 0, 30, asked('How long did the harbour strike last?'))).toBe(20);
    expect(bestSentenceStart(cues, 0, 30, asked('When did the library open?'))).toBe(10);
  });

  it('stays at the window start when no sentence holds a question word', () => {
    expect(bestSentenceStart(cues, 0, 30, asked('What about bicycles?'))).toBe(0);
  });

  it('opens on the reply when the best sentence is a question to another speaker', () => {
    const interview = [
      { start: 0, end: 4, speaker: 'Interviewer', text: 'But the containers came anyway.' },
      { start: 5, end: 8, speaker: 'Interviewer', text: 'Do you remember the first container ship?' },
      { start: 9, end: 30, speaker: 'Docker', text: 'I was there. She was in and out in thirty-six hours.' },
    ];
    expect(bestSentenceStart(interview, 0, 20, asked('How quickly was the first container ship unloaded?'))).toBe(9);
  });

  it('opens on the reply when the window is the question alone', () => {
    const interview = [
      { start: 5, end: 8, speaker: 'Interviewer', text: 'Do you remember the first container ship?' },
      { start: 9, end: 30, speaker: 'Docker', text: 'I was there. She was in and out in thirty-six hours.' },
    ];
    expect(bestSentenceStart(interview, 5, 8, asked('How quickly was the first container ship unloaded?'))).toBe(9);
  });

  it('opens on the reply when the best sentence is a short prompt that ends its speaker’s turn', () => {
    const interview = [
      { start: 0, end: 12, speaker: 'Librarian', text: 'We open the doors of the new library on Monday, with three floors of books.' },
      { start: 12, end: 15, speaker: 'Host', text: 'And it replaces the old library on Chapel Street.' },
      { start: 15, end: 30, speaker: 'Librarian', text: 'It does. Chapel Street was built for a town a third the size.' },
    ];
    expect(bestSentenceStart(interview, 0, 30, asked('What did the new library replace on Chapel Street?'))).toBe(15);
  });

  it('opens on the reply when the best sentence begins a short turn that ends on a question to another speaker', () => {
    const interview = [
      { start: 406, end: 410, speaker: 'Gisela', text: 'Am Abend war die halbe Werftstraße in der Kneipe.' },
      { start: 410.9, end: 415.4, speaker: 'Interviewerin', text: 'Im September haben die Kollegen die Werft besetzt. Waren Sie dabei?' },
      { start: 415.9, end: 432, speaker: 'Heinz', text: 'Die ganzen acht Tage, vom 12. bis zum 20. September. Wir haben das Tor zugemacht.' },
    ];
    const asked = contentStems('Wie lange hielten die Arbeiter die Werft besetzt?', { question: true, language: 'de' });
    expect(bestSentenceStart(interview, 406, 432, asked, { language: 'de' })).toBe(415.9);
    // Not when the turn is long: a speaker who goes on and then asks holds the answer.
    const long = interview.map((c) => (c.speaker === 'Interviewerin' ? { ...c, start: 380 } : c));
    expect(bestSentenceStart(long, 380, 432, asked, { language: 'de' })).toBe(380);
  });

  it('stays on the best sentence when it is part of a long turn', () => {
    const monologue = [
      { start: 0, end: 28, speaker: 'Host', text: 'It is ten past eleven on Thursday morning and there is really only one subject today, the weather, and the rain. The River Wend.' },
      { start: 28, end: 40, speaker: 'Officer', text: 'We had four days of heavy rain up in the hills.' },
    ];
    expect(bestSentenceStart(monologue, 0, 40, asked('What did the host say about the River Wend?'))).toBeLessThan(28);
  });

  it('stays on the best sentence of a long turn that the window cuts into, however little of it the window holds', () => {
    const interview = [
      { start: 0, end: 2, speaker: 'Host', text: 'So it is arithmetic.' },
      { start: 2, end: 26, speaker: 'Librarian', text: 'Partly arithmetic. But it is also who is reading. The students read them. If the library only has the hardback, it looks as if the library is not for them.' },
      { start: 27, end: 28, speaker: 'Host', text: 'Mm.' },
      { start: 28, end: 40, speaker: 'Librarian', text: 'And I want them in the door.' },
    ];
    const last = cueSentences(interview[1]).at(-1)!;
    const q = asked('Why did the library decide to lend paperbacks?');
    // The window starts on the turn's last sentence: the turn is 24 s long, not a prompt.
    expect(bestSentenceStart(interview, last.start, 40, q)).toBe(last.start);
    // Across two cues of one speaker, too.
    const split = [interview[0], { ...interview[1], end: 14, text: 'Partly arithmetic. But it is also who is reading.' }, { ...interview[1], start: 14, text: 'The students read them. If the library only has the hardback, it looks as if the library is not for them.' }, ...interview.slice(2)];
    const cut = cueSentences(split[2]).at(-1)!;
    expect(bestSentenceStart(split, cut.start, 40, q)).toBe(cut.start);
    // A short turn is still a prompt when the window starts inside it.
    const short = [interview[0], { ...interview[1], start: 18 }, ...interview.slice(2)];
    expect(bestSentenceStart(short, cueSentences(short[1]).at(-1)!.start, 40, q)).toBe(28);
  });

  it('opens past the backchannel that answers a prompt, on the first turn that says something', () => {
    const meeting = [
      { start: 0, end: 3, speaker: 'Chair', text: 'Which brings us to speech recognition.' },
      { start: 3.5, end: 4, speaker: 'Helen', text: 'Mm-hmm.' },
      { start: 4.2, end: 5, speaker: 'Sam', text: 'Yeah, right.' },
      { start: 5.5, end: 20, speaker: 'Helen', text: 'So we ran a test. On the oral histories the error rate was 35 percent.' },
    ];
    const q = asked('How accurate was speech recognition?');
    expect(bestSentenceStart(meeting, 0, 20, q)).toBe(5.5);
    // A question answered by a short reply that is all the window reads: that reply.
    const qa = [
      { start: 0, end: 3, speaker: 'Chair', text: 'Did the speech recognition work?' },
      { start: 3.5, end: 4, speaker: 'Helen', text: 'Mostly, yes.' },
    ];
    expect(bestSentenceStart(qa, 0, 4, asked('Did speech recognition work?'))).toBe(3.5);
  });

  it('opens past a prompt that its speaker asks on after the reply\'s backchannel, on the answer to that question', () => {
    const interview = [
      { start: 220.7, end: 227.4, speaker: 'Interviewer', text: "I'd like to ask you about the strike now. The big strike, in 1967." },
      { start: 227.9, end: 228.6, speaker: 'Frank', text: 'Yes.' },
      { start: 229.4, end: 231.1, speaker: 'Interviewer', text: 'How did that start?' },
      { start: 232.0, end: 264.2, speaker: 'Frank', text: 'It started over two things, really. The first was the casual system.' },
    ];
    const q = asked('Why did the dockers strike in 1967?');
    expect(bestSentenceStart(interview, 220.7, 227.4, q)).toBe(232.0);
    // "Why?" says too little to be more than a backchannel, and asks on all the same.
    const why = [...interview.slice(0, 2), { ...interview[2], text: 'Why?' }, interview[3]];
    expect(bestSentenceStart(why, 220.7, 227.4, q)).toBe(232.0);
    // What the prompt's speaker says on, not asking, is the talk after the prompt.
    const told = [...interview.slice(0, 2), { ...interview[2], text: 'My father was on the docks then, you see.' }, interview[3]];
    expect(bestSentenceStart(told, 220.7, 227.4, q)).toBe(229.4);
    // A vote: the chair asks on ("Against?") until the result, a turn that says something before it asks again.
    const vote = [
      { start: 465.3, end: 483.3, speaker: 'Chair', text: 'Then we vote. The motion is: council rents increase by six percent. Those in favour?' },
      { start: 484.2, end: 484.9, speaker: 'Clerk', text: 'Seven.' },
      { start: 485.2, end: 485.9, speaker: 'Chair', text: 'Against?' },
      { start: 487.1, end: 487.8, speaker: 'Clerk', text: 'Four.' },
      { start: 491.5, end: 512.0, speaker: 'Chair', text: 'The motion is carried, seven to four. Now, the Riverside Cooperative lease. Those in favour?' },
      { start: 512.4, end: 513.1, speaker: 'Clerk', text: 'Nine.' },
    ];
    expect(bestSentenceStart(vote, 465.3, 483.3, asked('How did the committee vote on the rent increase?'))).toBe(491.5);
  });

  it('finds the reply just after the window', () => {
    const qa = [
      { start: 0, end: 5, speaker: 'A', text: 'Some talk about nothing much.' },
      { start: 6, end: 9, speaker: 'A', text: 'What did the survey say about price?' },
      { start: 12, end: 20, speaker: 'B', text: 'Most people would pay twenty five euro.' },
    ];
    expect(bestSentenceStart(qa, 0, 10, asked('What did the survey find about the price?'))).toBe(12);
  });

  it('finds in the passage\'s text the sentence its link opens on, a repeated one where its time puts it', () => {
    const cues = [
      { start: 0, end: 2, speaker: 'A', text: 'Yes.' },
      { start: 2, end: 12, speaker: 'B', text: 'The ferry runs at nine. The bus meets it.' },
      { start: 12, end: 14, speaker: 'A', text: 'Yes.' },
      { start: 14, end: 20, speaker: 'B', text: 'And the fares go up in March.' },
    ];
    const text = cues.map((c) => c.text).join(' ');
    const span = { start: 0, end: 20 };
    expect(linkOffset(text, cues, span, 12)).toBe(text.lastIndexOf('Yes.'));
    expect(linkOffset(text, cues, span, 0)).toBe(0);
    const second = cueSentences(cues[1])[1];
    expect(linkOffset(text, cues, span, second.start)).toBe(text.indexOf('The bus'));
    expect(linkOffset(text, cues, span, 5.5)).toBeUndefined(); // no sentence starts there
    expect(linkOffset('other words', cues, span, 14)).toBeUndefined();
  });
});

describe('sentences', () => {
  it('shown past a passage run from its end to the end of the reply its link opens on', () => {
    const interview = [
      { start: 5, end: 8, speaker: 'Interviewer', text: 'Do you remember the first container ship?' },
      { start: 9, end: 20, speaker: 'Docker', text: 'I was there. She was in and out in thirty-six hours.' },
    ];
    expect(sentencesToLink(interview, 8, 9)).toMatchObject({ text: 'I was there.' });
    expect(sentencesToLink(interview, 8, 9)!.end).toBeGreaterThan(9);
    expect(sentencesToLink(interview, 20, 9)).toBeNull();
  });

  it('quote spaced transcript marks as written text, joining a contraction but not an apostrophe that opens a word', () => {
    expect(transcriptSentences("I do n't know , we 're late . It 's fine .")).toEqual(["I don't know, we're late.", "It's fine."]);
    expect(transcriptSentences("The Harbour Memories project from 1973 and '74. The docker on the '67 strike, 'a long one'.")).toEqual([
      "The Harbour Memories project from 1973 and '74.",
      "The docker on the '67 strike, 'a long one'.",
    ]);
  });

  it('do not end inside a number', () => {
    expect(splitSentences('The fare is £16.40 a week. That is 2.5 times more!')).toEqual(['The fare is £16.40 a week.', 'That is 2.5 times more!']);
  });

  it('share a cue’s time by length without word times, and follow word times when there are some', () => {
    const byLength = cueSentences({ start: 0, end: 30, text: 'One two three. Four five six.' });
    expect(byLength.map((x) => Math.round(x.start))).toEqual([0, 15]);
    const words = ['One', 'two', 'three.', 'Four', 'five', 'six.'].map((w, i) => ({ text: w, start: i * 2 + (i > 2 ? 10 : 0), end: i * 2 + 1 + (i > 2 ? 10 : 0) }));
    const byWords = cueSentences({ start: 0, end: 30, text: 'One two three. Four five six.', words });
    expect(byWords.map((x) => x.start)).toEqual([0, 16]);
  });
});
