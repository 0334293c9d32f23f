import { stem } from '../src/stem.js';

/**
 * Search-result highlighting in JavaScript. The query's lexemes come from Postgres' English configuration
 * (the same as the BM25 index); the passage's words are stemmed with the same Snowball English algorithm
 * (src/stem.ts). Postgres' ts_headline did this in SQL, but it re-parses every passage in WASM: 5 ms of a
 * 30 ms search at 100K moments (BENCHMARKS "Scale"). Fragments follow ts_headline's options as the service used
 * them: up to two fragments of at most 45 words, joined by " … ".
 */

const MAX_WORDS = 45;
const MIN_WORDS = 20;
const MAX_FRAGMENTS = 2;
// Words kept before the first match of a fragment, so it reads as a phrase rather than starting on the match.
const LEAD = 8;

export function escapeHtml(s: string): string {
  if (!/[&<>"]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
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

/** Whether the word holds a run matching a lexeme. */
function wordHits(word: string, lexemes: Set<string>, headSet: Set<string>): boolean {
  for (const m of word.matchAll(RUN)) if (runMatches(m[0], lexemes, headSet)) return true;
  return false;
}

/** The word HTML-escaped, with its matching runs in <mark>. */
function markWord(word: string, lexemes: Set<string>, headSet: Set<string>): string {
  let html = '';
  let last = 0;
  for (const m of word.matchAll(RUN)) {
    html += escapeHtml(word.slice(last, m.index));
    html += runMatches(m[0], lexemes, headSet) ? `<mark>${escapeHtml(m[0])}</mark>` : escapeHtml(m[0]);
    last = m.index + m[0].length;
  }
  return html + escapeHtml(word.slice(last));
}

/**
 * An HTML excerpt of `text` with the words matching `lexemes` marked. Merged passages run to hundreds of
 * words: every word is tested (cheaply), but only the words of the chosen fragments are escaped and marked.
 */
export function highlight(text: string, lexemes: Set<string>): string {
  const words = text.split(/\s+/).filter(Boolean);
  const headSet = new Set([...lexemes].map((l) => l.slice(0, 2)));
  // The cheap test first, one regular expression: most words hold no lexeme's first two letters at all.
  const anyHead = new RegExp([...headSet].map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
  const hit = lexemes.size > 0 ? words.map((w) => anyHead.test(w) && wordHits(w, lexemes, headSet)) : words.map(() => false);
  const render = (from: number, to: number) =>
    words
      .slice(from, to)
      .map((w, i) => (hit[from + i] ? markWord(w, lexemes, headSet) : escapeHtml(w)))
      .join(' ');
  if (!hit.includes(true)) return render(0, Math.min(words.length, MIN_WORDS));
  if (words.length <= MAX_WORDS) return render(0, words.length);
  // Windows of MAX_WORDS starting a little before each match; the ones holding the most matches win.
  const upTo = [0]; // upTo[i]: matches among the first i words
  for (const h of hit) upTo.push(upTo[upTo.length - 1] + (h ? 1 : 0));
  const count = (from: number) => upTo[Math.min(words.length, from + MAX_WORDS)] - upTo[from];
  const starts = [...new Set(hit.flatMap((h, i) => (h ? [Math.min(Math.max(0, i - LEAD), words.length - MAX_WORDS)] : [])))];
  const chosen: number[] = [];
  for (const s of starts.sort((a, b) => count(b) - count(a) || a - b)) {
    if (chosen.length === MAX_FRAGMENTS) break;
    if (chosen.every((c) => Math.abs(c - s) >= MAX_WORDS)) chosen.push(s);
  }
  return chosen
    .sort((a, b) => a - b)
    .map((s) => render(s, s + MAX_WORDS))
    .join(' … ');
}
