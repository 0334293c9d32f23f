import { type Analysis, escapeRegExp, stem } from '../core/index.js';

/**
 * Search-result highlighting in JavaScript. The query's lexemes come from Postgres' configuration for the
 * passage's language (the same as the BM25 index); the passage's words are stemmed with the same Snowball
 * algorithm (src/core/stem.ts). Postgres' ts_headline did this in SQL, but it re-parses every passage in WASM: 5 ms of a
 * 30 ms search at 100K moments (BENCHMARKS "Scale"). Fragments follow ts_headline's options as the service used
 * them: up to two fragments of at most 45 words, joined by " … ".
 */

const MAX_WORDS = 45;
const MIN_WORDS = 20;
const MAX_FRAGMENTS = 2;
// Words kept before the first match of a fragment, so it reads as a phrase rather than starting on the match;
// a fragment opens instead on the start of the match's sentence when that is at most SENTENCE_LEAD words back.
const LEAD = 8;
const SENTENCE_LEAD = 15;
const SENTENCE_END = /[.!?]["'”’)\]]*$/;

export function escapeHtml(s: string): string {
  if (!/[&<>"]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A highlight as plain text, for a terminal: its marked words as `mark` writes them (as they are by default), its escapes undone. */
export function highlightText(html: string, mark: (word: string) => string = (w) => w): string {
  return html
    .replace(/<mark>(.*?)<\/mark>/g, (_, w: string) => mark(w))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

// A word as the marker sees it: letters and digits, with an inner apostrophe ("don't", "project's").
const RUN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

// Stemming is the slow part: a word is stemmed only when it begins as some lexeme does (a Snowball stem
// keeps the word's first two letters).
function runMatches(run: string, lexemes: Set<string>, heads: Set<string>): boolean {
  const w = run.toLowerCase().replace(/’/g, "'").replace(/'s$/, '');
  if (!heads.has(w.slice(0, 2))) return false;
  return lexemes.has(w) || lexemes.has(stem(w)) || w.split("'").some((x) => lexemes.has(stem(x)));
}

/** Whether a run matches; `before` is the character before it in its word ("'" of "'67"), or ''. */
type RunTest = (run: string, before: string) => boolean;

/**
 * Spanish and German stems drop accents and umlauts that the word keeps ("fábrica" → "fabric"), so the
 * first-letters test does not hold for them: every word is stemmed (their passages are few).
 */
function otherRunMatches(language: Analysis, lexemes: Set<string>): RunTest {
  return (run) => {
    const w = run.toLowerCase().replace(/’/g, "'");
    return lexemes.has(w) || lexemes.has(stem(w, language));
  };
}

/** Whether the word holds a run matching a lexeme. */
function wordHits(word: string, test: RunTest): boolean {
  for (const m of word.matchAll(RUN)) if (test(m[0], word[m.index - 1] ?? '')) return true;
  return false;
}

// A year of the question (its lexeme "1967") is also said by its last two digits ("in '67": src/core/spoken-years.ts).
const WHOLE_YEAR = /^(?:1[6-9]|20)\d\d$/;
const APOSTROPHE = /^['’]$/;

/** The word HTML-escaped, with its matching runs in <mark>. */
function markWord(word: string, test: RunTest): string {
  let html = '';
  let last = 0;
  for (const m of word.matchAll(RUN)) {
    html += escapeHtml(word.slice(last, m.index));
    html += test(m[0], word[m.index - 1] ?? '') ? `<mark>${escapeHtml(m[0])}</mark>` : escapeHtml(m[0]);
    last = m.index + m[0].length;
  }
  return html + escapeHtml(word.slice(last));
}

/**
 * An HTML excerpt of `text` with the words matching `lexemes` marked. Merged passages run to hundreds of
 * words: only the words holding a lexeme's first letters are tested (matchedWords), and only the words of the
 * chosen fragments are escaped and marked.
 *
 * `opensAt`, the character offset in `text` where the result's link opens (its sentence's start): one fragment
 * starts there, so that what the excerpt shows is what the player plays, wherever else the question's words
 * are densest; the other fragment goes to the most matches elsewhere.
 */
export function highlight(text: string, lexemes: Set<string>, language: Analysis = 'en', opensAt?: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const headSet = new Set([...lexemes].map((l) => l.slice(0, 2)));
  const byWords: RunTest = language === 'en' ? (run) => runMatches(run, lexemes, headSet) : otherRunMatches(language, lexemes);
  const shortYears = new Set([...lexemes].filter((l) => WHOLE_YEAR.test(l)).map((l) => l.slice(2)));
  const test: RunTest = shortYears.size ? (run, before) => (APOSTROPHE.test(before) && shortYears.has(run)) || byWords(run, before) : byWords;
  const heads = [...[...headSet].map(escapeRegExp), ...[...shortYears].map((d) => `['’]${d}`)];
  const hit = language === 'en' ? matchedWords(text, words, lexemes, heads, test) : Uint8Array.from(words, (w) => (lexemes.size && wordHits(w, test) ? 1 : 0));
  const render = (from: number, to: number) =>
    words
      .slice(from, to)
      .map((w, i) => (hit[from + i] ? markWord(w, test) : escapeHtml(w)))
      .join(' ');
  const anchor = opensAt === undefined ? -1 : Math.min(wordAt(text, opensAt), words.length - 1);
  if (!hit.includes(1)) {
    const from = Math.max(0, Math.min(anchor, words.length - MIN_WORDS));
    return render(from, from + MIN_WORDS);
  }
  if (words.length <= MAX_WORDS) return render(0, words.length);
  // Windows of MAX_WORDS starting a little before each match; the ones holding the most matches win.
  const upTo = [0]; // upTo[i]: matches among the first i words
  for (const h of hit) upTo.push(upTo[upTo.length - 1] + (h ? 1 : 0));
  const count = (from: number) => upTo[Math.min(words.length, from + MAX_WORDS)] - upTo[from];
  const starts: number[] = [];
  const leadIn = (i: number) => {
    for (let k = i; k >= Math.max(0, i - SENTENCE_LEAD); k--) if (k === 0 || SENTENCE_END.test(words[k - 1])) return k;
    return Math.max(0, i - LEAD);
  };
  for (let i = 0; i < words.length; i++) if (hit[i]) starts.push(Math.min(leadIn(i), words.length - MAX_WORDS));
  // The link's fragment starts on its sentence even near the passage's end, where it is shorter.
  const best = [...new Set(starts)].sort((a, b) => count(b) - count(a) || a - b);
  const chosen: number[] = anchor < 0 ? [] : [anchor];
  for (const s of best) {
    if (chosen.length === MAX_FRAGMENTS) break;
    if (chosen.every((c) => Math.abs(c - s) >= MAX_WORDS)) chosen.push(s);
  }
  // The question's words just before the link's sentence ("Mr. Kavanagh, what's the waiting list now?" before the
  // reply it opens on) leave no room for a fragment of their own: the link's fragment reaches back to them.
  if (chosen.length === 1 && anchor >= 0 && count(anchor) === 0) {
    const from = Math.min(anchor, best[0]);
    return render(from, Math.max(anchor, best[0]) + MAX_WORDS);
  }
  return chosen
    .sort((a, b) => a - b)
    .map((s) => render(s, s + MAX_WORDS))
    .join(' … ');
}

/** The index of the word (as `text.split(/\s+/)` counts them) that holds character `offset`. */
function wordAt(text: string, offset: number): number {
  return (text.slice(0, Math.max(0, offset)).trimStart().match(/\S+\s+/g) ?? []).length;
}

/**
 * 1 for each word holding a run that matches a lexeme. A run matches only if it begins with some lexeme's
 * first two letters, or is a question year's last two digits after an apostrophe (`heads`, as regular expressions:
 * "de", "['’]67"): one regular expression finds the places in the whole text where such a head follows
 * no ASCII letter or digit (a superset of run starts), and only the words there are tested, not every word
 * of passages that run to thousands of words a search.
 */
function matchedWords(text: string, words: string[], lexemes: Set<string>, heads: string[], test: RunTest): Uint8Array {
  const hit = new Uint8Array(words.length);
  if (lexemes.size === 0) return hit;
  const alternatives = heads.join('|');
  // Places map to words by offset when one whitespace character separates each word from the next.
  let length = words.length - 1;
  for (const w of words) length += w.length;
  if (length !== text.length) {
    const anyHead = new RegExp(alternatives, 'i');
    words.forEach((w, i) => (hit[i] = anyHead.test(w) && wordHits(w, test) ? 1 : 0));
    return hit;
  }
  let i = 0;
  let start = 0; // where word i begins
  let tested = -1;
  const known = new Map<string, number>(); // passages repeat their words
  for (const m of text.matchAll(new RegExp(`(?<![a-z0-9])(?:${alternatives})`, 'gi'))) {
    while (m.index >= start + words[i].length + 1) start += words[i++].length + 1;
    if (i === tested) continue;
    tested = i;
    let h = known.get(words[i]);
    if (h === undefined) known.set(words[i], (h = wordHits(words[i], test) ? 1 : 0));
    hit[i] = h;
  }
  return hit;
}
