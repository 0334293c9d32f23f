import type { Word } from '../../core/index.js';

/**
 * A dictionary-based engine (pocketsphinx) writes what it hears as words: "the strike of nineteen sixty seven".
 * A researcher asks for "1967", and the archive's dates, the question's dates and the lexical index all read
 * digits, so a year said in a recording would be found by nobody. The spoken forms of a year are few and
 * rarely anything else, and are written here as the digits a transcriber would write: "nineteen sixty seven"
 * 1967, "nineteen oh five" 1905, "nineteen hundred" 1900, "twenty twenty one" 2021, "twenty ten" 2010, "the
 * nineteen sixties" 1960s. A year is read only as a century of sixteen to twenty followed by what can end one
 * ("sixteen twenty" is 1620); what is also a count ("twenty five", "two thousand and five") or a time of day
 * ("eleven fifteen") is left as it was said. The joined word runs from the first word's start to the last one's
 * end, with the lowest confidence of its words; words of different speakers or with a pause between them are
 * not joined.
 */
export function spokenYears<W extends Word>(words: readonly W[]): W[] {
  const out: W[] = [];
  for (let i = 0; i < words.length; ) {
    const year = yearAt(words, i);
    if (!year) {
      out.push(words[i]);
      i++;
      continue;
    }
    const said = words.slice(i, i + year.length);
    const confidences = said.map((w) => w.confidence).filter((c): c is number => c !== undefined);
    out.push({
      ...words[i],
      text: year.text,
      end: Math.max(...said.map((w) => w.end)),
      ...(confidences.length ? { confidence: Math.min(...confidences) } : {}),
    });
    i += year.length;
  }
  return out;
}

const CENTURIES: Record<string, number> = { sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20 };
const ONES: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const TEENS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const DECADES: Record<string, number> = {
  twenties: 20, thirties: 30, forties: 40, fifties: 50, sixties: 60, seventies: 70, eighties: 80, nineties: 90,
};
// Longer than a breath between the words of one number: they were said apart.
const MAX_PAUSE_S = 0.5;

const key = (w: Word | undefined) => w?.text.toLowerCase().replace(/[.,?!;:]+$/, '');

function yearAt(words: readonly Word[], i: number): { text: string; length: number } | null {
  const century = CENTURIES[key(words[i]) ?? ''];
  if (century === undefined) return null;
  const joined = (n: number) => {
    for (let k = i + 1; k < i + n; k++) {
      const w = words[k];
      if (!w || w.speaker !== words[i].speaker || w.start - words[k - 1].end > MAX_PAUSE_S) return false;
    }
    return true;
  };
  const [second, third] = [key(words[i + 1]), key(words[i + 2])];
  if (second === undefined || !joined(2)) return null;
  const base = century * 100;
  if (second in TENS) {
    if (third !== undefined && third in ONES && joined(3)) return { text: String(base + TENS[second] + ONES[third]), length: 3 };
    return { text: String(base + TENS[second]), length: 2 };
  }
  if (second in TEENS) return { text: String(base + TEENS[second]), length: 2 };
  if (second in DECADES) return { text: `${base + DECADES[second]}s`, length: 2 };
  if (second === 'oh' && third !== undefined && third in ONES && joined(3)) return { text: String(base + ONES[third]), length: 3 };
  if (second === 'hundred' && century < 20) return { text: String(base), length: 2 };
  return null;
}
