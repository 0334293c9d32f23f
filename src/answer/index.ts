/**
 * answer: answers to questions about the archive, grounded in its excerpts. Retrieval for a question, the
 * LLM port and its adapters (llama.cpp, OpenAI-compatible; picked from the LLM_* settings), extractive
 * answers when there is no LLM, and the check that every claim is supported by the excerpt it cites.
 * Offers `ask`, its request and result types, the LLM factory, and the citation type pages show.
 */
export { createLlm } from './llm/index.js';
export { ask } from './service.js';
export type { AskRequest, AskResult } from './service.js';
export type { Citation } from './verify.js';
