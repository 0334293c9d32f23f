import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { type AppError, redactUrls, urlHost } from '../../core/index.js';
import { StreamCut, unavailable, type ChatMessage, type CompleteOptions, type Llm } from './port.js';

/** Any OpenAI-compatible chat endpoint: OpenAI itself, or a local server (llama.cpp, vLLM, Ollama, LM Studio...). */
export interface OpenAILlmOptions {
  /** LLM_BASE_URL, e.g. `http://127.0.0.1:8080/v1`; unset means api.openai.com. */
  baseURL?: string;
  /** LLM_MODEL; local servers that serve one model usually ignore it. */
  model?: string;
  /** LLM_API_KEY; local servers accept anything, so 'none' is sent when unset. */
  apiKey?: string;
  maxRetries?: number;
  timeoutMs?: number;
  temperature?: number;
}

export class OpenAILlm implements Llm {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly where: string;

  constructor(private readonly opts: OpenAILlmOptions) {
    this.model = opts.model ?? 'default';
    this.name = `openai:${this.model}`;
    // For the log only, and without credentials: the askers see "the answer service is unavailable".
    this.where = opts.baseURL ? urlHost(opts.baseURL) : 'api.openai.com';
    this.client = new OpenAI({
      apiKey: opts.apiKey ?? 'none',
      baseURL: opts.baseURL,
      // One retry covers a dropped keep-alive connection; more would hold the asker for minutes.
      maxRetries: opts.maxRetries ?? 1,
      timeout: opts.timeoutMs ?? 120_000,
    });
  }

  async *complete(messages: ChatMessage[], opts: CompleteOptions = {}): AsyncIterable<string> {
    const body = { model: this.model, messages, max_tokens: opts.maxTokens ?? 700, temperature: this.opts.temperature ?? 0.1 };
    if (opts.stream === false) {
      let res: OpenAI.Chat.Completions.ChatCompletion;
      try {
        res = await this.client.chat.completions.create({ ...body, stream: false }, { signal: opts.signal });
      } catch (err) {
        if (isAbort(err, opts.signal)) return;
        throw this.upstream(err);
      }
      const choice = res.choices?.[0];
      const text = choice?.message?.content ?? '';
      if (text) yield text;
      if (choice?.finish_reason === 'length') throw new StreamCut('the model reached its token limit');
      return;
    }

    let finished = false;
    try {
      const stream = await this.client.chat.completions.create({ ...body, stream: true }, { signal: opts.signal });
      for await (const chunk of stream) {
        const choice = chunk.choices?.[0];
        const delta = choice?.delta?.content;
        if (delta) yield delta;
        if (choice?.finish_reason === 'length') throw new StreamCut('the model reached its token limit');
        if (choice?.finish_reason) finished = true;
      }
    } catch (err) {
      if (err instanceof StreamCut) throw err;
      if (isAbort(err, opts.signal)) return;
      throw this.upstream(err);
    }
    // Servers that drop the connection cleanly end the stream without a finish reason.
    if (!finished && !opts.signal?.aborted) throw new StreamCut('the stream ended before the model finished');
  }

  private upstream(err: unknown): AppError {
    return unavailable(this.reason(err));
  }

  /** What went wrong, for the server log: the endpoint's host and the failure, never its URL or credentials. */
  private reason(err: unknown): string {
    if (err instanceof APIConnectionTimeoutError) return `LLM endpoint ${this.where} timed out`;
    if (err instanceof APIConnectionError) return `cannot reach the LLM endpoint ${this.where} (LLM_BASE_URL): ${causeText(err)}`;
    if (err instanceof APIError && err.status) {
      const hint = err.status === 401 || err.status === 403 ? ' (check LLM_API_KEY)' : err.status === 404 ? ' (check LLM_BASE_URL and LLM_MODEL)' : '';
      return `LLM endpoint ${this.where} answered ${err.status}: ${redactUrls(err.message)}${hint}`;
    }
    return `LLM request to ${this.where} failed: ${causeText(err)}`;
  }
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return err instanceof APIUserAbortError || (signal?.aborted === true && err instanceof Error && err.name === 'AbortError');
}

function causeText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  return redactUrls([e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') || String(err));
}
