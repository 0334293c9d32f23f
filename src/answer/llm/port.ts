import { AppError } from '../../core/index.js';
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompleteOptions {
  /** Aborts the upstream request (the client went away); the iterator then ends without an error. */
  signal?: AbortSignal;
  maxTokens?: number;
  /**
   * false: one plain request, yielded as a single chunk (for callers that don't forward tokens, and for
   * endpoints that don't stream). Default true.
   */
  stream?: boolean;
}

/**
 * A chat model. `complete` yields text deltas as they arrive. Failures surface as AppError('upstream_error')
 * (or 'engine_unavailable' for a local model that cannot load), thrown before the first delta when the
 * request fails, or after some deltas when a stream breaks: callers keep what arrived.
 */
export interface Llm {
  /** Identity for cache keys and responses, e.g. `openai:gpt-4o-mini`, `llama:qwen2.5-3b-instruct-q4_k_m`. */
  readonly name: string;
  complete(messages: ChatMessage[], opts?: CompleteOptions): AsyncIterable<string>;
  close?(): Promise<void>;
}

/** Thrown when a stream ends early: what came before it is still the model's answer, only incomplete. */
export class StreamCut extends Error {
  constructor(
    readonly reason: string,
    readonly cause?: unknown,
  ) {
    super(reason);
    this.name = 'StreamCut';
  }
}

/**
 * The error an asker sees when the model cannot answer: the reason (endpoint, model path, cause) goes to the
 * server log with the request id, not to whoever asked.
 */
export function unavailable(reason: string, code: 'upstream_error' | 'engine_unavailable' = 'upstream_error'): AppError {
  return new AppError(code, 'the answer service is unavailable', { reason });
}
