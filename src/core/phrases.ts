/**
 * Quoted phrases: a researcher who puts words in quotes ("fair rent", „Neue Heimat“) wants the moments that say
 * them together and in that order, as every search engine they know reads quotes, not every moment that holds
 * one of them. A phrase is matched on the moment's words as written, whatever their case and the punctuation
 * between them ("fair, rent" says it; "fair rents" does not). Speech is not written text: a hesitation between
 * two of its words ("a fair, uh, rent") does not unsay it.
 */

// Straight quotes, English curly quotes, German „…“ / „…”, and guillemets either way round.
const QUOTED = /"([^"]*)"|“([^”“]*)”|„([^“”„]*)[“”]|«([^»]*)»|»([^«]*)«/gu;
const WORD = /[\p{L}\p{N}]+/gu;
// The sounds transcripts write for a speaker's hesitation, in English, Spanish and German: no word of any of them.
const HESITATIONS = ['uh', 'uhm', 'um', 'umm', 'erm', 'ah', 'eh', 'hm', 'hmm', 'mm', 'mhm', 'äh', 'ähm', 'öh'];
const BETWEEN = `(?:[^\\p{L}\\p{N}]+(?:${HESITATIONS.join('|')})(?![\\p{L}\\p{N}]))*[^\\p{L}\\p{N}]+`;

export interface QuotedQuery {
  /** Each quoted phrase's words, joined by single spaces; phrases of no word are dropped. */
  phrases: string[];
  /** The query with its quote marks removed, the phrases' words kept: they still rank the moments that say them. */
  text: string;
}

/** The quoted phrases of a query. Quote marks that pair with none are left as they are. */
export function quotedPhrases(query: string): QuotedQuery {
  const phrases: string[] = [];
  const text = query.replace(QUOTED, (...m: string[]) => {
    const inner = m.slice(1, 6).find((g) => g !== undefined) ?? '';
    const words = inner.match(WORD);
    if (words) phrases.push(words.join(' '));
    return ` ${inner} `;
  });
  return { phrases: [...new Set(phrases.map((p) => p.toLowerCase()))], text: phrases.length ? text.replace(/\s+/g, ' ').trim() : query };
}

/** `s` as a regular expression source that matches it literally. */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `text` says the phrase: its words in order, each whole, nothing but spaces, punctuation and hesitations between them. */
export function saysPhrase(text: string, phrase: string): boolean {
  return phraseRegExp(phrase).test(text);
}

const compiled = new Map<string, RegExp>();
function phraseRegExp(phrase: string): RegExp {
  let re = compiled.get(phrase);
  if (!re) {
    const words = phrase.match(WORD) ?? [];
    re = new RegExp(`(?<![\\p{L}\\p{N}])${words.map(escapeRegExp).join(BETWEEN)}(?![\\p{L}\\p{N}])`, 'iu');
    if (compiled.size > 1000) compiled.clear();
    compiled.set(phrase, re);
  }
  return re;
}
