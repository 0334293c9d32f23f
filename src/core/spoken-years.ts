/**
 * The words an English speaker says a year with, read as the year: "in nineteen sixty seven" 1967, "since
 * nineteen oh five" 1905, "by nineteen hundred" 1900, "in twenty twenty one" 2021, "the nineteen sixties" 1960s.
 * Transcripts of an engine that writes numbers as words (src/ingest/audio/years.ts) and questions that spell a
 * year (src/retrieval/temporal.ts) are both written in digits, as the archive's dates and most transcripts are.
 *
 * Talk is full of numbers that sound like years: prices ("seventeen fifty Euro"), ranges ("twenty thirty
 * pounds", "sixteen seventeen eighteen"), a word said twice ("built them like twenty twenty years ago"), times
 * of day ("eleven fifteen"). So a year is read only as a century of sixteen to twenty followed by what can end
 * one, after a word that introduces a time ("in", "since", "from", "of", "by", …) or at the start, and not
 * before a unit, a currency or another number; a decade ("the nineteen sixties") needs only not to be part of a
 * list of numbers. Counts ("twenty five", "two thousand and five") are never read as years.
 *
 * Spanish and German say a year as the number it is ("en mil novecientos sesenta y siete", "dos mil cinco";
 * "neunzehnhundertsiebenundsechzig", "zweitausendfünf", a word German may also write in parts) and are read too,
 * with their own words for a time before it and a count after it. A round number ("dos mil", "neunzehnhundert")
 * is a price as often as a year, so it needs a word that can only introduce a time ("en el año dos mil", "seit
 * zweitausend"). A German year needs no word before it, as German says one bare ("die Werft wurde
 * neunzehnhundertsechsundachtzig geschlossen"). Their words are no English words, so all three are always read.
 */

const CENTURIES: Record<string, number> = { sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20 };
const ONES: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const TEENS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const DECADES: Record<string, number> = {
  twenties: 20, thirties: 30, forties: 40, fifties: 50, sixties: 60, seventies: 70, eighties: 80, nineties: 90,
};

// Words after which a number is a time: "in nineteen sixty seven", "from nineteen eighty five to nineteen ninety".
const BEFORE_A_YEAR = new Set([
  'in', 'since', 'during', 'until', 'till', 'before', 'after', 'from', 'to', 'by', 'around', 'circa', 'of', 'and', 'or',
  'year', 'early', 'mid', 'late', 'spring', 'summer', 'autumn', 'fall', 'winter', 'january', 'february', 'march',
  'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'then', 'back',
]);
// Words after which the number is a price, a measure or a count, not a year.
const AFTER_A_COUNT = new Set([
  'euro', 'euros', 'pound', 'pounds', 'quid', 'pence', 'p', 'dollar', 'dollars', 'bucks', 'cent', 'cents', 'franc', 'francs',
  'mark', 'marks', 'percent', 'per', 'point', 'years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds',
  'people', 'times', 'miles', 'kilometres', 'kilometers', 'metres', 'meters', 'feet', 'inches', 'grams', 'kilos',
  'units', 'pieces', 'copies', 'items', 'pm', 'am', 'hundred', 'thousand', 'million', 'billion',
]);
const FILLERS = new Set(['uh', 'um', 'er', 'erm', 'ah', 'eh', 'hm', 'mm']);
const isNumberWord = (w: string | undefined) => w !== undefined && (w in ONES || w in TEENS || w in TENS || w === 'oh' || w === 'zero');

/** A year said by words `at` to `at + length - 1`, written as `text` ("1967", "1960s"). */
export interface SpokenYear {
  at: number;
  length: number;
  text: string;
}

/**
 * The years said by the lower-case words, in order, none overlapping. `joins(k)`: whether word k may be read with
 * the word before it (not another speaker's, not after a pause; in written text, not after a comma).
 */
export function spokenYearsIn(words: readonly string[], joins: (k: number) => boolean = () => true): SpokenYear[] {
  const found: SpokenYear[] = [];
  for (let i = 0; i < words.length; ) {
    const year = spokenYearAt(words, i, joins);
    if (!year) {
      i++;
      continue;
    }
    found.push({ at: i, ...year });
    i += year.length;
  }
  return found;
}

function spokenYearAt(words: readonly string[], i: number, joins: (k: number) => boolean): { text: string; length: number } | null {
  const year = yearWordsAt(words, i, joins);
  if (!year) return spanishYearAt(words, i, joins) ?? germanYearAt(words, i, joins);
  const before = i > 0 ? words[i - 1] : undefined;
  // "a budget of twenty twenty uh Euros": a filler says nothing of what the number counts.
  let next = i + year.length;
  while (FILLERS.has(words[next] ?? '')) next++;
  const after = words[next];
  if (isNumberWord(before) || isNumberWord(after)) return null;
  if (year.text.endsWith('s')) return year;
  if (before !== undefined && !BEFORE_A_YEAR.has(before)) return null;
  return after !== undefined && AFTER_A_COUNT.has(after) ? null : year;
}

function yearWordsAt(words: readonly string[], i: number, joins: (k: number) => boolean): { text: string; length: number } | null {
  const century = CENTURIES[words[i] ?? ''];
  if (century === undefined) return null;
  const [second, third] = [words[i + 1], words[i + 2]];
  if (second === undefined || !joins(i + 1)) return null;
  const base = century * 100;
  const thirdOnes = third !== undefined && third in ONES && joins(i + 2);
  if (second in TENS) return thirdOnes ? { text: String(base + TENS[second] + ONES[third]), length: 3 } : { text: String(base + TENS[second]), length: 2 };
  if (second in TEENS) return { text: String(base + TEENS[second]), length: 2 };
  if (second in DECADES) return { text: `${base + DECADES[second]}s`, length: 2 };
  if (second === 'oh' && thirdOnes) return { text: String(base + ONES[third]), length: 3 };
  if (second === 'hundred' && century < 20) return { text: String(base), length: 2 };
  return null;
}

/** `text` with the years its words say written in digits ("in nineteen sixty-seven" → "in 1967"). */
export function writeSpokenYears(text: string): string {
  const tokens = [...text.matchAll(/\p{L}+/gu)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  const words = tokens.map((t) => text.slice(t.start, t.end).toLowerCase());
  // Words of one number are written apart by spaces or a hyphen, nothing else ("nineteen, sixty" is two).
  const joins = (k: number) => /^[\s-]+$/.test(text.slice(tokens[k - 1].end, tokens[k].start));
  let out = '';
  let from = 0;
  for (const year of spokenYearsIn(words, joins)) {
    out += text.slice(from, tokens[year.at].start) + year.text;
    from = tokens[year.at + year.length - 1].end;
  }
  return out + text.slice(from);
}

// Spanish says a year as the number it is: "mil novecientos sesenta y siete" 1967, "dos mil cinco" 2005.
const ES_ONES: Record<string, number> = {
  un: 1, uno: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9,
};
const ES_TEENS: Record<string, number> = {
  diez: 10, once: 11, doce: 12, trece: 13, catorce: 14, quince: 15, dieciséis: 16, dieciseis: 16, diecisiete: 17,
  dieciocho: 18, diecinueve: 19, veinte: 20, veintiuno: 21, veintiún: 21, veintiun: 21, veintidós: 22, veintidos: 22,
  veintitrés: 23, veintitres: 23, veinticuatro: 24, veinticinco: 25, veintiséis: 26, veintiseis: 26, veintisiete: 27,
  veintiocho: 28, veintinueve: 29,
};
const ES_TENS: Record<string, number> = { treinta: 30, cuarenta: 40, cincuenta: 50, sesenta: 60, setenta: 70, ochenta: 80, noventa: 90 };
const ES_HUNDREDS: Record<string, number> = { seiscientos: 600, setecientos: 700, ochocientos: 800, novecientos: 900 };
// Words after which a number is a time, and those of them that make even a round "dos mil" one ("en el año dos mil").
const ES_BEFORE_A_YEAR = new Set([
  'en', 'desde', 'hasta', 'año', 'durante', 'hacia', 'entre', 'antes', 'después', 'despues', 'primavera', 'verano',
  'otoño', 'invierno', 'enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre',
  'setiembre', 'octubre', 'noviembre', 'diciembre', 'de', 'del', 'y', 'o', 'a',
]);
const ES_WEAK = new Set(['de', 'del', 'y', 'o', 'a']);
const ES_AFTER_A_COUNT = new Set([
  'euro', 'euros', 'peseta', 'pesetas', 'dólar', 'dólares', 'dolares', 'libra', 'libras', 'céntimos', 'por', 'personas',
  'hombres', 'mujeres', 'niños', 'trabajadores', 'obreros', 'habitantes', 'votos', 'años', 'meses', 'semanas', 'días',
  'horas', 'minutos', 'metros', 'kilómetros', 'kilos', 'toneladas', 'veces', 'casas', 'viviendas', 'pisos', 'unidades',
  'ejemplares', 'páginas', 'millones', 'mil',
]);
const isSpanishNumber = (w: string | undefined) =>
  w !== undefined && (w in ES_ONES || w in ES_TEENS || w in ES_TENS || w in ES_HUNDREDS || w === 'mil' || w === 'cien' || w === 'cientos');

/** "mil novecientos sesenta y siete", "dos mil cinco": the years 1600–2099, said as Spanish says them. */
function spanishYearAt(words: readonly string[], i: number, joins: (k: number) => boolean): { text: string; length: number } | null {
  let k = i;
  const next = () => (k < words.length && joins(k) ? words[k] : undefined);
  let year: number;
  if (words[k] === 'mil') {
    year = 1000;
    k += 1;
  } else if (words[k] === 'dos' && words[k + 1] === 'mil' && joins(k + 1)) {
    year = 2000;
    k += 2;
  } else return null;
  if (year === 1000) {
    const hundreds = ES_HUNDREDS[next() ?? ''];
    if (hundreds === undefined) return null;
    year += hundreds;
    k++;
  }
  const word = next() ?? '';
  if (word in ES_ONES || word in ES_TEENS) {
    year += ES_ONES[word] ?? ES_TEENS[word];
    k += 1;
  } else if (word in ES_TENS) {
    year += ES_TENS[word];
    k += 1;
    if (next() === 'y' && k + 1 < words.length && words[k + 1] in ES_ONES && joins(k + 1)) {
      year += ES_ONES[words[k + 1]];
      k += 2;
    }
  }
  const round = year % 100 === 0;
  const before = i > 0 ? words[i - 1] : undefined;
  const after = words[k];
  if (isSpanishNumber(before) || isSpanishNumber(after) || (after !== undefined && ES_AFTER_A_COUNT.has(after))) return null;
  if (before !== undefined && (!ES_BEFORE_A_YEAR.has(before) || (round && ES_WEAK.has(before)))) return null;
  if (round && before === undefined) return null;
  return { text: String(year), length: k - i };
}

// German writes a number as one word and says a year by its hundreds: "neunzehnhundertsiebenundsechzig" 1967,
// "zweitausendfünf" 2005; a transcript may write its parts apart ("neunzehnhundert sieben und sechzig").
const DE_ONES = 'ein|eins|zwei|drei|vier|fünf|fuenf|sechs|sieben|acht|neun';
const DE_TEENS = 'zehn|elf|zwölf|zwoelf|dreizehn|vierzehn|fünfzehn|fuenfzehn|sechzehn|siebzehn|achtzehn|neunzehn';
const DE_TENS = 'zwanzig|dreißig|dreissig|vierzig|fünfzig|fuenfzig|sechzig|siebzig|achtzig|neunzig';
const DE_CENTURY = 'sechzehn|siebzehn|achtzehn|neunzehn';
const DE_YEAR = new RegExp(
  `^(?:(${DE_CENTURY})hundert|(zweitausend))(?:und)?(?:(?:(${DE_ONES})und)?(${DE_TENS})(er)?|(${DE_TEENS})|(${DE_ONES}))?$`,
);
const DE_VALUES: Record<string, number> = {
  ein: 1, eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, fuenf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, elf: 11,
  zwölf: 12, zwoelf: 12, dreizehn: 13, vierzehn: 14, fünfzehn: 15, fuenfzehn: 15, sechzehn: 16, siebzehn: 17, achtzehn: 18,
  neunzehn: 19, zwanzig: 20, dreißig: 30, dreissig: 30, vierzig: 40, fünfzig: 50, fuenfzig: 50, sechzig: 60, siebzig: 70,
  achtzig: 80, neunzig: 90,
};
const DE_PART = new RegExp(`^(?:${DE_CENTURY}|${DE_ONES}|${DE_TEENS}|${DE_TENS}|und|hundert|tausend|zweitausend|er)+$`);
// A round year ("neunzehnhundert", "zweitausend") is a price or a count but after these.
const DE_BEFORE_A_YEAR = new Set([
  'im', 'jahr', 'jahre', 'jahres', 'seit', 'bis', 'vor', 'nach', 'um', 'ab', 'anno', 'zwischen', 'während', 'frühjahr',
  'sommer', 'herbst', 'winter', 'januar', 'jänner', 'februar', 'märz', 'april', 'mai', 'juni', 'juli', 'august',
  'september', 'oktober', 'november', 'dezember',
]);
const DE_AFTER_A_COUNT = new Set([
  'euro', 'mark', 'dm', 'pfennig', 'dollar', 'franken', 'schilling', 'prozent', 'menschen', 'leute', 'leuten', 'personen',
  'mann', 'männer', 'frauen', 'kinder', 'arbeiter', 'beschäftigte', 'einwohner', 'stimmen', 'jahre', 'monate', 'wochen',
  'tage', 'stunden', 'minuten', 'meter', 'kilometer', 'kilo', 'tonnen', 'stück', 'mal', 'wohnungen', 'häuser',
  'millionen', 'exemplare', 'seiten',
]);

/** A German year of 1600–2099 (or a decade, "neunzehnhundertsechziger" 1960er) in words i to i + 3. */
function germanYearAt(words: readonly string[], i: number, joins: (k: number) => boolean): { text: string; length: number } | null {
  if (!/^(?:sechzehn|siebzehn|achtzehn|neunzehn)hundert|^zweitausend/.test(words[i] ?? '')) return null;
  let found: { text: string; length: number; round: boolean } | null = null;
  let joined = '';
  for (let k = i; k < Math.min(words.length, i + 4) && (k === i || joins(k)) && DE_PART.test(words[k]); k++) {
    joined += words[k];
    const m = DE_YEAR.exec(joined);
    if (!m) continue;
    const [, century, , ones, tens, decade, teens, single] = m;
    const base = century ? DE_VALUES[century] * 100 : 2000;
    const rest = (ones ? DE_VALUES[ones] : 0) + (tens ? DE_VALUES[tens] : 0) + (teens ? DE_VALUES[teens] : 0) + (single ? DE_VALUES[single] : 0);
    if (decade && (ones || !century)) continue;
    found = { text: decade ? `${base + rest}er` : String(base + rest), length: k - i + 1, round: rest === 0 };
  }
  if (!found) return null;
  const before = i > 0 ? words[i - 1] : undefined;
  const after = words[i + found.length];
  if (after !== undefined && DE_AFTER_A_COUNT.has(after)) return null;
  if (found.round && !(before !== undefined && DE_BEFORE_A_YEAR.has(before))) return null;
  return { text: found.text, length: found.length };
}

/** The latest year ending in `digits` (0–99) that is not after `reference`: '67 said in 1974 is 1967, '21 asked in 2026 is 2021. */
export function yearByLastTwoDigits(digits: number, reference: number): number {
  return reference - ((((reference - digits) % 100) + 100) % 100);
}

/**
 * What may stand before and after a year written by its last two digits ('67, ’74: an apostrophe, then two digits),
 * as regular expression sources (with the u flag): neither in a word or a number, nor a price or a quote ("'12'").
 * The question's routing (retrieval/temporal) and the talk's index (writeAbbreviatedYears) read such years alike.
 */
export const ABBREVIATED_YEAR_BEFORE = String.raw`(?<![\p{L}\p{N}_'’$£€.])`;
export const ABBREVIATED_YEAR_AFTER = String.raw`(?![\p{L}\p{N}_'’%]|[.,:]\d)`;
// '67, the '60s (a decade's with "s").
const ABBREVIATED_YEAR = new RegExp(String.raw`${ABBREVIATED_YEAR_BEFORE}['’](\d\d)(s?)${ABBREVIATED_YEAR_AFTER}`, 'gu');
// A count, a measure or a price: "'67 people", "1990 or so votes", "2000 %".
const COUNT_AFTER = /^\s*(?:(?:or so|odd)\s+)?(?:%|(?:people|persons|men|women|children|users|members|participants|students|pupils|employees|workers|staff|voters|votes|households|homes|houses|units|pieces|copies|items|pages|words|minutes?|mins?|seconds?|secs?|hours?|hrs?|days|weeks|months|years|times|dollars?|pounds?|euros?|yen|pence|cents?|quid|bucks|francs|marks|calories|metres?|meters?|feet|ft|inches|miles?|km|kilomet(?:re|er)s?|kg|kilos|grams|tons?|tonnes?|acres?|hectares?|square|per|percent|point|hundred|thousand|million|billion|more|fewer|less)\b)/i;

/**
 * Whether the words after a number (`after`, from just past it) make it a count, a measure or a price rather than
 * a year. One rule for a question's years (retrieval/temporal) and the talk's '67 (writeAbbreviatedYears), so that
 * a question routes to the year its words are indexed with.
 */
export const countFollows = (after: string): boolean => COUNT_AFTER.test(after);

/**
 * `text` with the whole year of each year written by its last two digits added after it ("the big strike, in '67."
 * → "the big strike, in '67. 1967"; "the '60s" adds 1960s), or put in its place (`replace`: "in 1967"), so that a
 * question asking for 1967 finds the talk that says '67 and one asking for '67 finds 1967. Added at the end, a
 * quoted phrase across the short year ("in '67 the dockers") still reads as said. The whole year is the latest
 * ending in those digits that is not after `reference`: the year a recording was made ('67 in a 1974 interview is
 * 1967, not 2067), or the current one for a question. Not before a count ("'67 people").
 */
export function writeAbbreviatedYears(text: string, reference: number, how: 'add' | 'replace' = 'add'): string {
  const added: string[] = [];
  const written = text.replace(ABBREVIATED_YEAR, (whole, digits: string, decade: string, at: number) => {
    if (!decade && countFollows(text.slice(at + whole.length))) return whole;
    const year = `${yearByLastTwoDigits(Number(digits), reference)}${decade}`;
    added.push(year);
    return how === 'replace' ? year : whole;
  });
  return how === 'replace' || added.length === 0 ? written : `${text} ${added.join(' ')}`;
}
