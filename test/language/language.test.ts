import { describe, expect, it } from 'vitest';
import { analysisOf, detectLanguage, languageOf } from '../../src/core/language/index.js';
import { splitSentences } from '../../src/core/sentences.js';
import { stem } from '../../src/core/stem.js';
import { contentStems, coverage, subjectText } from '../../src/retrieval/text.js';
import { lexicalQuery, subjectCoverage } from '../../src/retrieval/question.js';
import { highlight } from '../../src/retrieval/highlight.js';
import { contentTokens, isTransition } from '../../src/ingest/chapters/text.js';

describe('languages', () => {
  it('reads codes, tags and names of the languages the path knows', () => {
    expect(['es', 'es-MX', 'spa', 'Spanish', 'español', 'ES_es'].map(languageOf)).toEqual(['es', 'es', 'es', 'es', 'es', 'es']);
    expect(['de', 'de-AT', 'deu', 'ger', 'Deutsch'].map(languageOf)).toEqual(['de', 'de', 'de', 'de', 'de']);
    expect([null, '', 'fr', 'xx'].map(languageOf)).toEqual([null, null, null, null]);
    expect(analysisOf('fr')).toBe('other');
    expect(analysisOf(null, 'de')).toBe('de');
    expect(analysisOf('en-GB', 'de')).toBe('en');
  });

  it("detects a question's language by its function words, and keeps the default when there is no clue", () => {
    expect(detectLanguage('¿Qué pasó en la fábrica en los años sesenta?')).toBe('es');
    expect(detectLanguage('¿Por qué hubo huelga?')).toBe('es');
    expect(detectLanguage('Was geschah auf der Werft Anfang der siebziger Jahre?')).toBe('de');
    expect(detectLanguage('Warum wurde das Schwimmbad geschlossen?')).toBe('de');
    expect(detectLanguage('In 1987, what did the council decide about rents?')).toBe('en');
    expect(detectLanguage('was the dock strike in 1967 a success?')).toBe('en');
    // Names and nouns alone say nothing: the archive's default language.
    expect(detectLanguage('Hillside estate roofs')).toBe('en');
    expect(detectLanguage('Kelmouth Hafen', 'de')).toBe('de');
    expect(detectLanguage('die')).toBe('en');
    // Words written with letters only one language has, and no function word of another, are that language's.
    expect(detectLanguage('Straßenbahn Südhafen')).toBe('de');
    expect(detectLanguage('huelga pesquería años sesenta')).toBe('es');
    // One such word is a name among English words.
    expect(detectLanguage('What did Müller say about the harbour?')).toBe('en');
    expect(detectLanguage('Müller harbour')).toBe('en');
    expect(detectLanguage('What did Jürgen Müller say about the harbour?')).toBe('en');
  });

  it('stems with each language\'s Snowball algorithm', () => {
    expect(stem('huelgas', 'es')).toBe(stem('huelga', 'es'));
    expect(stem('Werften'.toLowerCase(), 'de')).toBe(stem('werft', 'de'));
    expect(stem('running')).toBe('run');
    expect(stem('grèves', 'other')).toBe('grèves');
  });

  it('splits sentences without cutting German dates or Spanish and German abbreviations', () => {
    expect(splitSentences('Am 12. Mai 1987 begann der Streik. Er dauerte drei Wochen.')).toEqual(['Am 12. Mai 1987 begann der Streik.', 'Er dauerte drei Wochen.']);
    expect(splitSentences('La Sra. Ruiz habló primero. Luego votamos.')).toEqual(['La Sra. Ruiz habló primero.', 'Luego votamos.']);
    expect(splitSentences('Wir haben z. B. die Löhne erhöht. Das war gut!')).toEqual(['Wir haben z. B. die Löhne erhöht.', 'Das war gut!']);
    expect(splitSentences('The rent is £16.40 a week. That is 9% more.')).toEqual(['The rent is £16.40 a week.', 'That is 9% more.']);
  });

  // The participants as questions call them, every form of a framing verb, the question words the lexical leg
  // drops (lexicalQuery), a passive's auxiliary and light verbs ("go", "hicieron", "machte") are no subject words.
  it.each([
    ['What did the team think about the remote control towards the end?', 'en', 'remote control end'],
    ['Summarize the discussions regarding the budget, according to the group members', 'en', 'budget'],
    ['What was the group discussing when they talked about batteries?', 'en', 'batteries'],
    ['Why did the dockers go on strike?', 'en', 'dockers strike'],
    ['¿Qué dijo el alcalde sobre los alquileres?', 'es', 'alcalde alquileres'],
    ['Was sagte der Bürgermeister über die Mieten?', 'de', 'bürgermeister mieten'],
    ['¿Cuál fue el resultado de la votación y quién votó en contra?', 'es', 'resultado votación votó'],
    ['¿Cuándo y dónde se firmó el convenio, según el comité?', 'es', 'firmó convenio comité'],
    ['Wann wurde die Werft geschlossen, und wer wurde entlassen?', 'de', 'werft geschlossen entlassen'],
    ['Wessen Antrag ist laut Protokoll angenommen worden?', 'de', 'antrag protokoll angenommen'],
    ['¿Qué hicieron los vecinos cuando fueron a la huelga?', 'es', 'vecinos huelga'],
    ['Was machte der Ausschuss, als die Werft zumachte?', 'de', 'ausschuss werft zumachte'],
  ] as const)("the subject of %s (%s) is '%s'", (question, language, subject) => {
    expect(subjectText(question, language)).toBe(subject);
  });

  it('stems content words in their language, a question without its frame', () => {
    expect([...contentStems('Where did the money go, and who took it?', { question: true })]).toEqual(['money']);
    expect([...contentStems('Los trabajadores fueron a la huelga', { language: 'es' })]).toEqual(['trabaj', 'huelg']);
  });

  // "¿Cuánto…?" asks as "how much" does and "decía" says as "dijo" does; light verbs go as in English ("iba a
  // costar" is "was going to cost"), but not "come", which asks where from. English words that look like another
  // language's frame words are left alone in English.
  it.each([
    ['¿Qué dijo el alcalde sobre los alquileres?', 'es', '¿ el alcalde sobre los alquileres?'],
    ['¿Cuánto subió el billete?', 'es', '¿ subió el billete?'],
    ['¿Cuántos empleos decía el alcalde que habría?', 'es', '¿ empleos el alcalde que habría?'],
    ['¿Cuánto iba a costar la reforma?', 'es', '¿ a costar la reforma?'],
    ['Wie viele Beschäftigte gab es, und wohin gingen sie?', 'de', 'Beschäftigte es, und sie?'],
    ['Seit wann arbeiteten sie auf der Werft, und woher kamen sie?', 'de', 'Seit arbeiteten sie auf der Werft, und kamen sie?'],
    ['Warum streikten die Werftarbeiter?', 'de', 'streikten die Werftarbeiter?'],
    ['was the wie festival held?', 'en', 'was the wie festival held? hold'],
  ] as const)('the lexical leg asks %s (%s) as "%s"', (question, language, asked) => {
    expect(lexicalQuery(question, language)).toBe(asked);
  });

  it("counts a question's subject word found in the forms the lexical leg asks for", () => {
    const said = contentStems('The river rose all day, and the colour of the water changed.');
    expect(subjectCoverage('When did the river rise?', said)).toBe(1);
    expect(subjectCoverage('What color was the water?', said)).toBe(1);
    expect(subjectCoverage('What did the team say about the flood defences?', said)).toBe(0);
    expect(subjectCoverage('What did they say?', said)).toBe(1); // no subject words: nothing to miss
  });

  it('finds a German word inside a compound, and a compound by its parts', () => {
    const said = contentStems('Wir haben Spezialschiffe gebaut. Die Bäume an der Allee in der Kaistraße blieben stehen.', { language: 'de' });
    const asked = (q: string) => contentStems(q, { language: 'de' });
    expect(coverage(asked('Schiffe'), said, 'de')).toBe(1); // in "Spezialschiffe"
    expect(coverage(asked('Alleebäume Kaistraße'), said, 'de')).toBe(1); // "Allee" and "Bäume"
    expect(coverage(asked('Alleebäume retten'), said, 'de')).toBe(0.5);
    // Too short to be a compound's part, and English is matched word for word.
    expect(coverage(asked('Bau'), said, 'de')).toBe(0);
    expect(coverage(contentStems('ship'), contentStems('the shipyard closed'))).toBe(0);
  });

  it('highlights a passage in its language, accents and umlauts included', () => {
    expect(highlight('La fábrica cerró en 1979 tras la huelga.', new Set(['fabric', 'huelg']), 'es')).toBe('La <mark>fábrica</mark> cerró en 1979 tras la <mark>huelga</mark>.');
    expect(highlight('Die Löhne der Werftarbeiter stiegen.', new Set(['lohn']), 'de')).toBe('Die <mark>Löhne</mark> der Werftarbeiter stiegen.');
  });

  it('finds chapter keywords and topic changes in Spanish and German', () => {
    expect(contentTokens('Bueno, pues, el puerto necesita una grúa nueva', 'es').map((t) => t.surface)).toEqual(['puerto', 'necesita', 'grúa', 'nueva']);
    expect(contentTokens('Also, äh, die Straßenbahn kommt nicht', 'de').map((t) => t.surface)).toEqual(['Straßenbahn', 'kommt']);
    expect(isTransition('Pasamos al siguiente punto del orden del día.')).toBe(true);
    expect(isTransition('Kommen wir zum nächsten Tagesordnungspunkt.')).toBe(true);
    expect(isTransition('La grúa es vieja.')).toBe(false);
  });
});
