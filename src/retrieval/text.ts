import { type Analysis, SPEECH_FILLERS, stem, splitSentences as sentencesOfLine, STOP_WORDS } from '../core/index.js';

/**
 * Text tools shared by verification, the relevance gate and extractive answers: sentence splitting,
 * content-word stems and overlap.
 */
// Function words, plus what speech transcripts are full of (fillers, backchannels) and carry no claim.
const STOP = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also may might must shall us let lets get got really actually ' +
    'uh um mm hmm mm-hmm uh-huh yeah yes okay ok oh ah well like gonna wanna kind sort thing things mean know right ' +
    'one ones something anything everything lot lots bit quite maybe probably just s t d ll m re ve don didn doesn isn ' +
    'wasn aren weren won wouldn couldn shouldn'
  ).split(/\s+/),
);

// Light verbs in all their forms: "go on strike", "make a decision", "take place", "iba a costar", "es gibt" say
// what is done with the subject, not what it is, and talk says them all the time ("I'm going to…", "we made it").
// English "get", "got" and "let" are stop words already, as are Spanish "fue", "fueron". Not "come": "woher
// kamen sie?", "where did they come from?" ask for it.
export const LIGHT_VERBS: Record<Analysis, ReadonlySet<string>> = {
  en: new Set(
    ('go goes going went gone gotten make makes making made take takes taking took taken give gives giving gave ' +
      'given put puts putting keep keeps keeping kept').split(' '),
  ),
  es: new Set(
    ('ir voy vas va vamos van iba ibas íbamos iban ido yendo hacer hago hace hacemos hacen hacía hacían hizo hicimos ' +
      'hicieron hecho haciendo dar doy da damos dan daba daban dio dimos dieron dado dando').split(' '),
  ),
  de: new Set(
    'gehen geht ging gingen gegangen machen mache macht machte machten gemacht geben gibt gab gaben gegeben'.split(' '),
  ),
  other: new Set(),
};
// Words that frame a question ("what did X say about...") rather than name what it is about, in each of their
// forms; and the participants, as questions call them ("what did the team think…"), seldom words of the talk itself
// (the lexical leg drops the same, src/retrieval/question.ts FRAMING), and the light verbs.
const QUESTION_FRAME = new Set(
  ('summarize summarise summarized summarised summary summaries discuss discussed discusses discussing discussion discussions ' +
    'talk talked talks talking say said says tell told think thought thinks mention mentioned mentions ' +
    'opinion opinions view views explain explained explains describe described describes happen happened decide decided ' +
    'according regarding concerning toward towards team teams group groups participants members').split(/\s+/).concat([...LIGHT_VERBS.en]),
);

// Spanish and German: Snowball's stop words, the fillers of speech (SPEECH_FILLERS), and the words that frame a question.
const FRAMES = {
  es: 'resumen resume resumir discutir discutió discutieron discusión hablar habló hablaron decir dijo dijeron dice dicen decía decían dicho ' +
    'opinión opiniones explicar explicó describir describe pasar pasó ocurrió sucedió decidir decidió decidieron según ' +
    'qué cómo por quién quiénes cuándo dónde cuál cuáles cuánto cuánta cuántos cuántas',
  de: 'zusammenfassen zusammenfassung diskutieren diskutiert diskutierte besprochen sprechen sprach gesprochen reden redete ' +
    'sagen sagte gesagt meinung erklären erklärte beschreiben beschrieb passiert geschah geschehen entschieden beschlossen ' +
    'entscheiden laut warum wieso weshalb wer wem wen wessen wann woher wohin welcher welches welchem welchen viel viele vielen',
};
// The past of "werden", a passive's auxiliary ("wann wurde … geschlossen"), which Snowball's list leaves out.
const GERMAN_AUXILIARIES = ['wurde', 'wurden', 'wurdest', 'wurdet', 'worden'];
const STOP_BY_LANGUAGE: Record<Analysis, ReadonlySet<string>> = {
  en: STOP,
  es: new Set([...STOP_WORDS.es, ...SPEECH_FILLERS.es]),
  de: new Set([...STOP_WORDS.de, ...SPEECH_FILLERS.de, ...GERMAN_AUXILIARIES]),
  other: new Set(),
};
const FRAME_BY_LANGUAGE: Record<Analysis, ReadonlySet<string>> = {
  en: QUESTION_FRAME,
  es: new Set([...FRAMES.es.split(' '), ...LIGHT_VERBS.es]),
  de: new Set([...FRAMES.de.split(' '), ...LIGHT_VERBS.de]),
  other: new Set(),
};

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** Transcripts spell numbers out ("twenty five") where a model writes digits, so digits are read as words. */
export function numberWords(n: number): string[] {
  if (!Number.isInteger(n) || n < 0 || n >= 1e9) return [String(n)];
  if (n < 20) return [ONES[n]];
  if (n < 100) return n % 10 ? [TENS[Math.floor(n / 10)], ONES[n % 10]] : [TENS[n / 10]];
  for (const [size, name] of [[1e6, 'million'], [1000, 'thousand'], [100, 'hundred']] as const) {
    if (n >= size) {
      const rest = n % size;
      return [...numberWords(Math.floor(n / size)), name, ...(rest ? numberWords(rest) : [])];
    }
  }
  return [String(n)];
}

const YEAR = /^(?:1[1-9]|20)\d\d$/;

/**
 * How `words` reads a number that reads as a year (1100-2099): as the count it also is ("one thousand nine hundred
 * sixty seven"), as search reads it (its fallback from a question's dates was measured so, BENCHMARKS.md "A year is
 * one word"), or as one word, as answers read it: years are written in digits in transcripts and questions alike
 * (src/core/spoken-years.ts), and read as a count 1967's "thousand", "hundred" and "nine" match any count ("Two
 * thousand three hundred men.").
 */
export type YearReading = 'count' | 'word';

/** Lower-case words of a text; in English, digits as the words a transcript spells them with (years: `years`). */
export function words(text: string, language: Analysis = 'en', years: YearReading = 'count'): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().replace(/\[(?:excerpts?\s*)?\d+(?:\s*[-–,]\s*\d+)*\]/gi, ' ').match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? []) {
    if (/^\d+$/.test(raw)) out.push(...(language === 'en' && !(years === 'word' && YEAR.test(raw)) ? numberWords(Number(raw)) : [raw]));
    else out.push(language === 'en' ? raw.replace(/'(s|t|ll|re|ve|d|m)$/, '') : raw);
  }
  return out;
}

/** Whether a (lower-case) word can carry a claim: not a stop word, filler or one-letter token of the language. */
export function isContentWord(w: string, language: Analysis = 'en'): boolean {
  return w.length >= 2 && !STOP_BY_LANGUAGE[language].has(w);
}

/** Stems of the words that can carry a claim: stop words, fillers and one-letter tokens removed. */
export function contentStems(text: string, opts: { question?: boolean; language?: Analysis; years?: YearReading } = {}): Set<string> {
  const language = opts.language ?? 'en';
  const frame = FRAME_BY_LANGUAGE[language];
  const out = new Set<string>();
  for (const w of words(text, language, opts.years)) {
    if (!isContentWord(w, language) || (opts.question && frame.has(w))) continue;
    out.add(stem(w, language));
  }
  return out;
}

/** The question's own subject words in order ("what did they say about the price?" → "price"). */
export function subjectText(question: string, language: Analysis = 'en'): string {
  const frame = FRAME_BY_LANGUAGE[language];
  return words(question, language)
    .filter((w) => isContentWord(w, language) && !frame.has(w))
    .join(' ');
}

/**
 * Share of `claim`'s content stems found in `source` (0 when the claim has none). German writes a compound as
 * one word, and a question and the talk that answers it seldom compound alike: in German a stem also counts as
 * found inside a compound of the source ("schiff" in "spezialschiff") or by its own parts ("alleebaum": "allee"
 * and "baum").
 */
export function coverage(claim: Set<string>, source: Set<string>, language: Analysis = 'en'): number {
  if (claim.size === 0) return 0;
  let hit = 0;
  for (const s of claim) if (source.has(s) || (language === 'de' && inCompounds(s, source))) hit++;
  return hit / claim.size;
}

// A compound's part is at least this long: shorter ones ("bau", "see") begin and end too many unrelated words.
const COMPOUND_PART_MIN = 4;
// What joins a German compound's parts ("Arbeit-s-amt", "Straße-n-bahn").
const LINKS = ['s', 'es', 'n', 'en', 'e'];

function inCompounds(stemmed: string, source: Set<string>): boolean {
  const part = (p: string) => source.has(p) || source.has(stem(p, 'de')) || partOfCompound(p, source);
  if (partOfCompound(stemmed, source)) return true;
  for (let i = COMPOUND_PART_MIN; i <= stemmed.length - COMPOUND_PART_MIN; i++) {
    const head = stemmed.slice(0, i);
    const tail = stemmed.slice(i);
    if (!part(tail)) continue;
    if (part(head) || LINKS.some((l) => head.endsWith(l) && head.length - l.length >= COMPOUND_PART_MIN && part(head.slice(0, -l.length)))) return true;
  }
  return false;
}

/** Whether a word of the source begins or ends with `p`, as a compound does with its parts. */
function partOfCompound(p: string, source: Set<string>): boolean {
  if (p.length < COMPOUND_PART_MIN) return false;
  for (const s of source) if (s.length > p.length && (s.startsWith(p) || s.endsWith(p))) return true;
  return false;
}

const ABBREV = /\b(?:mr|mrs|ms|dr|prof|st|vs|etc|e\.g|i\.e|approx|no)\.$/i;
const CITE_GROUP = /^\s*\[(?:excerpts?\s*)?\d+(?:\s*[-–,]\s*\d+)*\]/i;

export interface Sentence {
  text: string;
  /** The sentence ended a line (a list item, a paragraph), so the rebuilt answer keeps the break. */
  lineEnd: boolean;
}

/**
 * Splits model output into sentences. Citations written after the full stop ("... price. [2]") belong
 * to the sentence before them; line breaks (lists, paragraphs) always end a sentence.
 */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const line of text.split(/\n+/)) {
    const start = out.length;
    let cur = '';
    let i = 0;
    while (i < line.length) {
      const ch = line[i];
      cur += ch;
      i++;
      if (!/[.!?]/.test(ch)) continue;
      while (i < line.length && /[.!?"'”’)]/.test(line[i])) cur += line[i++];
      let m: RegExpExecArray | null;
      while ((m = CITE_GROUP.exec(line.slice(i)))) {
        cur += m[0];
        i += m[0].length;
      }
      const next = line.slice(i);
      if (next === '' || (/^\s/.test(next) && !ABBREV.test(cur.trim()) && !/^\s+[a-z]/.test(next))) {
        if (cur.trim()) out.push({ text: cur.trim(), lineEnd: false });
        cur = '';
      }
    }
    if (cur.trim()) out.push({ text: cur.trim(), lineEnd: false });
    if (out.length > start) out[out.length - 1].lineEnd = true;
  }
  return out;
}

/**
 * Sentences of a transcript passage, for quoting. ASR text is punctuated with spaced marks ("Yeah . So ,") and
 * spaced contractions ("we 're", "do n't"), which are tidied so a quote reads as written text; an apostrophe
 * that opens a word ("1973 and '74", "the '67 strike") keeps its space.
 */
export function transcriptSentences(text: string): string[] {
  const tidy = text
    .replace(/\s+([.,!?;:])/g, '$1')
    .replace(/\s+(n?'(?:s|t|re|ve|ll|d|m))(?![\p{L}\p{N}])/giu, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return sentencesOfLine(tidy);
}


/** h:mm:ss, as the excerpt headers show time ranges. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
