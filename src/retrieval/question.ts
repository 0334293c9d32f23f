import type { Language } from '../core/index.js';

/**
 * Words that frame a question about speech rather than name its subject: "summarize the discussion
 * about X", "what did F think about X". In a speech archive they are everywhere in the questions and
 * carry no information about where the answer is, so the lexical leg drops them (the vector leg keeps
 * the whole question: the model weighs such words itself).
 */
const FRAMING = /\b(summari[sz]e[sd]?|summary|summaries|discuss(?:ed|es|ing|ion|ions)?|talk(?:ed|s|ing)? about|say|says|said|think|thinks|thought|opinions?|mention(?:ed|s)?|describe[sd]?|explain(?:ed|s)?|according to|what|why|how|who|whom|whose|when|where|which)\b/gi;

const FILLER = new Set(['the', 'a', 'an', 'was', 'were', 'is', 'are', 'be', 'did', 'do', 'does', 'about', 'of', 'to', 'in', 'on', 'for', 'and', 'or', 'it', 'that', 'this', 'they', 'we', 'you', 'i']);

// The same in Spanish and German ("¿Qué dijo el alcalde sobre…?", "Was sagte der Bürgermeister über…?").
const FRAMING_BY_LANGUAGE: Record<Language, RegExp> = {
  en: FRAMING,
  es: /(?<![\p{L}\p{N}])(resum(?:e|en|ir|a)|resumen|discuti(?:ó|eron|r|da|do)|discusión|habl(?:ó|aron|ar|a|an) (?:de|sobre)|dij(?:o|eron)|dice|dicen|decir|opini(?:ón|ones)|explic(?:ó|aron|ar|a)|describ(?:ió|ir|e)|según|qué|por qué|cómo|quién|quiénes|cuándo|dónde|cuál|cuáles)(?![\p{L}\p{N}])/giu,
  de: /(?<![\p{L}\p{N}])(zusammenfass(?:en|ung)|diskutier(?:t|te|ten|en)|besprochen|sprach(?:en)? über|gesprochen|rede(?:te|ten)? über|sagt(?:e|en)?|gesagt|meinung(?:en)?|erklär(?:t|te|ten|en)|beschrieb(?:en)?|beschreib(?:en|t)|laut|was|warum|wieso|weshalb|wie|wer|wem|wen|wessen|wann|wo|welche[rsmn]?)(?![\p{L}\p{N}])/giu,
};

export function lexicalQuery(q: string, language: Language = 'en'): string {
  const stripped = q.replace(FRAMING_BY_LANGUAGE[language], ' ').replace(/\s+/g, ' ').trim();
  // A question made only of framing words keeps them: something is better than nothing.
  const content = stripped.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.filter((w) => !FILLER.has(w)) ?? [];
  return content.length ? stripped : q;
}
