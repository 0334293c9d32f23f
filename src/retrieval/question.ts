import { createRequire } from 'node:module';
import { infinitives } from 'en-inflectors';
import { type Analysis, type Language, stem } from '../core/index.js';
import { coverage, isContentWord, LIGHT_VERBS, subjectText } from './text.js';

/**
 * Words that frame a question about speech rather than name its subject: "summarize the discussion
 * about X", "what did F think about X", "what did the group decide about X" (a meeting's participants, as
 * questions call them, are seldom words of the meeting itself), "their attitude towards X". In a speech archive
 * they are everywhere in the questions and carry no information about where the answer is, so the lexical leg
 * drops them (the vector leg keeps the whole question: the model weighs such words itself).
 */
const FRAMING = /\b(summari[sz]e[sd]?|summary|summaries|discuss(?:ed|es|ing|ion|ions)?|talk(?:ed|s|ing)? about|say|says|said|think|thinks|thought|opinions?|mention(?:ed|s)?|describe[sd]?|explain(?:ed|s)?|according to|the group|the team|towards|regarding|concerning|what|why|how|who|whom|whose|when|where|which)\b/gi;

const FILLER = new Set(['the', 'a', 'an', 'was', 'were', 'is', 'are', 'be', 'did', 'do', 'does', 'about', 'of', 'to', 'in', 'on', 'for', 'and', 'or', 'it', 'that', 'this', 'they', 'we', 'you', 'i']);

// The same in Spanish and German ("¿Qué dijo el alcalde sobre…?", "Was sagte der Bürgermeister über…?").
const FRAMING_ES = /(?<![\p{L}\p{N}])(resum(?:e|en|ir|a)|resumen|discuti(?:ó|eron|r|da|do)|discusión|habl(?:ó|aron|ar|a|an) (?:de|sobre)|dij(?:o|eron)|dice|dicen|dec(?:ir|ía|ían)|dicho|opini(?:ón|ones)|explic(?:ó|aron|ar|a)|describ(?:ió|ir|e)|según|qué|por qué|cómo|quién|quiénes|cuándo|dónde|cuál|cuáles|cuánt(?:o|a|os|as))(?![\p{L}\p{N}])/giu;
const FRAMING_DE = /(?<![\p{L}\p{N}])(wie viel(?:e|en)?|zusammenfass(?:en|ung)|diskutier(?:t|te|ten|en)|besprochen|sprach(?:en)? über|gesprochen|rede(?:te|ten)? über|sagt(?:e|en)?|gesagt|meinung(?:en)?|erklär(?:t|te|ten|en)|beschrieb(?:en)?|beschreib(?:en|t)|laut|was|warum|wieso|weshalb|wie|wer|wem|wen|wessen|wann|wo|woher|wohin|welche[rsmn]?)(?![\p{L}\p{N}])/giu;

/** Any of `words`, as a whole word. */
const anyWord = (words: Iterable<string>) => `(?<![\\p{L}\\p{N}])(?:${[...words].join('|')})(?![\\p{L}\\p{N}])`;

// Each language's light verbs go too ("go on strike", "iba a costar"): they say what is done with the subject, not
// what it is.
const FRAMING_BY_LANGUAGE: Record<Language, RegExp> = {
  en: new RegExp(`${FRAMING.source}|${anyWord(LIGHT_VERBS.en)}`, 'giu'),
  es: new RegExp(`${FRAMING_ES.source}|${anyWord(LIGHT_VERBS.es)}`, 'giu'),
  de: new RegExp(`${FRAMING_DE.source}|${anyWord(LIGHT_VERBS.de)}`, 'giu'),
};

export function lexicalQuery(q: string, language: Language = 'en'): string {
  const stripped = q.replace(FRAMING_BY_LANGUAGE[language], ' ').replace(/\s+/g, ' ').trim();
  // A question made only of framing words keeps them: something is better than nothing.
  const content = stripped.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.filter((w) => !FILLER.has(w)) ?? [];
  return content.length ? withWordForms(stripped, language) : q;
}

const DETERMINERS = new Set(['the', 'a', 'an', 'this', 'that', 'these', 'those', 'its', 'their', 'his', 'her', 'our', 'my', 'your', 'each', 'every', 'no']);
// A word after one of these is a noun ("on strike", "over pay"), not a verb: "to" is left out, as verbs follow it.
const PREPOSITIONS = new Set(['on', 'in', 'at', 'of', 'for', 'with', 'by', 'from', 'about', 'into', 'over', 'under', 'after', 'during', 'without', 'through', 'between', 'against', 'among']);

let formsByWord: Map<string, string[]> | null = null;

const regularPast = (base: string, form: string) =>
  form === `${base}ed` || form === `${base}d` || form === `${base.slice(0, -1)}ied` || form === `${base}${base.at(-1)}ed` || form === `${base}ked`;

/**
 * The forms of an English verb that a stemmer cannot reach from `word`: "rise" → "rose", "risen"; "chose" →
 * "choose", "chosen". A question asks "how high did the river rise?" where the talk says "the river rose", and
 * no suffix-stripping stemmer joins the two. Forms that stem as `word` does ("decided") are left out: the
 * stemmer joins them already. From en-inflectors' table of 5,333 verbs (base, past, past participle), its
 * irregular ones; a word that is no irregular verb's base or past form has none.
 */
export function verbForms(word: string): string[] {
  if (!formsByWord) {
    formsByWord = new Map();
    for (const [base, ...done] of Object.values(infinitives)) {
      // A regular form ("experienced", "freed") is the stemmer's business, and the table's guesses at the
      // past of nouns ("fee": "feed", "top": "toped") are regular too.
      const irregular = [...new Set(done.slice(0, 2))].filter((f) => !regularPast(base, f));
      if (irregular.length === 0) continue;
      const forms = [base, ...irregular];
      for (const form of forms) formsByWord.set(form, [...new Set([...(formsByWord.get(form) ?? []), ...forms])]);
    }
  }
  const own = stem(word);
  return [...new Set((formsByWord.get(word) ?? []).filter((f) => stem(f) !== own))];
}

const require = createRequire(import.meta.url);
let spellings: Map<string, string> | null = null;

/**
 * The other spelling of an English word, British or American ("colour" ↔ "color", "prioritisation" ↔
 * "prioritization"), from american-british-english-translator's word lists; null when it has one spelling.
 * Questions are often typed in one and transcripts written in the other.
 */
export function otherSpelling(word: string): string | null {
  if (!spellings) {
    spellings = new Map();
    for (const list of ['american_spellings', 'british_spellings']) {
      const pairs = require(`american-british-english-translator/data/${list}.json`) as Record<string, string>;
      for (const [from, to] of Object.entries(pairs)) spellings.set(from, to);
    }
  }
  return spellings.get(word) ?? null;
}

/**
 * An English question with what a stemmer does not join to its words appended: the other spelling of each
 * (otherSpelling) and the other forms of each verb (verbForms). Other languages as they are. A capitalised
 * word after the first is a name ("the River Wend"), not a verb ("wend", "went"); a word after a determiner or
 * a preposition is a noun ("before the stand was abolished": not "stood"; "on strike": not "struck").
 */
export function withWordForms(q: string, language: Analysis = 'en'): string {
  if (language !== 'en') return q;
  const tokens = q.match(/\p{L}+/gu) ?? [];
  const have = new Set(tokens.map((w) => w.toLowerCase()));
  const extra = new Set<string>();
  tokens.forEach((w, i) => {
    const word = w.toLowerCase();
    if ((i > 0 && /^\p{Lu}/u.test(w)) || !isContentWord(word)) return;
    const before = tokens[i - 1]?.toLowerCase();
    const forms = DETERMINERS.has(before) || PREPOSITIONS.has(before) ? [] : verbForms(word);
    for (const f of [...forms, otherSpelling(word)]) if (f && !have.has(f) && isContentWord(f)) extra.add(f);
  });
  return extra.size ? `${q} ${[...extra].join(' ')}` : q;
}

/**
 * The share of the question's subject words (subjectText) that `source` (content stems) holds, each word in any
 * of the forms the lexical leg also asks for ("colour" for "color", "rose" for "rise"); 1 when it names none.
 * What the relevance gate and a routed search's fallback judge passages by.
 */
export function subjectCoverage(q: string, source: Set<string>, language: Analysis = 'en'): number {
  const subject = new Map<string, string[]>();
  for (const w of subjectText(q, language).split(' ')) {
    if (!w) continue;
    const forms = language === 'en' ? [...verbForms(w), otherSpelling(w)].filter((f): f is string => !!f) : [];
    subject.set(stem(w, language), forms.map((f) => stem(f, language)));
  }
  if (subject.size === 0) return 1;
  let hit = 0;
  for (const [s, forms] of subject) if (coverage(new Set([s]), source, language) > 0 || forms.some((f) => source.has(f))) hit++;
  return hit / subject.size;
}
