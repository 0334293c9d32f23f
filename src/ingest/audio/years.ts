import { spokenYearsIn, type Word } from '../../core/index.js';

// Longer than a breath between the words of one number: they were said apart.
const MAX_PAUSE_S = 0.5;

/**
 * A dictionary-based engine (pocketsphinx) writes what it hears as words: "the strike of nineteen sixty seven".
 * A researcher asks for "1967", and the archive's dates, the question's dates and the lexical index all read
 * digits, so a year said in a recording would be found by nobody. Its spoken forms are few and rarely anything
 * else (spokenYearsIn), and are written as the digits a transcriber would write. The joined word runs from the
 * first word's start to the last one's end, with the lowest confidence of its words; words of different
 * speakers or with a pause between them are not joined.
 */
export function spokenYears<W extends Word>(words: readonly W[]): W[] {
  const keys = words.map((w) => w.text.toLowerCase().replace(/[.,?!;:]+$/, ''));
  const joins = (k: number) => words[k].speaker === words[k - 1].speaker && words[k].start - words[k - 1].end <= MAX_PAUSE_S;
  const out: W[] = [];
  let next = 0;
  // Pushed one by one: a long recording's words are too many to spread into one call.
  const keepUpTo = (to: number) => {
    while (next < to) out.push(words[next++]);
  };
  for (const year of spokenYearsIn(keys, joins)) {
    keepUpTo(year.at);
    const said = words.slice(year.at, year.at + year.length);
    const confidences = said.map((w) => w.confidence).filter((c): c is number => c !== undefined);
    out.push({
      ...said[0],
      text: year.text,
      end: Math.max(...said.map((w) => w.end)),
      ...(confidences.length ? { confidence: Math.min(...confidences) } : {}),
    });
    next += year.length;
  }
  keepUpTo(words.length);
  return out;
}
