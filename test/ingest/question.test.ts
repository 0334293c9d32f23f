import { describe, expect, it } from 'vitest';
import { lexicalQuery, otherSpelling, verbForms, withWordForms } from '../../src/retrieval/question.js';
import { detectSpeaker, withoutLabel } from '../../src/retrieval/speakers.js';

describe('question framing', () => {
  it('drops the words that frame a question about speech', () => {
    expect(lexicalQuery('Summarize the discussion about the current XML format')).toBe('the about the current XML format');
    expect(lexicalQuery('What did F think about the budget?')).toBe('did F about the budget?');
    expect(lexicalQuery('What was the attitude of the team towards the budget?')).toBe('was the attitude of the budget?');
  });
  it('drops light verbs, which say what is done with the subject, not what it is ("go on strike", "make a decision")', () => {
    expect(lexicalQuery('Why did the dockers go on strike in 1967?')).not.toMatch(/\b(go|went|gone|going)\b/);
    expect(lexicalQuery('What decision did they make about the budget?')).toBe('decision did they about the budget?');
    expect(lexicalQuery('Where did the money go?')).toBe('did the money ?');
    // Not "come", which asks where from.
    expect(lexicalQuery('Where did the dockers come from?')).toBe('did the dockers come from? came');
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
    // Nor after a preposition: "on strike" is no "struck", "over pay" no "paid" ("to" comes before verbs too).
    expect(withWordForms('Were the dockers on strike over pay?')).toBe('Were the dockers on strike over pay?');
    expect(withWordForms('Did the river begin to rise?')).toBe('Did the river begin to rise? began begun rose risen');
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

  // The sample archive's Spanish and German council labels.
  const council = ['Alcalde', 'Concejala Soto', 'Señor Otero', 'Vorsitzender', 'Stadträtin Albers', 'Baudezernent'];
  it.each([
    ['¿Qué dijo el alcalde sobre el puerto?', 'es', 'Alcalde'],
    ['¿Qué opinaba la concejala Soto del muelle de Levante?', 'es', 'Concejala Soto'],
    ['Según el señor Otero, ¿por qué no es seguro el muelle?', 'es', 'Señor Otero'],
    ['¿Qué propuso Señor Otero?', 'es', 'Señor Otero'],
    ['Was sagte Stadträtin Albers über die Straßenbahn?', 'de', 'Stadträtin Albers'],
    ['Was meinte der Vorsitzende zur Abstimmung?', 'de', 'Vorsitzender'],
    ['Laut dem Baudezernenten, was kostet die Linie?', 'de', 'Baudezernent'],
    ['Wie begründete der Baudezernent die Kosten?', 'de', 'Baudezernent'],
  ] as const)('%s (%s) → %s', (q, language, label) => {
    expect(detectSpeaker(q, council, language)?.label).toBe(label);
  });
  it.each([
    ['¿Cuándo se eligió al alcalde?', 'es'],
    ['presupuesto del alcalde para el puerto', 'es'],
    ['Wann wurde der Vorsitzende gewählt?', 'de'],
    ['Haushalt des Baudezernenten', 'de'],
  ] as const)('no speaker in "%s" (%s)', (q, language) => {
    expect(detectSpeaker(q, council, language)).toBeNull();
  });
  // Speakers are asked about by their names alone, as people refer to them: "Alvarez", not "Councillor Alvarez".
  // A family in one interview ("Frank Mulvey", "Nora Mulvey") shares its surname: each is asked about by the first name.
  const people = [
    'Councillor Alvarez', 'Councillor Brennan', 'Mrs. Ingram', 'Dr. Okafor', 'Stadträtin Albers', 'User Interface', 'Señor Otero', 'Mr. Otero', 'Claire Evans', 'Huw Thomas',
    'Ms. Heather Lyall', 'Frank Mulvey', 'Nora Mulvey', 'Heinz Krüger', 'Gisela Krüger', 'Transport Officer', 'Air Quality Officer',
  ];
  it.each([
    ['What did Alvarez say about rent control?', 'en', 'Councillor Alvarez'],
    ['What did Heather Lyall think about the loans?', 'en', 'Ms. Heather Lyall'],
    ["Okafor's view on jamming", 'en', 'Dr. Okafor'],
    ['According to Ingram, how many books were lent?', 'en', 'Mrs. Ingram'],
    ['Was sagte Albers über die Straßenbahn?', 'de', 'Stadträtin Albers'],
    ['What did Nora say about the strike?', 'en', 'Nora Mulvey'],
    ["What was Frank's view of the containers?", 'en', 'Frank Mulvey'],
    ['Was sagte Gisela über die Werft?', 'de', 'Gisela Krüger'],
  ] as const)('by the name alone: %s (%s) → %s', (q, language, label) => {
    expect(detectSpeaker(q, people, language)?.label).toBe(label);
  });
  it.each([
    // Not written as a name: the word, not the speaker.
    ['was the interface designed by then?', 'en'],
    // Two speakers have that name.
    ['¿Qué dijo Otero del muelle?', 'es'],
    // Another person of that name: the name beside it is not the label's.
    ['What did Julie Evans think about the bill?', 'en'],
    ['What did Dr. Thomas Blake think of the funding?', 'en'],
    ['What did Nora Blake say about the strike?', 'en'],
    // The surname names two of them; a role's first word is no name.
    ['What did Mulvey say about the strike?', 'en'],
    ['What did Transport say about the trial?', 'en'],
  ] as const)('no speaker by a name in "%s" (%s)', (q, language) => {
    expect(detectSpeaker(q, people, language)).toBeNull();
  });
  it('leaves a first name out of the lexical question as it leaves the label', () => {
    expect(withoutLabel('What did Nora say about the strike?', 'Nora Mulvey')).toBe('What did   say about the strike?');
  });
  it('leaves the name out of the lexical question as it leaves the label', () => {
    expect(withoutLabel('What did Alvarez say about rent control?', 'Councillor Alvarez')).toBe('What did   say about rent control?');
    expect(withoutLabel('the interface budget', 'User Interface')).toBe('the interface budget');
  });
  it('leaves an inflected German label out of the lexical question', () => {
    expect(withoutLabel('Was meinte der Vorsitzende zur Abstimmung?', 'Vorsitzender', 'de')).toBe('Was meinte der   zur Abstimmung?');
  });
});
