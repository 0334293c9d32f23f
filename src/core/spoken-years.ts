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
  if (!year) return null;
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
