import { createRequire } from 'node:module';

/**
 * English Snowball stems: the algorithm of Postgres' 'english' configuration, so a word stemmed here matches
 * the lexemes of the BM25 index. Shared by chapters, answer checks and search highlights. The package ships
 * no types, and a global `declare module` could clash with one added elsewhere, so it is loaded through
 * require with a local type.
 */
const snowball = createRequire(import.meta.url)('snowball-stemmers') as {
  newStemmer(lang: string): { stem(word: string): string };
};
const stemmer = snowball.newStemmer('english');

// Stemming costs tens of µs a word and transcripts repeat their words: each is stemmed once per process.
const stemCache = new Map<string, string>();
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer.stem(word);
    if (stemCache.size < 200_000) stemCache.set(word, s);
  }
  return s;
}
