import { type Analysis, type Cue, cueSentences, type Language, type MomentKind, type SearchFilters } from '../core/index.js';
import type { Services, MomentWithRecording } from '../archive/index.js';
import {
  deepLink,
  joinOverlapping,
  plainCosines,
  queryVector,
  searchMomentsScored,
  type Leg,
  type QueryLanguage,
  type Routing,
  type SearchResult,
  contentStems,
  subjectCoverage,
  subjectText,
  bestSentenceStart,
  cueAt,
  sentencesToLink,
  speakersByTime,
} from '../retrieval/index.js';

/** A retrieved passage as the model sees it, numbered [n] in the prompt. */
export interface Excerpt {
  n: number;
  recording_id: string;
  recording_title: string;
  recorded_at: string | null;
  /** The recording's language, as ingest was given it (null: the archive's default). */
  language: string | null;
  start: number;
  end: number;
  /** Where the citation opens: the best-matching sentence of the excerpt's best moment (see bestSentenceStart). */
  at: number;
  speaker: string | null;
  speakers: string[];
  text: string;
  url: string;
  moment_ids: string[];
  /** Query–passage cosine from the vector leg (null when it did not find this passage). */
  vector: number | null;
  /** In an answer quoted without a model: the sentence this citation quotes, as the answer quotes it. */
  quote?: string;
}

export interface Retrieval {
  excerpts: Excerpt[];
  routing: Routing | null;
  /** The question without its time expressions: what the excerpts were matched against. */
  matched_text: string;
  warnings: string[];
  /** The retrieval legs that failed (the excerpts come from the other one): see SearchOutcome.degraded_legs. */
  degraded_legs: Leg[];
  /** False when nothing retrieved is close enough to the question to answer from. */
  relevant: boolean;
  /**
   * The question was matched on its words alone: no embedder, the vector leg down, or a language the embedding
   * model does not read (the search ran BM25 alone). The gate and the citation check then use words alone too.
   */
  words_only: boolean;
  /** What the gate decided on (logged, and printed by the calibration). */
  gate: { union_coverage: number; vector: number | null };
  /** Speaker turns of the excerpts' recordings (who said a quoted sentence). */
  cues: Map<string, Cue[]>;
  /** The question's language, as the search read it. */
  language: Language;
  /** Whether that language was given (lang) or read from the question's words. */
  languageSource: QueryLanguage['source'];
  /** The speaker the question names (or the filter gives): an extractive answer quotes them. */
  speaker: string | null;
}

export interface AskFilters {
  recording?: string;
  collection?: string;
  speaker?: string;
  from?: string;
  to?: string;
  kind?: MomentKind;
}

/**
 * The relevance gate: the archive is taken to hold an answer when the excerpts contain most of the
 * question's subject words (UNION_GATE) AND something in the archive is close to it in meaning (VECTOR_GATE,
 * on the better of the full question and its subject words alone, "capital australia": USE scores the
 * shape of a question as much as its subject, so the full question alone is close to any meeting).
 * Without embeddings the words alone decide. Calibrated by test/answer/calibrate.ts on 9 dev recordings
 * (20 s moments): with both, 56/60 dev questions and 28/28 short questions about them pass; 20–29% of
 * questions about other meetings in the same register, 7/27 short off-archive questions and 1/15
 * general-knowledge questions do (those go to the model, told to say when the excerpts hold no answer).
 * Words alone: 56/60 / 28/28 pass, 20–31% / 7/27 / 2/15 of the others. Asked within their own recording,
 * 87.7% of all 1,332 dev questions pass (scripts/eval/answer-check.ts): what the rest lack is mostly the
 * question's words, which its askers wrote in their own.
 */
export const UNION_GATE = 0.6;
export const VECTOR_GATE = 0.35;

// A passage the model reads and a listener checks: neighbouring moments join up to this length.
const MAX_EXCERPT_S = 150;

/**
 * Excerpts for an answer. searchMoments reads the question (dates, speaker) and finds the passages; it merges
 * overlapping hits of a recording into one passage, which in a small archive can be a whole meeting. An
 * answer needs short passages to cite, so the passages are cut back to their best moments, ranked by the
 * scores the search itself fused (no second retrieval).
 */
export async function retrieveExcerpts(
  s: Services,
  question: string,
  opts: { limit: number; filters: AskFilters; temporal: 'auto' | 'off'; language?: Language },
): Promise<Retrieval> {
  const filters: SearchFilters = {
    recordingId: opts.filters.recording,
    collection: opts.filters.collection,
    speaker: opts.filters.speaker,
    from: opts.filters.from,
    to: opts.filters.to,
    kind: opts.filters.kind,
  };
  const { outcome: out, fused, cosine } = await searchMomentsScored(s, { q: question, limit: opts.limit, mode: 'hybrid', filters, temporal: opts.temporal, language: opts.language });
  // A range that found too little was dropped for all dates (routing.fallback): the gate looks where the search did.
  const searched = out.routing && !out.routing.fallback ? out.routing : null;
  const effective: SearchFilters = {
    ...filters,
    from: searched?.from ?? undefined,
    to: searched?.to ?? undefined,
    speaker: out.speaker_filter?.label ?? filters.speaker,
  };
  const picked = await momentExcerpts(s, out.results, { fused, cosine }, opts.limit);
  const excerpts = picked.map((x) => x.excerpt);
  const ids = [...new Set(excerpts.map((e) => e.recording_id))];
  const cues = new Map(await Promise.all(ids.map(async (id) => [id, await s.archive.segments(id)] as const)));
  const asked = contentStems(out.matched_text, { question: true, language: out.language.code });
  for (const { excerpt: e, best } of picked) openExcerpt(e, cues.get(e.recording_id) ?? [], best, asked, out.language.code);
  const wordsOnly = !s.embedder || !s.vectors || out.mode === 'bm25' || out.degraded_legs.includes('vector');
  const gate = await gateSignals(s, out.matched_text, excerpts, effective, wordsOnly, out.language.code);
  return {
    cues,
    excerpts,
    routing: out.routing,
    matched_text: out.matched_text,
    warnings: out.warnings,
    degraded_legs: out.degraded_legs,
    relevant: isRelevant(excerpts.length, gate),
    words_only: wordsOnly,
    gate,
    language: out.language.code,
    languageSource: out.language.source,
    speaker: effective.speaker ?? null,
  };
}

/**
 * The search's passages cut back to their best moments, ranked by the search's own fused scores; each with the
 * moment it was picked for, which its link opens on.
 */
async function momentExcerpts(
  s: Services,
  results: SearchResult[],
  { fused, cosine }: { fused: Map<string, number>; cosine: Map<string, number> },
  limit: number,
): Promise<{ excerpt: Excerpt; best: MomentWithRecording }[]> {
  const candidates = results.flatMap((r) => r.moment_ids);
  if (candidates.length === 0) return [];
  // Search order breaks ties.
  const order = new Map(candidates.map((id, i) => [id, i]));
  const ranked = [...new Set(candidates)].sort((a, b) => (fused.get(b) ?? 0) - (fused.get(a) ?? 0) || order.get(a)! - order.get(b)!);
  const moments = await s.archive.momentsByIds(ranked);

  const picks: MomentWithRecording[][] = [];
  // Text read off the screen is never joined to speech: a quote holds what was said or what was shown.
  const touches = (p: MomentWithRecording[], m: MomentWithRecording) =>
    p[0].recordingId === m.recordingId && (p[0].kind ?? 'speech') === (m.kind ?? 'speech') && p.some((x) => m.start <= x.end + 2 && m.end >= x.start - 2);
  for (const id of ranked) {
    const m = moments.get(id);
    if (!m) continue;
    const near = picks.filter((p) => touches(p, m));
    // A neighbour joins its passage while that stays short; otherwise it stands alone (overlap and all).
    if (near.length === 1 && spanOf([...near[0], m]) <= MAX_EXCERPT_S) near[0].push(m);
    else if (picks.length < limit) picks.push([m]);
  }
  return picks.map((p, i) => {
    const ms = [...p].sort((a, b) => a.start - b.start);
    const [first] = ms;
    const start = first.start;
    const end = Math.max(...ms.map((m) => m.end));
    const speakers = [...new Set(ms.flatMap((m) => m.speakers))];
    const vectors = ms.map((m) => cosine.get(m.id)).filter((x): x is number => x !== undefined);
    const excerpt: Excerpt = {
      n: i + 1,
      recording_id: first.recordingId,
      recording_title: first.recordingTitle,
      recorded_at: first.recordedAt,
      language: first.language,
      start,
      end,
      at: p[0].start,
      speaker: speakers[0] ?? null,
      speakers,
      text: ms.slice(1).reduce((t, m) => joinOverlapping(t, m.text), first.text),
      url: deepLink(first.recordingId, p[0].start),
      moment_ids: ms.map((m) => m.id),
      vector: vectors.length ? Math.max(...vectors) : null,
    };
    return { excerpt, best: p[0] };
  });
}

/**
 * Where an excerpt's citation opens: on its best moment's best sentence, or the reply to a prompt there, as a
 * search hit does (bestSentenceStart). A reply past the excerpt's end is shown with it (a citation opens inside
 * the excerpt it cites), and with the rest of its turn as far as the excerpt may run (MAX_EXCERPT_S): the reply
 * is the answer the prompt was followed by, and its first sentence ("It started over two things, really.")
 * seldom says it. `cues` are the recording's.
 */
export function openExcerpt(e: Excerpt, cues: Cue[], best: { start: number; end: number }, asked: Set<string>, language: Analysis): void {
  e.at = bestSentenceStart(cues, best.start, best.end, asked, { language });
  const reply = sentencesToLink(cues, e.end, e.at);
  if (reply) {
    const rest = restOfTurn(cues, e.at, reply.end, e.start + MAX_EXCERPT_S);
    [e.text, e.end] = [[e.text, reply.text, ...rest.map((x) => x.text)].join(' '), rest.at(-1)?.end ?? reply.end];
  }
  e.speaker = mainSpeaker(cues, e.start, e.end) ?? e.speaker;
  e.url = deepLink(e.recording_id, e.at);
}

/** The sentences of the turn said at `at` (its speaker's cues in a row) that start at `from` or later and end by `until`. */
function restOfTurn(cues: Cue[], at: number, from: number, until: number) {
  let i = cueAt(cues, at);
  if (i < 0) return [];
  const out = [];
  for (const speaker = cues[i].speaker; cues[i] && cues[i].speaker === speaker; i++) {
    for (const x of cueSentences(cues[i])) {
      if (x.start < from - 0.01) continue;
      if (x.end > until) return out;
      out.push(x);
    }
  }
  return out;
}

/** Who speaks longest inside [start, end]: the passage's speaker as a listener would name it. */
export function mainSpeaker(cues: Cue[], start: number, end: number): string | null {
  return speakersByTime(cues, start, end)[0] ?? null;
}

const spanOf = (ms: MomentWithRecording[]) => Math.max(...ms.map((m) => m.end)) - Math.min(...ms.map((m) => m.start));

async function gateSignals(s: Services, matched: string, excerpts: Excerpt[], filters: SearchFilters, wordsOnly: boolean, language: Language) {
  if (excerpts.length === 0) return { union_coverage: 0, vector: null };
  const subject = subjectText(matched, language);
  // Speaker labels and titles count as found: "what did the project manager say" names a speaker, not words.
  const found = contentStems(excerpts.map((e) => `${e.text} ${e.speakers.join(' ')} ${e.recording_title}`).join(' '), { language });
  const union_coverage = subjectCoverage(matched, found, language);
  // Matched on its words alone (Retrieval.words_only), the question is gated on them alone, as without embeddings.
  if (wordsOnly || !s.vectors) return { union_coverage, vector: null };
  // On the embedder's own question vectors, which the gate was calibrated on (plainCosines).
  const cosines = new Map(excerpts.flatMap((e) => e.moment_ids.map((id) => [id, e.vector ?? 0] as const)));
  let vector = Math.max(0, ...(await plainCosines(s, matched, [...cosines.keys()], filters, cosines)).values());
  if (subject && subject !== matched.trim().toLowerCase()) {
    const hits = await s.vectors.search(await queryVector(s, subject, { plain: true }), filters, 4);
    vector = Math.max(vector, ...hits.map((h) => h.score));
  }
  return { union_coverage, vector };
}

export function isRelevant(count: number, gate: { union_coverage: number; vector: number | null }): boolean {
  if (count === 0) return false;
  return gate.union_coverage >= UNION_GATE && (gate.vector === null || gate.vector >= VECTOR_GATE);
}
