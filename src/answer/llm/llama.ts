import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../core/index.js';
import { unavailable, type ChatMessage, type CompleteOptions, type Llm } from './port.js';

// node-llama-cpp is an optional install (its lock entries are platform-specific), so it is typed loosely
// and imported by a variable name that the type checker does not resolve.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NodeLlamaCpp = any;
type Loaded = {
  mod: NodeLlamaCpp;
  llama: NodeLlamaCpp;
  model: { dispose(): Promise<void> };
  context: NodeLlamaCpp;
};
const LLAMA_PACKAGE = 'node-llama-cpp';

export interface LlamaLlmOptions {
  /** LLM_MODEL_PATH: a GGUF file. */
  modelPath: string;
  contextSize?: number;
  temperature?: number;
}

/**
 * A local GGUF model through node-llama-cpp. The package is imported on first use, so a server without a
 * local model never loads it (it brings native binaries). One context, one request at a time: a small
 * local model is CPU-bound, and queueing keeps each answer as fast as the machine allows.
 */
export class LlamaLlm implements Llm {
  readonly name: string;
  private loading: Promise<Loaded> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: LlamaLlmOptions) {
    this.name = `llama:${path.basename(opts.modelPath).replace(/\.gguf$/i, '')}`;
  }

  private load(): Promise<Loaded> {
    this.loading ??= this.start().catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }

  private async start(): Promise<Loaded> {
    if (!fs.existsSync(this.opts.modelPath)) {
      throw unavailable(`LLM_MODEL_PATH ${this.opts.modelPath} does not exist; point it at a GGUF chat model`, 'engine_unavailable');
    }
    let mod: NodeLlamaCpp;
    try {
      mod = await import(LLAMA_PACKAGE);
    } catch (err) {
      throw unavailable(`LLM_MODEL_PATH needs the node-llama-cpp package (npm install node-llama-cpp): ${(err as Error).message}`, 'engine_unavailable');
    }
    try {
      // 'never': a missing prebuilt binary is reported, not compiled from source inside a request.
      const llama = await mod.getLlama({ build: 'never', progressLogs: false });
      const model = await llama.loadModel({ modelPath: this.opts.modelPath });
      const context = await model.createContext({ sequences: 1, contextSize: this.opts.contextSize ?? 8192 });
      return { mod, llama, model, context };
    } catch (err) {
      throw unavailable(`cannot load the local model ${this.opts.modelPath}: ${(err as Error).message}`, 'engine_unavailable');
    }
  }

  async *complete(messages: ChatMessage[], opts: CompleteOptions = {}): AsyncIterable<string> {
    const { mod, context } = await this.load();
    const chunks: string[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    let failure: unknown = null;
    const notify = () => {
      wake?.();
      wake = null;
    };

    const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
    const turns = messages.filter((m) => m.role !== 'system');
    const last = turns.pop();
    if (!last || last.role !== 'user') throw new AppError('internal', 'a chat must end with a user message');

    const run = this.queue.then(async () => {
      const sequence = context.getSequence();
      const session = new mod.LlamaChatSession({ contextSequence: sequence, systemPrompt: system || undefined });
      try {
        session.setChatHistory([
          ...(system ? [{ type: 'system' as const, text: system }] : []),
          ...turns.map((t) => (t.role === 'user' ? { type: 'user' as const, text: t.content } : { type: 'model' as const, response: [t.content] })),
        ]);
        await session.prompt(last.content, {
          maxTokens: opts.maxTokens ?? 700,
          temperature: this.opts.temperature ?? 0.1,
          signal: opts.signal,
          stopOnAbortSignal: true,
          onTextChunk: (text: string) => {
            chunks.push(text);
            notify();
          },
        });
      } catch (err) {
        failure = err;
      } finally {
        session.dispose({ disposeSequence: true });
        done = true;
        notify();
      }
    });
    this.queue = run.catch(() => undefined);

    while (true) {
      if (chunks.length) {
        yield chunks.shift()!;
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => (wake = r));
    }
    if (failure && !opts.signal?.aborted) {
      throw unavailable(`the local model failed: ${(failure as Error).message ?? String(failure)}`);
    }
  }

  async close(): Promise<void> {
    if (!this.loading) return;
    const l = await this.loading.catch(() => null);
    await l?.context.dispose();
    await l?.model.dispose();
    await l?.llama.dispose();
  }
}
