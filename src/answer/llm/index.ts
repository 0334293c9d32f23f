import type { Config } from '../../core/index.js';
import { LlamaLlm } from './llama.js';
import { OpenAILlm } from './openai.js';
import type { Llm } from './port.js';

export type { ChatMessage, CompleteOptions, Llm } from './port.js';
export { StreamCut } from './port.js';
export { LlamaLlm } from './llama.js';
export { OpenAILlm } from './openai.js';

/**
 * The configured chat model, or null: then /v1/ask answers extractively (quoted transcript sentences).
 *  - LLM_BASE_URL: an OpenAI-compatible server (LLM_MODEL, LLM_API_KEY optional);
 *  - LLM_MODEL with LLM_API_KEY and no base URL: api.openai.com;
 *  - LLM_MODEL_PATH: a local GGUF model through node-llama-cpp.
 * A remote endpoint wins over a local file when both are set: it is the explicit deployment choice.
 */
export function createLlm(cfg: Partial<Pick<Config, 'LLM_BASE_URL' | 'LLM_MODEL' | 'LLM_API_KEY' | 'LLM_MODEL_PATH'>>): Llm | null {
  if (cfg.LLM_BASE_URL || (cfg.LLM_MODEL && cfg.LLM_API_KEY)) {
    return new OpenAILlm({ baseURL: cfg.LLM_BASE_URL, model: cfg.LLM_MODEL, apiKey: cfg.LLM_API_KEY });
  }
  if (cfg.LLM_MODEL_PATH) return new LlamaLlm({ modelPath: cfg.LLM_MODEL_PATH });
  return null;
}
