/**
 * Temporal understanding of researchers' questions.
 *
 * parseTemporal("In 1998, what did the project manager say about the price?") gives
 *   range {from:'1998-01-01', to:'1998-12-31'}, text 'what did the project manager say about the price?'
 * so the range filters recordings by their recording date and the text is matched against transcripts.
 *
 * How it works (why: a table of small regexes is easier to audit and extend than a grammar):
 *  1. ATOMS: each rule finds one kind of expression (a date, a month, a decade...) and swaps it for a
 *     one-character placeholder from the Unicode private-use area, which real questions never contain.
 *     Rules run most-specific first, so "1987-03-12" is a date before "1987" can be taken as a year.
 *  2. COMPOUNDS: rules over placeholders add what surrounds them: open ranges ("before P"), lists and
 *     ranges ("P and P", "P to P", "P-P"), and the neutral prepositions ("in P", "between P").
 *  3. Every placeholder left is one top-level expression; the range is the union (earliest to latest).
 *
 * Choices (documented because they are judgement calls):
 *  - early/mid/late of a decade = years 0–3 / 4–6 / 7–9 ("mid-eighties" = 1984–1986, a symmetric middle
 *    that leaves neither end out); of a century the same scaled by ten (early 1900s = 1900–1939);
 *    of a year = Jan–Apr / May–Aug / Sep–Dec.
 *  - Centuries are colloquial: "the 20th century" = 1900–1999, not 1901–2000. Only the 19th–21st are read.
 *  - "the 1800s"/"the 1900s" mean centuries (common usage), but "the 2000s" is the decade 2000–2009.
 *  - Bare two-digit decades ("the eighties", "'80s") are 1900s, except '00s/noughties/"twenty-...".
 *  - "in the last 5 years" is a rolling window ending today; "last year" is the previous calendar year.
 *  - Relative expressions use the UTC calendar date of `now`, so results don't depend on the server zone.
 *  - "around"/"circa" are removed but do not widen the range: widening would be a guess.
 *  - "1985-10" is neither a range (a 25-year two-digit range is implausible) nor October: it's ambiguous.
 *  - Spanish and German read the same way, with their own words: "a principios de los setenta" and "Anfang
 *    der siebziger Jahre" are early seventies, "mediados"/"Mitte" mid, "finales"/"Ende" late; "entre 1985 y
 *    1990" and "zwischen 1985 und 1990" are ranges, "antes de"/"vor" before, "desde"/"seit" since. Their rules
 *    are always on (a question's language is not always known), and their words do not occur in English.
 *  - A year spelled as it is said ("nineteen sixty-seven", "the nineteen sixties") is read as the digits it says
 *    (src/core/spoken-years.ts), as a transcript of an engine that writes numbers as words is.
 *  - A year by its last two digits ("in '67", "the '67 strike"; Spanish "del 78", "en el año 85", "del setenta y
 *    ocho") is of the last hundred years, this one included: in 2026 '21 is 2021 and '27 is 1927. Without the
 *    apostrophe (or Spanish's "del", "en el", "año") two digits are a count.
 */
import { ABBREVIATED_YEAR_AFTER, ABBREVIATED_YEAR_BEFORE, countFollows, writeSpokenYears, yearByLastTwoDigits } from '../core/index.js';

/** Inclusive ISO dates YYYY-MM-DD; null = open on that side. */
export interface TemporalRange { from: string | null; to: string | null }
export interface TemporalParse { range: TemporalRange | null; text: string; matched: string[] }

type Span = TemporalRange;
interface Ctx { whole: string; pre: string; post: string; now: Date; get(ch: string): Span }
type G = (string | undefined)[];
type Rule = [RegExp, (g: G, c: Ctx) => Span | null];

// ---------- date arithmetic ----------
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const years = (a: number, b = a): Span => ({ from: iso(a, 1, 1), to: iso(b, 12, 31) });
const month = (y: number, m: number): Span => ({ from: iso(y, m, 1), to: iso(y, m, lastDay(y, m)) });
const day = (y: number, m: number, d: number): Span | null =>
  m >= 1 && m <= 12 && d >= 1 && d <= lastDay(y, m) ? { from: iso(y, m, d), to: iso(y, m, d) } : null;
const shift = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const today = (now: Date) => iso(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
/** Union of spans: an open side anywhere stays open. ISO strings compare correctly as text. */
const union = (spans: Span[]): Span => ({
  from: spans.some((s) => s.from === null) ? null : spans.map((s) => s.from!).sort()[0],
  to: spans.some((s) => s.to === null) ? null : spans.map((s) => s.to!).sort().at(-1)!,
});

// ---------- vocabulary ----------
const re = (src: string, flags = 'gi') => new RegExp(src, flags);
const HOLD = String.raw`[\uE100-\uF8FF]`;
const P = `(${HOLD})`;
const YEAR = '(1[89]\\d\\d|20\\d\\d|2100)'; // the plausible 1800–2100 window
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = String.raw`(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?`;
const monthNo = (s: string) => MONTHS.indexOf(s.slice(0, 3).toLowerCase()) + 1;
const ORD = String.raw`(?:st|nd|rd|th)`;
const PART = String.raw`(?:(early|mid|late)(?:\s+|\s*-\s*))?`;
const PARTS: Record<string, [number, number]> = { early: [0, 3], mid: [4, 6], late: [7, 9] };
// "in her sixties", "his late 80s" are ages, not decades.
// Bounded quantifiers: an unbounded [\s-]+ in a look-behind goes quadratic on "- - - - ..." input.
const POSS = String.raw`(?<!\b(?:his|her|their|my|your|our|its|whose)\s{1,3}(?:(?:early|mid|late)[\s-]{1,3})?)`;
// Spanish and German decades and months, and the parts of a decade or year.
const DECADES_ES: Record<string, number> = { veinte: 20, treinta: 30, cuarenta: 40, cincuenta: 50, sesenta: 60, setenta: 70, ochenta: 80, noventa: 90 };
const DECADES_DE: Record<string, number> = {
  zwanziger: 20, dreißiger: 30, dreissiger: 30, vierziger: 40, fünfziger: 50, fuenfziger: 50, sechziger: 60, siebziger: 70,
  achtziger: 80, neunziger: 90,
};
const MONTHS_ES = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
const MONTHS_DE = ['januar', 'februar', 'märz', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'dezember'];
const MONTH_ES = String.raw`(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)`;
const MONTH_DE = String.raw`(januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)`;
const monthNoEs = (s: string) => (s.toLowerCase() === 'setiembre' ? 9 : MONTHS_ES.indexOf(s.toLowerCase()) + 1);
const monthNoDe = (s: string) => ({ jänner: 1, maerz: 3 } as Record<string, number>)[s.toLowerCase()] ?? MONTHS_DE.indexOf(s.toLowerCase()) + 1;
const PART_ES = String.raw`(?:(?:a\s+)?(principios|comienzos|inicios|mediados|finales|fines)\s+de(?:l)?\s+)?`;
const PART_DE = String.raw`(?:(anfang|mitte|ende)\s+(?:der\s+)?)?`;
const PARTS_OTHER: Record<string, 'early' | 'mid' | 'late'> = {
  principios: 'early', comienzos: 'early', inicios: 'early', mediados: 'mid', finales: 'late', fines: 'late',
  anfang: 'early', mitte: 'mid', ende: 'late', frühen: 'early', fruehen: 'early', mittleren: 'mid', späten: 'late', spaeten: 'late',
};
const partOf = (w?: string) => (w ? PARTS_OTHER[w.toLowerCase()] : undefined);
// The years a Spanish speaker names by their last two words ("del setenta y ocho"): twenty to ninety-nine.
const TENS_VALUES_ES: Record<string, number> = {
  ...DECADES_ES, veintiuno: 21, veintiún: 21, veintidós: 22, veintitrés: 23, veinticuatro: 24, veinticinco: 25, veintiséis: 26,
  veintisiete: 27, veintiocho: 28, veintinueve: 29,
};
const ONES_ES: Record<string, number> = { uno: 1, un: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9 };
const TENS_ES = `(${Object.keys(TENS_VALUES_ES).join('|')})`;
/** '21 is 2021 until 2021 is past, '67 is 1967: the last hundred years, counting this one (as talk's '67 is indexed). */
const lastTwoDigits = (n: number, now: Date) => yearByLastTwoDigits(n, now.getUTCFullYear());

const DECADE_WORDS: Record<string, number> = {
  tens: 10, twenties: 20, thirties: 30, forties: 40, fifties: 50, sixties: 60, seventies: 70, eighties: 80,
  nineties: 90, noughties: 0, naughties: 0, aughts: 0,
};
const CENTURY_WORDS: Record<string, number> = { nineteenth: 19, twentieth: 20, 'twenty first': 21 };
const NUM_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, fifteen: 15, twenty: 20, few: 3, couple: 2,
};

/** A decade or century, optionally narrowed to its early/mid/late part (unit = years per tenth). */
function period(start: number, unit: 1 | 10, part?: string): Span {
  const [lo, hi] = part ? PARTS[part.toLowerCase()] : [0, 9];
  return years(start + lo * unit, start + hi * unit + unit - 1);
}
function yearPart(y: number, part?: string): Span {
  if (!part) return years(y);
  const [a, b] = { early: [1, 4], mid: [5, 8], late: [9, 12] }[part.toLowerCase()] ?? [1, 12];
  return { from: iso(y, a, 1), to: iso(y, b, lastDay(y, b)) };
}

// Context that makes a bare number a year. Labels ("page 1990", "tape 1987") never are.
const LABEL_BEFORE = /(?:\b(?:pages?|pp?\.|items?|nos?\.|numbers?|rooms?|chapters?|ch\.|sections?|sec\.|fig\.|figures?|tables?|lines?|vol\.|volumes?|issues?|episodes?|ep\.|tracks?|models?|flights?|routes?|bus|exhibits?|steps?|rules?|articles?|paragraphs?|clauses?|codes?|id|ref\.|versions?|tapes?|boxes|box|files?|folders?|reels?|cassettes?|catalog(?:ue)?|stations?|channels?|ext\.|extensions?|units?|apartments?|suites?|highway|forms?|slides?)|[#№])\s*#?\s*$/i;
// Prepositions that only ever introduce times: a number after them is a year even before a count noun.
const TEMPORAL_BEFORE = /(?:\b(?:in|during|since|before|after|until|till|circa|throughout|year|spring|summer|autumn|fall|winter|pre|post|en|durante|desde|antes de|después de|hasta|año|im|jahre?|seit|vor|nach|bis|ab|während|um)|\bca?\.)[\s-]*$/i;
// Weaker context: enough for an 1800s year, not enough to override "2000 people".
const WEAK_BEFORE = new RegExp(String.raw`(?:\b(?:from|between|by|around|of|to|and|or|through|thru|than|as of|on|entre|de|del|y|o|und|oder|von|zwischen)\s+|(?:${HOLD}|\b\d{4})\s*(?:[-–—,/&]|and|or|to|until|through|y|o|a|hasta|und|oder|bis)?\s*)$`, 'i');
const RANGE_AFTER = new RegExp(String.raw`^\s*(?:[-–—]|to|and|until|through)\s*${YEAR}\b`, 'i');
// "the seventies or eighties": a bare decade word is trusted when it continues a list after an accepted
// expression (rules see earlier matches of the same pass as placeholders in `pre`).
const LISTED_DECADE = new RegExp(String.raw`${HOLD}\s*(?:[-–—,&/]|and|or|to|until|till|through)\s*$`, 'i');

// the eighties, the nineteen-eighties, early seventies, the noughties. Without "the", a part or a
// century word, "sixties" is too often an age or a name to trust.
const DECADE_WORD_RULE: Rule = [re(String.raw`${POSS}\b(?:(the)\s+)?${PART}(?:(nineteen|twenty)[\s-]?)?(tens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|noughties|naughties|aughts)\b`),
    ([the, part, cent, w], { pre }) => {
      const n = DECADE_WORDS[w!.toLowerCase()];
      if (n === 10 && !cent) return null; // "the tens of thousands"
      if (n !== 0 && !the && !part && !cent && !LISTED_DECADE.test(pre)) return null;
      const base = n === 0 || cent?.toLowerCase() === 'twenty' ? 2000 : 1900;
      return period(base + n, 1, part);
    }];

// Spanish and German expressions (see the header), each kind most specific first like the English ones.
const OTHER_LANGUAGE_ATOMS: Rule[] = [
  // 12 de marzo de 1987 / 12. März 1987
  [re(String.raw`\b(\d{1,2})\s+de\s+${MONTH_ES}\s+(?:de|del)\s+${YEAR}\b`), ([d, m, y]) => day(+y!, monthNoEs(m!), +d!)],
  [re(String.raw`\b(\d{1,2})\.\s*${MONTH_DE}\s+${YEAR}\b`), ([d, m, y]) => day(+y!, monthNoDe(m!), +d!)],
  // marzo de 1987 / März 1987
  [re(String.raw`\b${MONTH_ES}\s+(?:de|del)\s+${YEAR}\b`), ([m, y]) => month(+y!, monthNoEs(m!))],
  [re(String.raw`\b${MONTH_DE}\s+${YEAR}\b`), ([m, y]) => month(+y!, monthNoDe(m!))],
  // (a principios de) los (años) ochenta / los (años) 80 / la década de (los) 1980 / los 1980
  [re(String.raw`\b${PART_ES}(?:(?:la\s+)?década\s+de\s+)?(?:los\s+)?(?:años\s+)?(?:(veinte|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa)\b|(\d0)(?:s|'s)?(?![\w'’.,]?\d)|(1[89]\d0|20\d0)(?:s|'s)?\b)`),
    ([part, w, d2, d4], { whole }) => {
      // A bare number ("los 80") is a decade only after "los", "años" or "década".
      if (!w && !/\b(?:los|años|década\s+de)\s+\S+$/i.test(whole.trim())) return null;
      if (w && !/\b(?:los|años|década)\s/i.test(whole)) return null;
      const base = w ? 1900 + DECADES_ES[w.toLowerCase()] : d2 ? 1900 + +d2 : +d4!;
      return period(base, 1, partOf(part));
    }],
  // (Anfang der | in den frühen) achtziger Jahre(n) / Achtzigern / 80er(-)Jahre / 1980er Jahre
  [re(String.raw`(?<!\b(?:ihren|seinen|meinen|deinen|unseren|euren)\s{1,3}(?:(?:frühen|späten|mittleren)\s{1,3})?)\b${PART_DE}(?:(?:in\s+)?(?:den|die|der)\s+)?(?:(frühen|fruehen|mittleren|späten|spaeten)\s+)?(?:(zwanziger|dreißiger|dreissiger|vierziger|fünfziger|fuenfziger|sechziger|siebziger|achtziger|neunziger)(n?)|(\d0)er|(1[89]\d0|20\d0)er)(?:(?:\s*-\s*|\s+)jahre?n?)?(?![\p{L}])`, 'giu'),
    ([part, part2, w, plural, d2, d4], { whole }) => {
      // "Achtziger" alone may be a wine or a bus line: a decade needs "Jahre", an article or a part with it.
      if (w && !plural && !/jahre?n?$/i.test(whole.trim()) && !/\b(?:den|die|der|anfang|mitte|ende|frühen|späten|mittleren)\s/i.test(whole)) return null;
      const base = w ? 1900 + DECADES_DE[w.toLowerCase()] : d2 ? 1900 + +d2 : +d4!;
      return period(base, 1, partOf(part) ?? partOf(part2));
    }],
  // a principios de 1987 / Anfang 1987
  [re(String.raw`\b(?:a\s+)?(principios|comienzos|inicios|mediados|finales|fines)\s+de(?:l)?\s+(?:año\s+)?${YEAR}\b`), ([part, y]) => yearPart(+y!, partOf(part))],
  [re(String.raw`\b(anfang|mitte|ende)\s+${YEAR}\b`), ([part, y]) => yearPart(+y!, partOf(part))],
];

// ---------- pass 1: atomic expressions, most specific first ----------
const ATOMS: Rule[] = [
  // 1987-03-12
  [re(String.raw`\b${YEAR}-(\d{1,2})-(\d{1,2})\b`), ([y, m, d]) => day(+y!, +m!, +d!)],
  // 12/03/1987: day-first vs month-first is ambiguous unless one part is >12, so span both readings.
  [re(String.raw`(?<![\w/.])(\d{1,2})[/.](\d{1,2})[/.]${YEAR}\b`), ([a, b, y]) => {
    const dmy = day(+y!, +b!, +a!), mdy = day(+y!, +a!, +b!);
    return dmy && mdy ? union([dmy, mdy]) : dmy ?? mdy;
  }],
  // 12 March 1987, 12th of March, 1987
  [re(String.raw`\b(\d{1,2})${ORD}?\s+(?:of\s+)?${MONTH},?\s+${YEAR}\b`), ([d, m, y]) => day(+y!, monthNo(m!), +d!)],
  // March 12, 1987
  [re(String.raw`\b${MONTH}\s+(\d{1,2})${ORD}?,?\s+${YEAR}\b`), ([m, d, y]) => day(+y!, monthNo(m!), +d!)],
  // March 1987, March of 1987
  [re(String.raw`\b${MONTH},?\s+(?:of\s+)?${YEAR}\b`), ([m, y]) => month(+y!, monthNo(m!))],
  // 1985-1990, 1985–90 (two-digit ends may roll over a century: 1998-02; 20 years max keeps "1985-10" out)
  [re(String.raw`(?<![\w.-])${YEAR}\s*[-–—]\s*(\d{4}|\d{2})\b(?![-–]\d)`), ([a, b]) => {
    const from = +a!;
    let to = b!.length === 2 ? Math.floor(from / 100) * 100 + +b! : +b!;
    if (b!.length === 2 && to <= from) to += 100;
    return to > from && to <= 2100 && (b!.length === 4 || to - from <= 20) ? years(from, to) : null;
  }],
  // the 20th century, the early twentieth century, twenty-first-century
  [re(String.raw`\b(?:the\s+)?${PART}(\d{1,2}${ORD}|nineteenth|twentieth|twenty[\s-]first)[\s-]+century\b`), ([part, c]) => {
    const n = CENTURY_WORDS[c!.toLowerCase().replace(/[\s-]+/, ' ')] ?? parseInt(c!, 10);
    return n >= 19 && n <= 21 ? period((n - 1) * 100, 10, part) : null;
  }],
  // the 1980s, mid-1980s, 1980's; "the 1900s" is the century (see header)
  [re(String.raw`${POSS}(?<![\w'’])(?:the\s+)?${PART}(1[89]\d0|20\d0)['’]?s\b`), ([part, d]) => {
    const y = +d!;
    return y % 100 === 0 && y < 2000 ? period(y, 10, part) : period(y, 1, part);
  }],
  // the '80s, 80s, late 60s
  [re(String.raw`${POSS}(?<![\w'’$£€.])(?:the\s+)?${PART}['’]?(\d0)['’]?s\b`), ([part, d]) =>
    period(d === '00' ? 2000 : 1900 + +d!, 1, part)],
  ...OTHER_LANGUAGE_ATOMS,
  // '67, in ’78: a year by its last two digits (not "'67 people", nor a quoted "'12'")
  [re(String.raw`${POSS}${ABBREVIATED_YEAR_BEFORE}${PART}['’](\d\d)${ABBREVIATED_YEAR_AFTER}`, 'giu'), ([part, d], { post, now }) =>
    countFollows(post) ? null : yearPart(lastTwoDigits(+d!, now), part)],
  // del 78, en el 78, en el año 85, del setenta y ocho: Spanish says a year so too
  [re(String.raw`\b(?:(?:del|en\s+el)(?:\s+año)?|(?:el\s+)?año)\s+(?:(\d\d)|${TENS_ES}(?:\s+y\s+(${Object.keys(ONES_ES).join('|')}))?)(?![\p{L}\p{N}%])`, 'giu'), ([d, tens, ones], { post, now }) =>
    /^\s*(?:por\s*ciento|%)/i.test(post) ? null
      : yearPart(lastTwoDigits(d ? +d : TENS_VALUES_ES[tens!.toLowerCase()] + (ones ? ONES_ES[ones.toLowerCase()] : 0), now))],
  DECADE_WORD_RULE,
  // in the last 5 years, the past decade (rolling) / last year, last month (calendar)
  [re(String.raw`\b(?:for\s+)?(?:(the)\s+)?(?:last|past)\s+(?:(\d{1,3}|${Object.keys(NUM_WORDS).join('|')})(?:\s+of)?\s+)?(years?|months?|decades?)(?:['’]s?)?(?![\w'’]|\s+of\b)`),
    ([the, n, unit], { now }) => {
      const u = unit!.toLowerCase().replace(/s$/, '');
      const y = now.getUTCFullYear(), m = now.getUTCMonth() + 1;
      if (!the && !n && u === 'year') return years(y - 1);
      if (!the && !n && u === 'month') return m === 1 ? month(y - 1, 12) : month(y, m - 1);
      const k = n ? (NUM_WORDS[n.toLowerCase()] ?? +n) : 1;
      const d = new Date(Date.UTC(y, m - 1, now.getUTCDate()));
      if (u === 'month') d.setUTCMonth(d.getUTCMonth() - k);
      else d.setUTCFullYear(y - k * (u === 'decade' ? 10 : 1));
      return { from: d.toISOString().slice(0, 10), to: today(now) };
    }],
  [re(String.raw`\bthis\s+(year|month)(?:['’]s)?\b`), ([unit], { now }) =>
    unit!.toLowerCase() === 'year' ? years(now.getUTCFullYear()) : month(now.getUTCFullYear(), now.getUTCMonth() + 1)],
  // A plain year, last because it is the least certain. Guards: not inside a word or number
  // ("1987a", "10,1990", "$2000", "555-1987"), not a label, not a count ("2000 people").
  [re(String.raw`(?<![\w$£€#@/]|\d[.,:-])${PART}${YEAR}(?:['’]s)?(?![\w%]|[.,:]\d|[-–]\d|['’]\w)`), ([part, y], { pre, post }) => {
    const year = +y!;
    if (LABEL_BEFORE.test(pre)) return null;
    const strong = !!part || TEMPORAL_BEFORE.test(pre);
    if (!strong && countFollows(post)) return null;
    const context = strong || WEAK_BEFORE.test(pre) || RANGE_AFTER.test(post);
    return context || (year >= 1900 && year <= 2099) ? yearPart(year, part) : null;
  }],
];

// ---------- pass 2: what surrounds the atoms ----------
const CONNECT = String.raw`(?:\s*,?\s+(?:and|or|to|till|until|through|thru|up\s+to|up\s+until|y|o|a|al|hasta|und|oder|bis)\s+|\s*[-–—,/&]\s*)(?:(?:in|during|on|en|el|los|in\s+den|im)\s+)?`;
const startOf = (s: Span) => s.from;
const endOf = (s: Span) => s.to;
const COMPOUNDS: Rule[] = [
  // before/after/since/until P. Skipped right after another atom so "from P until P" stays one range.
  [re(String.raw`(?<!${HOLD}\s*)\b(before|prior\s+to|earlier\s+than|pre-?|after|later\s+than|post-?|since|until|till|up\s+to|up\s+until|by|no\s+later\s+than|antes\s+de|después\s+de|despues\s+de|desde|a\s+partir\s+de|hasta|vor|nach|seit|ab|bis)\s*(?:(?:el\s+año|los|la|el|dem|den|der|jahre?)\s+)?${P}(?!${CONNECT}${HOLD})`),
    ([w, p], { get }) => {
      const s = get(p!), k = w!.toLowerCase().replace(/\s+/g, ' ');
      if (/^(before|prior to|earlier than|pre|antes|vor)/.test(k)) return { from: null, to: startOf(s) && shift(startOf(s)!, -1) };
      if (/^(after|later than|post|después|despues|nach)/.test(k)) return { from: endOf(s) && shift(endOf(s)!, 1), to: null };
      return /^(since|desde|a partir|seit|ab)/.test(k) ? { from: s.from, to: null } : { from: null, to: s.to };
    }],
  // 1985 onwards, 1990 and earlier
  [re(String.raw`${P}\s+(?:onwards?|on\s+wards?|(?:and|or)\s+(?:later|after|beyond|since))\b`), ([p], { get }) => ({ from: get(p!).from, to: null })],
  [re(String.raw`${P}\s+(?:and|or)\s+(?:earlier|before)\b`), ([p], { get }) => ({ from: null, to: get(p!).to })],
  // lists and ranges: "1985 and 1990", "the sixties to the eighties", "1985, 1987 or 1990"
  [re(String.raw`${P}(?:${CONNECT}${P})+`), (_g, { whole, get }) => union([...whole.matchAll(re(P))].map((m) => get(m[1])))],
  // prepositions that only introduce the time: between/from/in/during/on/around/circa...
  [re(String.raw`\b(?:(?:between|from|in|during|on|around|circa|c\.|ca\.|through|throughout|within|over|at\s+some\s+point\s+in|the\s+year(?:\s+of)?|entre|de|del|desde|en|durante|hacia|alrededor\s+de|el\s+año|los\s+años|zwischen|von|im|am|in\s+den|während|um|im\s+jahre?|anno)\s+)+${P}`),
    ([p], { get }) => get(p!)],
];

const HOLD_G = re(HOLD);
/** Cosmetic clean-up so the leftover reads as a question: no orphan punctuation or double spaces. */
function tidy(s: string): string {
  return s
    .replace(HOLD_G, ' ')
    .replace(/\(\s*\)/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s+([?.!,;:)])/g, '$1')
    .replace(/([,;:])(?:\s*[,;:])+/g, '$1')
    .replace(/[,;:]+(?=[?.!]|$)/g, '')
    .replace(/^[\s,;:.\-–—]+|[\s,;:\-–—]+$/g, '')
    .trim();
}

export function parseTemporal(question: string, now: Date = new Date()): TemporalParse {
  if (!question || !question.trim()) return { range: null, text: '', matched: [] };
  const spans: Span[] = [];
  const raws: string[] = [];
  const id = (ch: string) => ch.charCodeAt(0) - 0xe100;
  const get = (ch: string) => spans[id(ch)];
  // Raw text of a match with inner placeholders expanded back to the user's words.
  const expand = (s: string) => s.replace(HOLD_G, (ch) => raws[id(ch)]);
  // Private-use characters already in the input would be misread as placeholders.
  // Collapsing whitespace first also keeps the `\s*` look-behinds linear on pathological input.
  // A year spelled as it is said ("nineteen sixty-seven") is read as written (writeSpokenYears).
  let w = writeSpokenYears(question).replace(HOLD_G, ' ').replace(/\s+/g, ' ');
  for (const [rx, fn] of [...ATOMS, ...COMPOUNDS]) {
    // A hand-rolled replace so `pre` is the rewritten text so far, placeholders from this pass included.
    let out = '', last = 0;
    for (const m of w.matchAll(rx)) {
      const whole = m[0], at = m.index;
      out += w.slice(last, at);
      last = at + whole.length;
      // Context rules only look a few words either side; short windows keep long inputs linear.
      const span = fn(m.slice(1), { whole, pre: out.slice(-60), post: w.slice(last, last + 60), now, get });
      if (!span || spans.length >= 0xf8ff - 0xe100) { out += whole; continue; }
      spans.push(span);
      raws.push(expand(whole).trim());
      out += String.fromCharCode(0xe100 + spans.length - 1);
    }
    w = out + w.slice(last);
  }
  const top = [...w.matchAll(HOLD_G)].map((m) => id(m[0]));
  return {
    range: top.length ? union(top.map((i) => spans[i])) : null,
    text: tidy(w),
    matched: top.map((i) => raws[i]),
  };
}
