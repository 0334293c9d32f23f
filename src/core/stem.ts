import { createRequire } from 'node:module';
import type { Analysis } from './language/language.js';

/**
 * Snowball stems: the algorithms of Postgres' 'english', 'spanish' and 'german' configurations (and of
 * Elasticsearch's analyzers of those names), so a word stemmed here matches the lexemes of the BM25 index.
 * Shared by chapters, answer checks and search highlights. Text in another language ('other') is matched
 * word for word, as the index keeps it. The package ships no types, and a global `declare module` could clash
 * with one added elsewhere, so it is loaded through require with a local type.
 */
const snowball = createRequire(import.meta.url)('snowball-stemmers') as {
  newStemmer(lang: string): { stem(word: string): string };
};
const stemmers = {
  en: snowball.newStemmer('english'),
  es: snowball.newStemmer('spanish'),
  de: snowball.newStemmer('german'),
  other: { stem: (w: string) => w },
};

// Stemming costs tens of µs a word and transcripts repeat their words: each is stemmed once per process.
const caches: Record<Analysis, Map<string, string>> = { en: new Map(), es: new Map(), de: new Map(), other: new Map() };
export function stem(word: string, language: Analysis = 'en'): string {
  const cache = caches[language];
  let s = cache.get(word);
  if (s === undefined) {
    s = stemmers[language].stem(word);
    if (cache.size < 200_000) cache.set(word, s);
  }
  return s;
}
