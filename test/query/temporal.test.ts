import { describe, expect, it } from 'vitest';
import { parseTemporal, type TemporalRange } from '../../src/retrieval/temporal.js';

// Fixed clock so relative expressions are deterministic (a mid-year, mid-month date avoids edge effects).
const NOW = new Date('2024-06-15T12:00:00Z');
const Y = (a: number, b = a): TemporalRange => ({ from: `${a}-01-01`, to: `${b}-12-31` });

type Row = [question: string, range: TemporalRange | null, text: string, matched?: string[]];

function check([question, range, text, matched]: Row) {
  const r = parseTemporal(question, NOW);
  expect(r.range).toEqual(range);
  expect(r.text).toBe(text);
  if (matched) expect(r.matched).toEqual(matched);
}

describe('parseTemporal', () => {
  it('returns nothing for empty or blank input', () => {
    expect(parseTemporal('')).toEqual({ range: null, text: '', matched: [] });
    expect(parseTemporal('   \n ')).toEqual({ range: null, text: '', matched: [] });
  });

  it('leaves questions without time expressions alone (whitespace tidied)', () => {
    expect(parseTemporal('  what was said   about  the remote control? ', NOW)).toEqual({
      range: null, text: 'what was said about the remote control?', matched: [],
    });
  });

  describe('the evaluation shape "In <year>, <question>"', () => {
    it.each<Row>([
      ['In 1998, what did the project manager say about the price?', Y(1998), 'what did the project manager say about the price?', ['In 1998']],
      ['In 2005, what did the industrial designer say about the 25 euro budget?', Y(2005), 'what did the industrial designer say about the 25 euro budget?'],
      ['In 1987, who mentioned 3 minutes of silence?', Y(1987), 'who mentioned 3 minutes of silence?'],
      ['In 2001, what did 12 people say about page 1990 of the report?', Y(2001), 'what did 12 people say about page 1990 of the report?'],
      ['In 1850, what was recorded?', Y(1850), 'what was recorded?'],
    ])('%s', (...row) => check(row));

    it('leaves exactly the question for every year 1900–2099', () => {
      for (let y = 1900; y <= 2099; y++) {
        const r = parseTemporal(`In ${y}, what did the marketing expert say about the buttons?`, NOW);
        expect(r.range).toEqual(Y(y));
        expect(r.text).toBe('what did the marketing expert say about the buttons?');
      }
    });
  });

  describe('years', () => {
    it.each<Row>([
      ['What did the committee say about housing in 1987?', Y(1987), 'What did the committee say about housing?', ['in 1987']],
      ['what happened to 1987\'s budget', Y(1987), 'what happened to budget', ["1987's"]],
      ['strikes during 1987', Y(1987), 'strikes', ['during 1987']],
      ['the 1987 budget debate', Y(1987), 'the budget debate', ['1987']],
      ['what was said in the year 1850', Y(1850), 'what was said', ['in the year 1850']],
      ['speeches in 2100', Y(2100), 'speeches'],
      ['IN 1987 WHAT WAS SAID', Y(1987), 'WHAT WAS SAID'],
      ['in 1990 people believed in progress', Y(1990), 'people believed in progress'],
      ['early 1987 speeches', { from: '1987-01-01', to: '1987-04-30' }, 'speeches'],
      ['in mid-1987', { from: '1987-05-01', to: '1987-08-31' }, ''],
      ['late 1987', { from: '1987-09-01', to: '1987-12-31' }, ''],
      ['around 1990 or so', Y(1990), 'or so', ['around 1990']],
      ['circa 1990', Y(1990), ''],
      ['c. 1990', Y(1990), ''],
    ])('%s', (...row) => check(row));
  });

  describe('years spelled out, as a speaker says them', () => {
    it.each<Row>([
      ['Why did the dockers strike in nineteen sixty-seven?', Y(1967), 'Why did the dockers strike?', ['in 1967']],
      ['what was said in nineteen sixty seven about the docks', Y(1967), 'what was said about the docks'],
      ['In nineteen oh five, who spoke?', Y(1905), 'who spoke?'],
      ['floods in twenty twenty-one', Y(2021), 'floods'],
      ['music of the nineteen sixties', Y(1960, 1969), 'music of', ['the 1960s']],
      // A year by its last two digits, as it is said and written ("the strike of '67").
      ["Why did the dockers strike in '67?", Y(1967), 'Why did the dockers strike?', ["in '67"]],
      ["the '67 strike", Y(1967), 'the strike'],
      ['floods of ’21', Y(2021), 'floods of'],
      ["from '85 to '90", Y(1985, 1990), ''],
      ["in early '78", { from: '1978-01-01', to: '1978-04-30' }, ''],
      // Counts and times of day are not years.
      ['twenty five people at eleven fifteen', null, 'twenty five people at eleven fifteen'],
    ])('%s', (...row) => check(row));
  });

  describe('decades', () => {
    it.each<Row>([
      ['in the eighties', Y(1980, 1989), '', ['in the eighties']],
      ['the 1980s', Y(1980, 1989), ''],
      ['1980s politics', Y(1980, 1989), 'politics'],
      ["the 1980's", Y(1980, 1989), ''],
      ["'80s music", Y(1980, 1989), 'music'],
      ['80s music', Y(1980, 1989), 'music'],
      ['in the ’80s', Y(1980, 1989), ''],
      ['the nineteen-eighties', Y(1980, 1989), ''],
      ['the nineteen eighties', Y(1980, 1989), ''],
      ['during the sixties, what did students say', Y(1960, 1969), 'what did students say'],
      ['The Sixties', Y(1960, 1969), ''],
      ['the twenties', Y(1920, 1929), ''],
      ['the twenty-twenties', Y(2020, 2029), ''],
      ['the twenty-tens', Y(2010, 2019), ''],
      ['the 2010s', Y(2010, 2019), ''],
      ['the 2000s', Y(2000, 2009), ''],
      ['the noughties', Y(2000, 2009), ''],
      ["the '00s", Y(2000, 2009), ''],
      ['the 1850s', Y(1850, 1859), ''],
      // "the 1900s" is read as the century, as it is in ordinary usage.
      ['the 1900s', Y(1900, 1999), ''],
      ['the early 1900s', Y(1900, 1939), ''],
    ])('%s', (...row) => check(row));
  });

  describe('parts of decades (early 0–3, mid 4–6, late 7–9)', () => {
    it.each<Row>([
      ['in the early seventies, what was said about budgets', Y(1970, 1973), 'what was said about budgets', ['in the early seventies']],
      ['early seventies', Y(1970, 1973), ''],
      ['mid 1980s', Y(1984, 1986), ''],
      ['the mid-1980s', Y(1984, 1986), ''],
      ['mid-eighties', Y(1984, 1986), ''],
      ['the late sixties', Y(1967, 1969), ''],
      ["the late '60s", Y(1967, 1969), ''],
      ['late 60s', Y(1967, 1969), ''],
      ['the early 2000s', Y(2000, 2003), ''],
    ])('%s', (...row) => check(row));
  });

  describe('ranges and lists', () => {
    it.each<Row>([
      ['between 1985 and 1990 who talked about the remote control', Y(1985, 1990), 'who talked about the remote control', ['between 1985 and 1990']],
      ['from 1985 to 1990', Y(1985, 1990), ''],
      ['from 1985 until 1990', Y(1985, 1990), ''],
      ['from 1985 up to 1990', Y(1985, 1990), ''],
      ['1985-1990', Y(1985, 1990), ''],
      ['1985 - 1990', Y(1985, 1990), ''],
      ['1985–90', Y(1985, 1990), ''],
      ['1998-02', Y(1998, 2002), ''],
      ['1985 to 1990', Y(1985, 1990), ''],
      ['1987 through 1990', Y(1987, 1990), ''],
      ['between 1850 and 1860', Y(1850, 1860), ''],
      ['what was said in 1985 and 1990 about taxes', Y(1985, 1990), 'what was said about taxes', ['in 1985 and 1990']],
      ['in 1985 and in 1990', Y(1985, 1990), ''],
      ['1985, 1987, and 1990', Y(1985, 1990), ''],
      ['in the seventies or eighties', Y(1970, 1989), ''],
      ['the seventies, eighties and nineties', Y(1970, 1999), ''],
      ['from the sixties to the eighties', Y(1960, 1989), ''],
      ['between the late sixties and the mid-eighties', Y(1967, 1986), ''],
      ['the 1980s and 1990s', Y(1980, 1999), ''],
      // Separate expressions are unioned as well.
      ['In 1987, what did they say about 1990?', Y(1987, 1990), 'what did they say about?', ['In 1987', '1990']],
    ])('%s', (...row) => check(row));
  });

  describe('open ranges', () => {
    it.each<Row>([
      ['before 1975', { from: null, to: '1974-12-31' }, ''],
      ['after 2001', { from: '2002-01-01', to: null }, ''],
      ['since 2001', { from: '2001-01-01', to: null }, ''],
      ['until 1990', { from: null, to: '1990-12-31' }, ''],
      ['up to 1990', { from: null, to: '1990-12-31' }, ''],
      ['by 1990', { from: null, to: '1990-12-31' }, ''],
      ['prior to 1975', { from: null, to: '1974-12-31' }, ''],
      ['pre-1990 speeches', { from: null, to: '1989-12-31' }, 'speeches'],
      ['post-2001 debates', { from: '2002-01-01', to: null }, 'debates'],
      ['before the eighties', { from: null, to: '1979-12-31' }, ''],
      ['after March 1987', { from: '1987-04-01', to: null }, ''],
      ['since the 1960s', { from: '1960-01-01', to: null }, ''],
      ['from 1985 onwards', { from: '1985-01-01', to: null }, ''],
      ['1990 and earlier', { from: null, to: '1990-12-31' }, ''],
      ['what was said about unions before 1975?', { from: null, to: '1974-12-31' }, 'what was said about unions?', ['before 1975']],
    ])('%s', (...row) => check(row));
  });

  describe('months and full dates', () => {
    it.each<Row>([
      ['in March 1987', { from: '1987-03-01', to: '1987-03-31' }, '', ['in March 1987']],
      ['March 1987', { from: '1987-03-01', to: '1987-03-31' }, ''],
      ['march of 1987', { from: '1987-03-01', to: '1987-03-31' }, ''],
      ['Feb. 1988', { from: '1988-02-01', to: '1988-02-29' }, ''],
      ['on 12 March 1987', { from: '1987-03-12', to: '1987-03-12' }, '', ['on 12 March 1987']],
      ['the 12th of March, 1987', { from: '1987-03-12', to: '1987-03-12' }, 'the'],
      ['1987-03-12', { from: '1987-03-12', to: '1987-03-12' }, ''],
      ['March 12, 1987', { from: '1987-03-12', to: '1987-03-12' }, ''],
      ['Sept 11th 2001', { from: '2001-09-11', to: '2001-09-11' }, ''],
      ['5/13/1987', { from: '1987-05-13', to: '1987-05-13' }, ''],
      // Day-first or month-first? Both readings are covered.
      ['12/03/1987', { from: '1987-03-12', to: '1987-12-03' }, ''],
      ['between March 1987 and June 1988', { from: '1987-03-01', to: '1988-06-30' }, ''],
    ])('%s', (...row) => check(row));
  });

  describe('centuries (colloquial: the 20th century is 1900–1999)', () => {
    it.each<Row>([
      ['the 20th century', Y(1900, 1999), ''],
      ['in the twentieth century', Y(1900, 1999), ''],
      ['the nineteenth century', Y(1800, 1899), ''],
      ['the 21st century', Y(2000, 2099), ''],
      ['twenty-first-century music', Y(2000, 2099), 'music'],
      ['the early 20th century', Y(1900, 1939), ''],
    ])('%s', (...row) => check(row));
  });

  describe('relative to now (2024-06-15)', () => {
    it.each<Row>([
      ['last year', Y(2023), ''],
      ['what was said last year about pay', Y(2023), 'what was said about pay'],
      ['this year', Y(2024), ''],
      ["this year's budget", Y(2024), 'budget'],
      ['in the last 5 years', { from: '2019-06-15', to: '2024-06-15' }, ''],
      ['over the past two years', { from: '2022-06-15', to: '2024-06-15' }, ''],
      ['in the last year', { from: '2023-06-15', to: '2024-06-15' }, ''],
      ['the past decade', { from: '2014-06-15', to: '2024-06-15' }, ''],
      ['last month', { from: '2024-05-01', to: '2024-05-31' }, ''],
      ['the last 3 months', { from: '2024-03-15', to: '2024-06-15' }, ''],
      ['since last year', { from: '2023-01-01', to: null }, ''],
    ])('%s', (...row) => check(row));

    it('wraps "last month" across a year boundary', () => {
      expect(parseTemporal('last month', new Date('2024-01-10T00:00:00Z')).range).toEqual({ from: '2023-12-01', to: '2023-12-31' });
    });

    it('defaults now to the current date', () => {
      const y = new Date().getUTCFullYear();
      expect(parseTemporal('this year').range).toEqual(Y(y));
    });
  });

  describe('false positives are left in the text', () => {
    it.each<string>([
      'a talk of 3 minutes',
      'over 10,000 people marched',
      'see item 1987a',
      'as written on page 1990',
      'chapter 1990 of the minutes',
      'ticket #1999',
      'tape 1987 transcript',
      'at 5 o\'clock sharp',
      'at 1930 hours',
      'around 2000 people attended',
      '2000 or so people came',
      '2000 people attended',
      'it cost $2000',
      'a rate of 1987.5 units',
      'call 555-1987',
      'the year 1850 is listed as 1850', // second 1850 has no context, first does
      'people in their sixties',
      'in her late 80s',
      'his early seventies',
      'people in their sixties and seventies',
      'the sixtieth anniversary',
      'Essixties and nineties-style',
      'tens of thousands',
      "press '12' to continue",
      "'67 people",
      "rock 'n' roll",
      'the last year of the war',
      'the 10th century',
      '1985-10',
      '1850',
      '1799 or 2101',
    ])('%s', (q) => {
      const r = parseTemporal(q, NOW);
      if (q.startsWith('the year 1850')) {
        expect(r.matched).toEqual(['the year 1850']);
        expect(r.text).toBe('is listed as 1850');
        return;
      }
      expect(r).toEqual({ range: null, text: q, matched: [] });
    });
  });

  it('stays fast on long or pathological input', () => {
    const t = Date.now();
    for (const q of ['- '.repeat(10_000) + 'x', ' '.repeat(20_000) + 'x', 'in 1987 '.repeat(2000), 'their early '.repeat(3000) + '80s']) {
      parseTemporal(q, NOW);
    }
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('ignores private-use characters in the input (they are used internally as placeholders)', () => {
    expect(parseTemporal('\uE100 in 1987 \uE101', NOW)).toEqual({ range: Y(1987), text: '', matched: ['in 1987'] });
  });

  describe('text tidying', () => {
    it.each<Row>([
      ['what was said, in 1987, about tax', Y(1987), 'what was said, about tax'],
      ['what was said about tax (in 1987)?', Y(1987), 'what was said about tax?'],
      ['Between 1985 and 1990: who spoke?', Y(1985, 1990), 'who spoke?'],
      ['what did they say about housing, in 1987?', Y(1987), 'what did they say about housing?'],
    ])('%s', (...row) => check(row));
  });
});

describe('parseTemporal in Spanish and German', () => {
  const rows: Row[] = [
    ['¿Qué pasó en la fábrica en los años sesenta?', Y(1960, 1969), '¿Qué pasó en la fábrica?'],
    ['en los años ochenta', Y(1980, 1989), ''],
    ['¿Qué se decidió a principios de los setenta?', Y(1970, 1973), '¿Qué se decidió?'],
    ['a finales de los años ochenta', Y(1987, 1989), ''],
    ['la década de 1980', Y(1980, 1989), ''],
    ['los 80', Y(1980, 1989), ''],
    ['¿Qué pasó entre 1985 y 1990 en el puerto?', Y(1985, 1990), '¿Qué pasó en el puerto?'],
    ['desde 1975 hasta 1980', Y(1975, 1980), ''],
    ['de 1985 a 1990', Y(1985, 1990), ''],
    ['¿Cómo era el trabajo antes de 1970?', { from: null, to: '1969-12-31' }, '¿Cómo era el trabajo?'],
    ['después de 1980', { from: '1981-01-01', to: null }, ''],
    ['la huelga de marzo de 1967', { from: '1967-03-01', to: '1967-03-31' }, 'la huelga'],
    ['el 12 de marzo de 1987', { from: '1987-03-12', to: '1987-03-12' }, 'el'],
    // Spanish names a year by its last two digits after "del", "en el" or "año", in digits or in words.
    ['¿Qué pasó en el 78?', Y(1978), '¿Qué pasó?'],
    ['la huelga del 78', Y(1978), 'la huelga'],
    ['la huelga del setenta y ocho', Y(1978), 'la huelga'],
    ['en el año 85', Y(1985), ''],
    ['subió un 12 por ciento del 78 por ciento', null, 'subió un 12 por ciento del 78 por ciento'],
    ['el autobús 78', null, 'el autobús 78'],
    ['Was geschah auf der Werft Anfang der siebziger Jahre?', Y(1970, 1973), 'Was geschah auf der Werft?'],
    ['in den achtziger Jahren', Y(1980, 1989), ''],
    ['In den Achtzigern gab es viele Streiks', Y(1980, 1989), 'gab es viele Streiks'],
    ['Wie war es in den 80er Jahren?', Y(1980, 1989), 'Wie war es?'],
    ['Mitte der 70er Jahre', Y(1974, 1976), ''],
    ['in den frühen sechziger Jahren', Y(1960, 1963), ''],
    ['zwischen 1985 und 1990', Y(1985, 1990), ''],
    ['von 1965 bis 1970', Y(1965, 1970), ''],
    ['Was passierte vor 1970 auf der Werft?', { from: null, to: '1969-12-31' }, 'Was passierte auf der Werft?'],
    ['seit 1985', { from: '1985-01-01', to: null }, ''],
    ['Was sagte der Bürgermeister am 12. Mai 1987?', { from: '1987-05-12', to: '1987-05-12' }, 'Was sagte der Bürgermeister?'],
    ['Ende 1987', { from: '1987-09-01', to: '1987-12-31' }, ''],
    // Ages are not decades.
    ['mit achtzig Jahren', null, 'mit achtzig Jahren'],
    ['in ihren Achtzigern', null, 'in ihren Achtzigern'],
  ];
  it.each(rows)('%s', (...row) => check(row as Row));
});

describe('years spelled out in Spanish and German, as they are said', () => {
  const rows: Row[] = [
    ['¿Por qué hubo huelga en mil novecientos sesenta y siete?', Y(1967), '¿Por qué hubo huelga?'],
    ['desde mil novecientos ochenta y cinco hasta mil novecientos noventa', Y(1985, 1990), ''],
    ['en mil ochocientos noventa y ocho', Y(1898), ''],
    ['en mil novecientos dieciséis', Y(1916), ''],
    ['la riada de dos mil cinco', Y(2005), 'la riada'],
    ['en dos mil veintiuno', Y(2021), ''],
    ['antes de mil novecientos setenta', { from: null, to: '1969-12-31' }, ''],
    ['en el año dos mil', Y(2000), ''],
    ['Warum wurde die Werft neunzehnhundertsechsundachtzig geschlossen?', Y(1986), 'Warum wurde die Werft geschlossen?'],
    ['im Jahr neunzehnhundertsiebenundsechzig', Y(1967), ''],
    ['im Jahr neunzehnhundert sieben und sechzig', Y(1967), ''],
    ['seit zweitausendfünf', { from: '2005-01-01', to: null }, ''],
    ['von neunzehnhundertachtzig bis neunzehnhundertneunzig', Y(1980, 1990), ''],
    ['das Hochwasser zweitausendeinundzwanzig', Y(2021), 'das Hochwasser'],
    ['in den neunzehnhundertsechziger Jahren', Y(1960, 1969), ''],
    // Prices and counts are not years.
    ['costó mil novecientos sesenta pesetas', null, 'costó mil novecientos sesenta pesetas'],
    ['más de dos mil trabajadores', null, 'más de dos mil trabajadores'],
    ['de dos mil', null, 'de dos mil'],
    ['neunzehnhundert Mark im Monat', null, 'neunzehnhundert Mark im Monat'],
    ['zweitausend Menschen', null, 'zweitausend Menschen'],
  ];
  it.each(rows)('%s', (...row) => check(row as Row));
});
