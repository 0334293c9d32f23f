import type { Language } from '../core/index.js';

/**
 * What an answer says in the question's language when it cannot answer. A listener who asked in Spanish reads
 * "no answer" in Spanish; the model is told the same line, so that its refusal reads as the service's own.
 */
interface Wording {
  /** Nothing retrieved is close enough to the question (the relevance gate), or nothing could be quoted. */
  noAnswer: string;
  /** The model answered, and verification kept nothing of it. */
  noSupportedAnswer: string;
  /** The line the model is told to reply when the excerpts hold no answer. */
  modelNoAnswer: string;
}

export const WORDING: Record<Language, Wording> = {
  en: {
    noAnswer: 'The archive does not contain an answer to this question.',
    noSupportedAnswer: 'The archive excerpts do not support an answer to this question.',
    modelNoAnswer: 'The archive excerpts do not contain an answer to this question.',
  },
  es: {
    noAnswer: 'El archivo no contiene una respuesta a esta pregunta.',
    noSupportedAnswer: 'Los fragmentos del archivo no respaldan una respuesta a esta pregunta.',
    modelNoAnswer: 'Los fragmentos del archivo no contienen una respuesta a esta pregunta.',
  },
  de: {
    noAnswer: 'Das Archiv enthält keine Antwort auf diese Frage.',
    noSupportedAnswer: 'Die Auszüge aus dem Archiv stützen keine Antwort auf diese Frage.',
    modelNoAnswer: 'Die Auszüge aus dem Archiv enthalten keine Antwort auf diese Frage.',
  },
};
