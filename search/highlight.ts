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

/** The word HTML-escaped, with its matching runs in <mark> (and whether any matched). */
function markWord(word: string, lexemes: Set<string>, heads: Set<string>): { html: string; hit: boolean } {
  const lower = word.toLowerCase();
  // Most words hold no lexeme's first two letters at all.
  if (![...heads].some((h) => lower.includes(h))) return { html: escapeHtml(word), hit: false };
  let html = '';
  let last = 0;
  let hit = false;
  for (const m of word.matchAll(RUN)) {
    html += escapeHtml(word.slice(last, m.index));
    if (runMatches(m[0], lexemes, heads)) {
      hit = true;
      html += `<mark>${escapeHtml(m[0])}</mark>`;
    } else html += escapeHtml(m[0]);
    last = m.index + m[0].length;
  }
  return { html: html + escapeHtml(word.slice(last)), hit };
}

/** An HTML excerpt of `text` with the words matching `lexemes` marked. */
export function highlight(text: string, lexemes: Set<string>): string {
  const words = text.split(/\s+/).filter(Boolean);
  const heads = new Set([...lexemes].map((l) => l.slice(0, 2)));
  const marked = words.map((w) => (lexemes.size > 0 ? markWord(w, lexemes, heads) : { html: escapeHtml(w), hit: false }));
  const hit = marked.map((m) => m.hit);
  const render = (from: number, to: number) => marked.slice(from, to).map((m) => m.html).join(' ');
  if (!hit.includes(true)) return render(0, Math.min(words.length, MIN_WORDS));
  if (words.length <= MAX_WORDS) return render(0, words.length);
  // Windows of MAX_WORDS starting a little before each match; the ones holding the most matches win.
  const count = (from: number) => hit.slice(from, from + MAX_WORDS).filter(Boolean).length;
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
