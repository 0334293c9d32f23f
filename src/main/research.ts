import { z } from 'zod';
import { isoDate } from '../core/index.js';
import type { Services } from '../archive/index.js';
import type { AskResult } from '../answer/index.js';
import type { BrowsedRecording, Routing, SearchOutcome } from '../retrieval/index.js';

/**
 * `search` and `ask` as the command line runs them: in its own process, or, when a server owns the embedded
 * database, inside that server, sent over its admin socket (src/main/admin.ts). A researcher searching from a
 * terminal need not stop the server, and no second process opens the archive.
 */

const text = z.string().trim().min(1).max(1000);
const name = z.string().min(1).max(200).optional();
// The ends of a range as --from and --to have already read them (SearchDates): whole dates.
const date = isoDate.optional();

export const CliSearch = z.object({
  q: text,
  limit: z.number().int().min(1).max(100),
  mode: z.enum(['hybrid', 'bm25', 'vector']),
  filters: z.object({ recordingId: name, collection: name, speaker: name, from: date, to: date }),
});
export type CliSearch = z.infer<typeof CliSearch>;

export const CliAsk = z.object({
  question: text,
  limit: z.number().int().min(1).max(20),
  filters: z.object({ recording: name, collection: name, speaker: name, from: date, to: date }),
  language: z.enum(['en', 'es', 'de']).optional(),
});
export type CliAsk = z.infer<typeof CliAsk>;

/** What `search` prints: the recordings of a question of nothing but dates, or the moments found. */
export type CliSearchResult =
  | { took_ms: number; dated: { routing: Routing; recordings: BrowsedRecording[]; total: number }; out: null }
  | { took_ms: number; dated: null; out: SearchOutcome };

export async function runSearch(s: Services, p: CliSearch): Promise<CliSearchResult> {
  const { browseQuestionDates, searchMoments } = await import('../retrieval/index.js');
  const t0 = performance.now();
  const took = () => Math.round(performance.now() - t0);
  // A question of nothing but dates lists the recordings of that time, as the API and the web page do.
  const dated = await browseQuestionDates(s, p, { limit: p.limit, offset: 0 });
  if (dated) return { dated: { routing: dated.routing, recordings: dated.recordings, total: dated.total }, out: null, took_ms: took() };
  const out = await searchMoments(s, p);
  return { dated: null, out, took_ms: took() };
}

export async function runAsk(s: Services, p: CliAsk): Promise<AskResult & { took_ms: number }> {
  const { ask, createLlm } = await import('../answer/index.js');
  const t0 = performance.now();
  const out = await ask(s, createLlm(s.cfg), { ...p, temporal: 'auto' });
  return { ...out, took_ms: Math.round(performance.now() - t0) };
}
