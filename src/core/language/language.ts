import { GERMAN_STOP_WORDS } from './german-stop-words.js';
import { SPANISH_STOP_WORDS } from './spanish-stop-words.js';

/**
 * The languages the whole path knows: stemming and stop words in both lexical engines, sentence and question
 * words, temporal phrases, chapter keywords. A recording in any other language is indexed by its words as
 * they are (no stemming, no stop words): `analysisOf` gives 'other' for it.
 */
export const LANGUAGES = ['en', 'es', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
/** How a text is analysed for the lexical index: by its language, or word for word. */
export type Analysis = Language | 'other';

/** The Snowball stemmer and Postgres text search configuration of each analysis ('simple': words as they are). */
export const TEXT_SEARCH_CONFIGS: Record<Analysis, 'english' | 'spanish' | 'german' | 'simple'> = {
  en: 'english',
  es: 'spanish',
  de: 'german',
  other: 'simple',
};

export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', es: 'Spanish', de: 'German' };

// ISO 639-1 and -2 codes, BCP 47 tags ("es-MX") and names, in English and in the language itself.
const ALIASES: Record<string, Language> = {
  en: 'en', eng: 'en', english: 'en',
  es: 'es', spa: 'es', spanish: 'es', español: 'es', espanol: 'es', castellano: 'es',
  de: 'de', deu: 'de', ger: 'de', german: 'de', deutsch: 'de',
};

/** The language a code or name stands for, when the path knows it ("es-AR" → 'es'); null otherwise. */
export function languageOf(code: string | null | undefined): Language | null {
  if (!code) return null;
  const c = code.trim().toLowerCase();
  return ALIASES[c] ?? ALIASES[c.split(/[-_]/)[0]] ?? null;
}

/**
 * A recording's language value as a tag: a bare name or code the path knows ("Deutsch", "spa") as its two-letter
 * code, any other well-formed BCP 47 tag in its canonical form ("es-mx" → "es-MX"); null when it is neither.
 */
export function languageTagOf(value: string): string | null {
  const v = value.trim();
  const known = /^\p{L}+$/u.test(v) ? languageOf(v) : null;
  if (known) return known;
  try {
    return Intl.getCanonicalLocales(v)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * How a recording's text is analysed: by its language when the path knows it; 'other' for a language it does
 * not; `fallback` (the archive's default language) when the recording names none.
 */
export function analysisOf(code: string | null | undefined, fallback: Language = 'en'): Analysis {
  if (!code || !code.trim()) return fallback;
  return languageOf(code) ?? 'other';
}

const ENGLISH_STOP_WORDS = (
  'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it ' +
  'its itself they them their theirs themselves what which who whom this that these those am is are was were be been ' +
  'being have has had having do does did doing a an the and but if or because as until while of at by for with about ' +
  'against between into through during before after above below to from up down in out on off over under again further ' +
  'then once here there when where why how all any both each few more most other some such no nor not only own same so ' +
  'than too very s t can will just don should now'
).split(/\s+/);

/** Each language's stop words (Snowball's lists: what the lexical engines drop). */
export const STOP_WORDS: Record<Language, ReadonlySet<string>> = {
  en: new Set(ENGLISH_STOP_WORDS),
  es: new Set(SPANISH_STOP_WORDS),
  de: new Set(GERMAN_STOP_WORDS),
};

/**
 * `text` without `language`'s stop words, the rest as written: what another language's analysis should read of
 * a question in `language` (a German "die" is an article, not the English verb; an English "once" is not the
 * Spanish number), while its names and numbers still match in every language.
 */
export function withoutStopWords(text: string, language: Language): string {
  return text
    .split(/\s+/)
    .filter((w) => w && !STOP_WORDS[language].has(w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')))
    .join(' ');
}

// Words questions begin with that the stop word lists leave out.
const QUESTION_WORDS: Record<Language, ReadonlySet<string>> = {
  en: new Set(['why', 'who', 'whom', 'whose', 'when', 'where', 'which', 'what', 'how']),
  es: new Set(['qué', 'cómo', 'cuándo', 'dónde', 'quién', 'quiénes', 'cuál', 'cuáles', 'cuánto', 'cuántos', 'hubo', 'fue']),
  de: new Set(['warum', 'wieso', 'weshalb', 'wer', 'wann', 'wo', 'wurde', 'wurden', 'gab', 'ist', 'sind']),
};

/** What Spanish and German speech is full of and says nothing: fillers and backchannels. */
export const SPEECH_FILLERS: Record<'es' | 'de', readonly string[]> = {
  es: 'eh em mm ajá sí bueno pues vale claro entonces o sea este oye mira'.split(' '),
  de: 'äh ähm hm mhm ja nein also halt naja genau okay eben mal schon denn doch eigentlich'.split(' '),
};

// Letters one language writes and the others do not: a word with "ñ" or "ß" is not English. Spanish also opens a
// question with "¿" (and an exclamation with "¡"), which no word holds.
const MARKS: Record<Language, RegExp> = { en: /(?!)/, es: /[ñáéíóú]/i, de: /[äöüß]/i };
const OPENING_MARKS: Partial<Record<Language, RegExp>> = { es: /[¿¡]/ };

/**
 * The language of a recording's talk, from the function words of its first TRANSCRIPT_HEAD_CHARS (a ten-hour
 * transcript need not be read whole): the language among LANGUAGES whose stop words it uses most, when they are
 * at least MIN_TRANSCRIPT_HITS and twice the runner-up's (a long text in one language uses hundreds of its own;
 * names and loans give another a few). Otherwise null: too little talk to tell.
 */
export function detectTranscriptLanguage(text: string): Language | null {
  const words = (text.slice(0, TRANSCRIPT_HEAD_CHARS).toLowerCase().match(/\p{L}+/gu) ?? []).slice(0, 5000);
  const counts = LANGUAGES.map((l) => ({ l, n: words.filter((w) => STOP_WORDS[l].has(w)).length })).sort((a, b) => b.n - a.n);
  const [first, second] = counts;
  return first.n >= MIN_TRANSCRIPT_HITS && first.n >= 2 * second.n ? first.l : null;
}
const MIN_TRANSCRIPT_HITS = 20;
const TRANSCRIPT_HEAD_CHARS = 40_000;

/**
 * The language a question is written in, among LANGUAGES: the one whose stop words it uses most (a question
 * is mostly function words and a subject), a word in letters only one of them writes counting as one of its
 * words, and "¿" or "¡" as one word more. A
 * question with no clue either way ("Hillside estate roofs") is taken to be in `fallback`, the archive's
 * default language, as is a tie with it.
 */
export function detectLanguage(text: string, fallback: Language = 'en'): Language {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: Language = fallback;
  let bestScore = 0;
  // A word in letters only that language writes counts as one of its words: "Straßenbahn Südhafen" is German,
  // while one name among English words ("What did Müller say?") is not enough.
  const score = (l: Language) => words.filter((w) => STOP_WORDS[l].has(w) || QUESTION_WORDS[l].has(w) || MARKS[l].test(w)).length + (OPENING_MARKS[l]?.test(text) ? 1 : 0);
  const fallbackScore = score(fallback);
  for (const l of LANGUAGES) {
    const n = l === fallback ? fallbackScore : score(l);
    if (n > bestScore) [best, bestScore] = [l, n];
  }
  // A word shared by two lists ("a", "de", "in") decides nothing: the winner must lead the fallback clearly.
  return best !== fallback && bestScore >= fallbackScore + 1 && bestScore >= 2 ? best : fallback;
}
