import type { ChatMessage } from './llm/port.js';
import type { Excerpt } from './retrieve.js';
import { clock } from '../retrieval/index.js';

export const SYSTEM_PROMPT = [
  'You answer questions about an archive of recorded speech (meetings, hearings, interviews).',
  'Use ONLY the numbered transcript excerpts in the user message; do not use outside knowledge.',
  'Cite every claim with the number of the excerpt it comes from, in square brackets right after the claim, e.g. "The price was set at 25 euros [2]." Cite several as [1][3].',
  'Only cite numbers of excerpts you were given. Prefer the speakers\' own words over paraphrase.',
  'If the excerpts do not contain the answer, reply exactly: "The archive excerpts do not contain an answer to this question." Do not guess.',
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

export function buildMessages(question: string, excerpts: Excerpt[]): ChatMessage[] {
  const body = excerpts.map((e) => `${excerptHeader(e)}\n${e.text.trim()}`).join('\n\n');
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Excerpts:\n\n${body}\n\nQuestion: ${question.trim()}` },
  ];
}
