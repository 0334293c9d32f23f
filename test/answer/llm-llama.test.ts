import { LlamaLlm } from '../../src/answer/llm/llama.js';
import { skipAllBut } from '../contract/cases.js';
import { LLM_CASES, llmContract } from '../contract/llm.contract.js';

// No GGUF model is kept with the tests (they are gigabytes); only what needs none runs.
llmContract(
  'node-llama-cpp (local GGUF model)',
  async () => ({
    llm: new LlamaLlm({ modelPath: '/nonexistent/qwen2.5-3b-instruct-q4_k_m.gguf' }),
    failing: [{ llm: new LlamaLlm({ modelPath: '/nonexistent/model.gguf' }), code: 'engine_unavailable' }],
  }),
  skipAllBut(LLM_CASES, 'no local GGUF model in the test environment (LLM_MODEL_PATH)', [
    'names itself after its engine and model',
    'reports failures as upstream_error or engine_unavailable, saying only that the service is unavailable',
  ]),
);
