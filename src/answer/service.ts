import { AppError, type Language } from '../core/index.js';
import type { Services } from '../archive/index.js';
import type { Leg, QueryLanguage, Routing } from '../retrieval/index.js';
import { quotedAnswer } from './extractive.js';
import { unavailable, type Llm } from './llm/port.js';
import { buildMessages } from './prompt.js';
import { retrieveExcerpts, type AskFilters, type Retrieval } from './retrieve.js';
import { toCitation, verifyAnswer, type Citation, type Unsupported } from './verify.js';
import { WORDING } from './wording.js';

export interface AskRequest {
  question: string;
  limit: number;
  filters: AskFilters;
  temporal: 'auto' | 'off';
  /** The question's language; unset: read from the question. */
  language?: Language;
}

export interface AskResult {
  answer: string;
  /** generative: written by the model; extractive: quoted transcript (no model configured); no_answer: nothing relevant retrieved. */
  kind: 'generative' | 'extractive' | 'no_answer';
  citations: Citation[];
  /**
   * With no_answer: the passages retrieved nearest to the question, best first, none close enough to answer from
   * (at most NEAREST). Empty otherwise: an answer's passages are its citations.
   */
  nearest: Citation[];
  unsupported: Unsupported[];
  removed_citations: number[];
  routing: Routing | null;
  /** The language the question was read in (the answer's, and the no-answer's): given, or read from its words. */
  language: QueryLanguage;
  /** The model's output stopped early (stream cut, token limit): the answer is what arrived, verified. */
  truncated: boolean;
  model: string | null;
  warnings: string[];
  /** True when a retrieval leg failed and the excerpts come from the other one alone (see degraded_legs). */
  degraded: boolean;
  degraded_legs: Leg[];
}

export interface AskHooks {
  /** Each delta of the model's raw output, before verification (the SSE path forwards them). */
  onToken?: (text: string) => void | Promise<void>;
  signal?: AbortSignal;
  /** Ask the model for a stream (true on the SSE path; a plain request otherwise). */
  stream?: boolean;
}

const MAX_TOKENS = 700;
/** How many passages a no_answer lists, as a search's first screen would. */
const NEAREST = 3;

/** Retrieve, gate, answer (model or extractive), verify. Nothing unverified is in the result. */
export async function ask(s: Services, llm: Llm | null, req: AskRequest, hooks: AskHooks = {}): Promise<AskResult> {
  const r = await retrieveExcerpts(s, req.question, { limit: req.limit, filters: req.filters, temporal: req.temporal, language: req.language });
  return answerFrom(s, llm, req.question, r, hooks);
}

/** The answer to `question` from what was retrieved for it: gated, written (model or extractive), verified. */
export async function answerFrom(s: Services, llm: Llm | null, question: string, r: Retrieval, hooks: AskHooks = {}): Promise<AskResult> {
  const base = {
    routing: r.routing,
    language: { code: r.language, source: r.languageSource },
    model: llm?.name ?? null,
    warnings: [...r.warnings],
    truncated: false,
    degraded: r.degraded_legs.length > 0,
    degraded_legs: r.degraded_legs,
    nearest: [] as Citation[],
  };
  const { noAnswer, noSupportedAnswer } = WORDING[r.language];
  // Nothing to answer from: the nearest passages instead, so that the asker can see what the archive does hold.
  const none = (): AskResult => ({ ...base, answer: noAnswer, kind: 'no_answer', citations: [], nearest: r.excerpts.slice(0, NEAREST).map(toCitation), unsupported: [], removed_citations: [] });
  // Citations are checked on their words alone where the question was matched so: with the vector leg down (often
  // the embedder itself), and in a language the embedding model does not read, whose cosines say nothing.
  const verifier = r.words_only ? null : s.embedder;
  if (!r.relevant) {
    s.log.debug({ gate: r.gate, excerpts: r.excerpts.length }, 'ask: nothing relevant retrieved; not answering');
    return none();
  }

  if (!llm) {
    const quoted = quotedAnswer(r.matched_text, r.excerpts, r.cues, r.language, r.speaker);
    if (!quoted) return none();
    const v = await verifyAnswer(quoted.answer, quoted.excerpts, verifier, r.language);
    return { ...base, ...v, answer: v.answer || noAnswer, kind: 'extractive' };
  }

  let raw = '';
  let truncated = false;
  try {
    for await (const delta of llm.complete(buildMessages(question, r.excerpts, r.language), {
      signal: hooks.signal,
      maxTokens: MAX_TOKENS,
      stream: hooks.stream ?? false,
    })) {
      raw += delta;
      await hooks.onToken?.(delta);
    }
  } catch (err) {
    // What arrived before a break is still the model's answer to these excerpts: verify and return it.
    if (!raw.trim()) throw err instanceof AppError ? err : unavailable(`the model failed: ${(err as Error).message}`);
    truncated = true;
    base.warnings.push(`the model's answer is incomplete: ${(err as Error).message}`);
    s.log.warn({ err, chars: raw.length }, 'ask: model output cut; answering with what arrived');
  }
  // The asker left: a partial answer must not be returned as complete (or cached).
  hooks.signal?.throwIfAborted();
  const v = await verifyAnswer(raw, r.excerpts, verifier, r.language);
  if (v.removed_citations.length || v.unsupported.length) {
    s.log.info({ removed: v.removed_citations, unsupported: v.unsupported.length }, 'ask: verification changed the answer');
  }
  return { ...base, ...v, answer: v.answer || noSupportedAnswer, kind: 'generative', truncated };
}
