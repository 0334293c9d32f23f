import { describe, expect, it } from 'vitest';
import type { Excerpt } from '../../src/answer/retrieve.js';
import { isClaim, verifyAnswer } from '../../src/answer/verify.js';
import { splitSentences } from '../../src/retrieval/text.js';
import { deepLink } from '../../src/retrieval/search.js';
import { asksWhy, quotedAnswer } from '../../src/answer/extractive.js';
import { buildMessages } from '../../src/answer/prompt.js';

const extractiveAnswer = (...args: Parameters<typeof quotedAnswer>) => quotedAnswer(...args)?.answer ?? null;

const excerpt = (n: number, text: string, extra: Partial<Excerpt> = {}): Excerpt => ({
  n,
  recording_id: `rec${n}`,
  recording_title: `Meeting ${n}`,
  recorded_at: '1992-01-11',
  language: null,
  start: 10.4 * n,
  at: 10.4 * n,
  end: 10.4 * n + 60,
  speaker: 'Project Manager',
  speakers: ['Project Manager', 'Marketing'],
  text,
  url: deepLink(`rec${n}`, 10.4 * n),
  moment_ids: [`rec${n}#0`],
  vector: 0.6,
  ...extra,
});

const EXCERPTS = [
  excerpt(1, "Uh , making a profit of fifty million Euros . So we need to sell it for twenty five Euros , that's the selling price we are aiming for ."),
  excerpt(2, "I think it should be slim and it should have a little gimmick , like you whistle and it beeps so you can find it when it's lost under the sofa ."),
  excerpt(3, 'The batteries could be double A or triple A , and we have to decide which before the next meeting .'),
];

describe('citation verification (lexical only: no embedder)', () => {
  it('removes invented citation numbers from the text and lists them', async () => {
    const v = await verifyAnswer(
      'The selling price is twenty five Euros [1][7]. The remote should be slim with a whistle gimmick [2, 9]. It will be made of solid gold [12].',
      EXCERPTS,
      null,
    );
    expect(v.removed_citations).toEqual([7, 9, 12]);
    expect(v.answer).not.toMatch(/\[(7|9|12)\]/);
    expect(v.answer).toContain('twenty five Euros [1].');
    expect(v.answer).toContain('whistle gimmick [2].');
    // Its only citation was invented: the sentence is now an uncited claim, and it goes.
    expect(v.answer).not.toContain('gold');
    expect(v.unsupported).toEqual([expect.objectContaining({ reason: 'invented_citation', sentence: 'It will be made of solid gold.' })]);
    expect(v.citations.map((c) => c.n)).toEqual([1, 2]);
  });

  it('flags a cited sentence its excerpt does not support, and keeps supported ones', async () => {
    const v = await verifyAnswer(
      'They aim for a profit of fifty million Euros [1]. The team decided to launch a chocolate submarine in Antarctica [2]. The batteries could be double A or triple A [3].',
      EXCERPTS,
      null,
    );
    expect(v.unsupported).toHaveLength(1);
    expect(v.unsupported[0]).toMatchObject({ reason: 'not_supported', citations: [2], sentence: 'The team decided to launch a chocolate submarine in Antarctica [2].' });
    expect(v.unsupported[0].lexical).toBeLessThan(0.5);
    expect(v.answer).toBe('They aim for a profit of fifty million Euros [1]. The batteries could be double A or triple A [3].');
    expect(v.citations.map((c) => c.n)).toEqual([1, 3]);
  });

  it('flags uncited claims but keeps statements about the excerpts themselves', async () => {
    const v = await verifyAnswer(
      'The selling price is twenty five Euros [1]. The board later cut the marketing budget in half. The excerpts do not say who chose the colour.',
      EXCERPTS,
      null,
    );
    expect(v.unsupported).toEqual([expect.objectContaining({ reason: 'uncited', sentence: 'The board later cut the marketing budget in half.', citations: [] })]);
    expect(v.answer).toBe('The selling price is twenty five Euros [1]. The excerpts do not say who chose the colour.');
    expect(isClaim('Yes.')).toBe(false);
    expect(isClaim('In short:')).toBe(false);
  });

  it('reads digits as the spoken numbers of transcripts, and rejects numbers the excerpt never says', async () => {
    const v = await verifyAnswer('The target profit is 50 million Euros [1]. The selling price is 30 Euros [1].', EXCERPTS, null);
    expect(v.answer).toBe('The target profit is 50 million Euros [1].');
    expect(v.unsupported[0]).toMatchObject({ reason: 'not_supported', missing_numbers: ['thirty'] });
  });

  it('reads a year as one word, not as a count: 1968 against 1967 is a number the excerpt never says', async () => {
    const strike = [excerpt(1, 'There was a mass meeting on the 4th of September, 1967. Two thousand three hundred men came.')];
    expect((await verifyAnswer('The meeting was in September 1967 [1].', strike, null)).unsupported).toEqual([]);
    const v = await verifyAnswer('The meeting was in September 1968 [1].', strike, null);
    expect(v.unsupported[0]).toMatchObject({ reason: 'not_supported', missing_numbers: ['1968'] });
  });

  it('counts what the excerpt header told the model (title, date) as backed', async () => {
    const v = await verifyAnswer('In the January 1992 meeting 1, a profit of fifty million Euros was the target [1].', EXCERPTS, null);
    expect(v.unsupported).toEqual([]);
  });

  it('accepts citation lists and ranges, writes them as [n][m], and keeps line breaks', async () => {
    const v = await verifyAnswer('- Profit of fifty million Euros, selling price twenty five Euros [1-2]\n- Batteries: double A or triple A [Excerpt 3, 1]', EXCERPTS, null);
    expect(v.answer).toBe('- Profit of fifty million Euros, selling price twenty five Euros [1][2]\n- Batteries: double A or triple A [3][1]');
    expect(v.citations.map((c) => c.n)).toEqual([1, 2, 3]);
    expect(v.citations[0]).toEqual({
      n: 1, recording_id: 'rec1', recording_title: 'Meeting 1', recorded_at: '1992-01-11', language: null, start: 10.4, end: 70.4, at: 10.4,
      speaker: 'Project Manager', text: EXCERPTS[0].text, url: '/r/rec1?t=10.4', moment_ids: ['rec1#0'],
    });
  });

  it('checks a quotation of several sentences as one claim, cited at its end', async () => {
    const text = 'Marketing: "I think it should be slim. It should have a little gimmick, like you whistle and it beeps." [2]\nThe batteries could be double A or triple A [3].';
    const v = await verifyAnswer(text, EXCERPTS, null);
    expect(v.unsupported).toEqual([]);
    expect(v.answer).toBe(text);
    const invented = await verifyAnswer('Marketing: "It should be slim. It should be made of solid gold." [2]', EXCERPTS, null);
    expect(invented.answer).toBe('');
    expect(invented.unsupported).toEqual([expect.objectContaining({ reason: 'not_supported', citations: [2] })]);
  });

  it('splits sentences with citations after the full stop and abbreviations inside', () => {
    expect(splitSentences('Dr. Smith spoke first. [1] Then the price, 25.5 Euros, was set [2]. Done!').map((s) => s.text)).toEqual([
      'Dr. Smith spoke first. [1]',
      'Then the price, 25.5 Euros, was set [2].',
      'Done!',
    ]);
  });

  it('builds deep links that open where the cited talk begins, to the millisecond', () => {
    expect(deepLink('a b', 12.2)).toBe('/r/a%20b?t=12.2');
    expect(deepLink('x', 12)).toBe('/r/x?t=12');
    expect(deepLink('x', 381.98049)).toBe('/r/x?t=381.98');
  });
});

describe('extractive answers and the prompt', () => {
  it('quotes the sentences closest to the question, best first, with their citations and speakers', async () => {
    const cues = new Map([['rec1', [{ start: 11, end: 30, speaker: 'Marketing', text: 'Uh, making a profit of fifty million Euros.' }]]]);
    const quoted = quotedAnswer('What profit and selling price in Euros did they aim for?', EXCERPTS, cues)!;
    const text = quoted.answer;
    expect(text).toBe(
      '"So we need to sell it for twenty five Euros, that\'s the selling price we are aiming for." [1]\n' +
        'Marketing: "Uh, making a profit of fifty million Euros." [2]',
    );
    // Each citation says which of its passage's sentences it quotes, for a client to mark.
    expect(quoted.excerpts.map((e) => e.quote)).toEqual(["So we need to sell it for twenty five Euros, that's the selling price we are aiming for.", 'Uh, making a profit of fifty million Euros.']);
    const v = await verifyAnswer(text, quoted.excerpts, null);
    expect(v.unsupported).toEqual([]);
    expect(v.answer).toBe(text);
    expect(v.citations.map((c) => c.quote)).toEqual(quoted.excerpts.map((e) => e.quote));
    expect(extractiveAnswer('What about elephants and giraffes?', EXCERPTS, new Map())).toBeNull();
  });

  it('does not quote a count for a year: the year is one word, not "one thousand nine hundred…"', () => {
    const docks = [excerpt(1, "There was a mass meeting on the 4th of September, 1967, behind the Seamen's Mission. Two thousand three hundred men. Every docker in the port.")];
    const answer = extractiveAnswer('Why did the dockers go on strike in 1967?', docks, new Map());
    expect(answer).toContain('"There was a mass meeting on the 4th of September, 1967, behind the Seamen\'s Mission." [1]');
    expect(answer).not.toContain('Two thousand three hundred men.');
  });

  it('asked why, quotes the cause said just after the sentence that matches, though it shares no word of the question', () => {
    const design = [excerpt(1, "The kinetic charger is out. Because it weighs as much as the rest of the remote, and it costs four euro on its own. Right, the buttons. Marketing wants fewer of them.")];
    expect(extractiveAnswer('Why did the team reject the kinetic charger?', design, new Map())).toBe(
      '"The kinetic charger is out." [1]\n"Because it weighs as much as the rest of the remote, and it costs four euro on its own." [1]',
    );
    // Not asked why: the cause is no answer to what was decided.
    expect(extractiveAnswer('What did the team decide about the kinetic charger?', design, new Map())).toBe('"The kinetic charger is out." [1]');
    const pleno = [excerpt(1, 'Los pescadores no quieren ir al muelle de Levante. Porque allí un barco pequeño no está seguro con mar del nordeste. Pasamos al segundo punto.')];
    expect(extractiveAnswer('¿Por qué no querían los pescadores ir al muelle de Levante?', pleno, new Map(), 'es')).toContain('"Porque allí un barco pequeño no está seguro con mar del nordeste." [1]');
  });

  it('reads a question that asks why in each language', () => {
    expect(['Why was it rejected?', 'How come nobody asked?', 'What were the reasons for the delay?'].every((q) => asksWhy(q))).toBe(true);
    expect(['¿Por qué se cerró?', '¿Cuál fue el motivo del cierre?'].every((q) => asksWhy(q, 'es'))).toBe(true);
    expect(['Warum lehnte die Verwaltung ab?', 'Weshalb sollte das Bad schließen?'].every((q) => asksWhy(q, 'de'))).toBe(true);
    expect(['Who chose the batteries?', 'What is the reason code field?'].some((q) => asksWhy(q))).toBe(false);
    expect(asksWhy('¿Qué pedían los vecinos?', 'es')).toBe(false);
  });

  it('reads the question as the search does: word forms joined, a stray shared word no answer', () => {
    const flood = [excerpt(1, 'The river rose all day Tuesday, and it peaked at 4.6 metres on the gauge.'), excerpt(2, 'Our tenants have not had a nine percent pay rise this year.')];
    expect(extractiveAnswer('How high did the River Wend rise?', flood, new Map())).toBe('"The river rose all day Tuesday, and it peaked at 4.6 metres on the gauge." [1]');
  });

  it('quotes a short sentence that holds the question\'s words, but no short filler that shares one', () => {
    const cues = new Map([['rec1', [
      { start: 10.4, end: 14, speaker: 'Chair', text: 'The lighthouse needs repairs.' },
      { start: 14, end: 20, speaker: 'Clerk', text: 'Yeah, the lighthouse. The Kelmouth lighthouse.' },
    ]]]);
    const short = [excerpt(1, 'The lighthouse needs repairs. Yeah, the lighthouse. The Kelmouth lighthouse.', { start: 10.4, end: 20, at: 10.4 })];
    expect(extractiveAnswer('What does the Kelmouth lighthouse need?', short, cues)).toBe('Chair: "The lighthouse needs repairs." [1]');
    // Two of its words, nothing more: an echo of the question.
    expect(extractiveAnswer('When was the Kelmouth lighthouse painted?', short, cues)).toBeNull();
  });

  it('quotes the speaker the question names, when they said something that matches', () => {
    const meeting = [excerpt(1, 'Head office wants a selling price of 25 euro for the remote. If it looks cheap, nobody pays that price for a remote.')];
    const cues = new Map([['rec1', [
      { start: 11, end: 20, speaker: 'Project Manager', text: 'Head office wants a selling price of 25 euro for the remote.' },
      { start: 21, end: 30, speaker: 'Marketing', text: 'If it looks cheap, nobody pays that price for a remote.' },
    ]]]);
    expect(extractiveAnswer('What did Marketing say about the price of the remote?', meeting, cues, 'en', 'Marketing')).toBe('Marketing: "If it looks cheap, nobody pays that price for a remote." [1]');
    // a named speaker who said none of it: the best sentences of anyone
    const anyone = extractiveAnswer('What did Marketing say about the price of the remote?', meeting, cues, 'en', 'User Interface');
    expect(anyone).toMatch(/Project Manager: "Head office/);
    expect(anyone).toMatch(/Marketing: "If it looks cheap/);
  });

  it("quotes the named speaker where a link opens on their words, when none of their sentences shares the question's", () => {
    // "What did the marketing lead say about the price?": Marketing never says "price"; the search's second link opens on them.
    const meeting = [
      excerpt(1, 'Sounds good. So the targets. Head office wants a selling price of 25 euro.', { start: 25, at: 28, end: 48 }),
      excerpt(2, "But we're selling a look. If it looks cheap, no one pays 25 euro. It won't look cheap.", { recording_id: 'rec1', start: 320, at: 320, end: 340 }),
    ];
    const cues = new Map([['rec1', [
      { start: 25, end: 27, speaker: 'Marketing', text: 'Sounds good.' },
      { start: 28, end: 40, speaker: 'Project Manager', text: 'So the targets. Head office wants a selling price of 25 euro.' },
      { start: 320, end: 330, speaker: 'Marketing', text: "But we're selling a look. If it looks cheap, no one pays 25 euro." },
      { start: 331, end: 340, speaker: 'Industrial Designer', text: "It won't look cheap." },
    ]]]);
    expect(extractiveAnswer('What did the marketing lead say about the price?', meeting, cues, 'en', 'Marketing')).toBe(
      `Marketing: "But we're selling a look. If it looks cheap, no one pays 25 euro." [1]`,
    );
  });

  it('cites each quote as its excerpt opened where the quote is said, numbered in the answer\'s order', () => {
    // The excerpt's link plays the cost; the agenda line the answer also quotes is said 40 s before it.
    const text = 'El orden del día tiene dos puntos: la reforma de la dársena vieja y la tarifa del autobús urbano. ¿Y el coste? El presupuesto total de la reforma es de 740 millones de pesetas.';
    const council = [excerpt(1, text, { start: 19, at: 61.363, end: 80 }), excerpt(2, 'Nada que ver con la dársena.', { start: 200, at: 200, end: 210 })];
    const cues = new Map([['rec1', [
      { start: 19.7, end: 27, speaker: 'Alcalde', text: 'El orden del día tiene dos puntos: la reforma de la dársena vieja y la tarifa del autobús urbano.' },
      { start: 58, end: 60, speaker: 'Alcalde', text: '¿Y el coste?' },
      { start: 61.363, end: 80, speaker: 'Arquitecta', text: 'El presupuesto total de la reforma es de 740 millones de pesetas.' },
    ]]]);
    const out = quotedAnswer('¿Cuánto iba a costar la reforma de la dársena?', council, cues, 'es')!;
    expect(out.answer).toBe('Arquitecta: "El presupuesto total de la reforma es de 740 millones de pesetas." [1]\nAlcalde: "El orden del día tiene dos puntos: la reforma de la dársena vieja y la tarifa del autobús urbano." [2]');
    expect(out.excerpts.map((e) => [e.n, e.at, e.url, e.speaker, e.text])).toEqual([
      [1, 61.363, deepLink('rec1', 61.363), 'Arquitecta', text],
      [2, 19.7, deepLink('rec1', 19.7), 'Alcalde', text],
    ]);
  });

  it('does not quote a question asked in the recording as the answer, unless nothing else matches', () => {
    const interview = [excerpt(1, 'Do you remember the first container ship at Berth Nine? I was there. They built a big crane on rails for the first container ship, special for Berth Nine.')];
    const text = extractiveAnswer('How quickly was the first container ship unloaded at Berth Nine?', interview, new Map());
    expect(text).toBe('"They built a big crane on rails for the first container ship, special for Berth Nine." [1]');
    const only = [excerpt(1, 'Do you remember the first container ship at Berth Nine? I was there.')];
    expect(extractiveAnswer('How quickly was the first container ship unloaded?', only, new Map())).toBe('"Do you remember the first container ship at Berth Nine?" [1]');
  });

  it('quotes first what the link plays: the reply the search placed it on, not the prompt that shares the words', () => {
    const text = "You're going to lend paperbacks. We are. For the first time. We've bought 6,000 paperbacks for the opening, and people who never came to Chapel Street will come for them.";
    const interview = [excerpt(1, text, { start: 10, at: 13.5, end: 30 })];
    const cues = new Map([['rec1', [
      { start: 10, end: 13, speaker: 'Host', text: "You're going to lend paperbacks." },
      { start: 13.5, end: 30, speaker: 'Mrs. Ingram', text: "We are. For the first time. We've bought 6,000 paperbacks for the opening, and people who never came to Chapel Street will come for them." },
    ]]]);
    const answer = extractiveAnswer('Why did the library decide to lend paperbacks?', interview, cues)!;
    expect(answer.split('\n')[0]).toBe(`Mrs. Ingram: "We are. For the first time. We've bought 6,000 paperbacks for the opening, and people who never came to Chapel Street will come for them." [1]`);
  });

  it('quotes what the link plays, and names who said it, when the transcript spaces its contractions ("we \'re")', () => {
    const text = "So you 're going to lend paperbacks . We 're lending them for the first time . We 've bought six thousand paperbacks for the opening .";
    const interview = [excerpt(1, text, { start: 10, at: 14, end: 30 })];
    const cues = new Map([['rec1', [
      { start: 10, end: 13.5, speaker: 'Host', text: "So you 're going to lend paperbacks ." },
      { start: 14, end: 30, speaker: 'Mrs. Ingram', text: "We 're lending them for the first time . We 've bought six thousand paperbacks for the opening ." },
    ]]]);
    const answer = extractiveAnswer('Why did the library decide to lend paperbacks?', interview, cues)!;
    expect(answer.split('\n')[0]).toBe(`Mrs. Ingram: "We're lending them for the first time. We've bought six thousand paperbacks for the opening." [1]`);
    // and names who said a quote whose turn spaces them
    expect(answer.split('\n')[1]).toBe(`Host: "So you're going to lend paperbacks." [2]`);
  });

  it("reads a statement about the excerpts as no claim, in the answer's language", () => {
    expect(isClaim('Los fragmentos del archivo no contienen una respuesta a esta pregunta.', 'es')).toBe(false);
    expect(isClaim('En los fragmentos no se menciona el precio de los alquileres.', 'es')).toBe(false);
    expect(isClaim('Die Auszüge aus dem Archiv enthalten keine Antwort auf diese Frage.', 'de')).toBe(false);
    expect(isClaim('Der Preis der Fernbedienung wird nicht erwähnt.', 'de')).toBe(false);
    // Claims that merely say "no" are still claims.
    expect(isClaim('La fábrica no cerró hasta 1979, tras la huelga de las mujeres.', 'es')).toBe(true);
    expect(isClaim('Die Werft wurde nicht verkauft, sondern 1983 geschlossen.', 'de')).toBe(true);
  });

  it('numbers excerpts with title, date, time range and speakers', () => {
    const [system, user] = buildMessages('What price?', EXCERPTS.slice(0, 2));
    expect(system.content).toMatch(/only.*numbered/i);
    expect(system.content).toMatch(/\[2\]/);
    expect(system.content).toMatch(/do not contain an answer/);
    expect(user.content).toContain('[1] "Meeting 1" · 1992-01-11 · 0:00:10–0:01:10 · speakers: Project Manager, Marketing');
    expect(user.content).toContain('[2] "Meeting 2"');
    expect(user.content.trim().endsWith('Question: What price?')).toBe(true);
  });
});
