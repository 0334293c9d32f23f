import { LANGUAGE_NAMES, type Language } from '../core/index.js';
import type { ChatMessage } from './llm/port.js';
import type { Excerpt } from './retrieve.js';
import { WORDING } from './wording.js';
import { clock } from '../retrieval/index.js';

export const SYSTEM_PROMPT = [
  'You answer questions about an archive of recorded speech (meetings, hearings, interviews).',
  'Use ONLY the numbered transcript excerpts in the user message; do not use outside knowledge.',
  'Cite every claim with the number of the excerpt it comes from, in square brackets right after the claim, e.g. "The price was set at 25 euros [2]." Cite several as [1][3].',
  'Only cite numbers of excerpts you were given. Prefer the speakers\' own words over paraphrase.',
  `If the excerpts do not contain the answer, reply exactly: "${WORDING.en.modelNoAnswer}" Do not guess.`,
  'Answer in a few sentences of plain prose, without headings.',
].join('\n');

/** The excerpt header the model sees: enough to tell passages apart and to say who spoke and when. */
export function excerptHeader(e: Excerpt): string {
  const parts = [`"${e.recording_title}"`];
  if (e.recorded_at) parts.push(e.recorded_at);
  parts.push(`${clock(e.start)}–${clock(e.end)}`);
  if (e.speakers.length) parts.push(`speakers: ${e.speakers.join(', ')}`);
  return `[${e.n}] ${parts.join(' · ')}`;
}

export function buildMessages(question: string, excerpts: Excerpt[], language: Language = 'en'): ChatMessage[] {
  const body = excerpts.map((e) => `${excerptHeader(e)}\n${e.text.trim()}`).join('\n\n');
  // Asked in another language, the answer is in it, and so is the line that says there is none (which the
  // verifier reads as a statement about the excerpts, not as a claim to cite).
  const reply = language === 'en'
    ? ''
    : `\n\nThe question is in ${LANGUAGE_NAMES[language]}: answer in ${LANGUAGE_NAMES[language]}. If the excerpts do not contain the answer, reply exactly: "${WORDING[language].modelNoAnswer}"`;
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Excerpts:\n\n${body}\n\nQuestion: ${question.trim()}${reply}` },
  ];
}
