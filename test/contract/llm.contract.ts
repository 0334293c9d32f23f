import { afterAll, beforeAll, describe, expect } from 'vitest';
import { StreamCut, type Llm } from '../../src/answer/llm/port.js';
import { AppError } from '../../src/core/errors.js';
import { contractCase, type Skips } from './cases.js';

/**
 * What every chat model adapter must do (src/answer/llm/port.ts). Run by test/answer/llm-openai.test.ts (a
 * loopback OpenAI-compatible server) and test/answer/llm-llama.test.ts (node-llama-cpp; only with a local model).
 */
export const LLM_CASES = [
  'names itself after its engine and model',
  'streams a completion as text deltas',
  'answers in one chunk when not streaming',
  'ends without an error when the signal aborts, before or during the answer',
  'signals a token-limit stop with StreamCut after the text that arrived',
  'reports failures as upstream_error or engine_unavailable, saying only that the service is unavailable',
] as const;
export type LlmCase = (typeof LLM_CASES)[number];

export interface LlmSetup {
  llm: Llm;
  close?(): Promise<void>;
  /** Adapters that cannot answer (no engine, no model, an endpoint that fails), the code each must give, and configuration that must not leak. */
  failing?: { llm: Llm; code: 'upstream_error' | 'engine_unavailable'; secret?: string }[];
}

const ASK = [
  { role: 'system' as const, content: 'Answer in one short sentence.' },
  { role: 'user' as const, content: 'What is kept in a speech archive?' },
];

async function drain(it: AsyncIterable<string>, onDelta?: (d: string) => void): Promise<string[]> {
  const out: string[] = [];
  for await (const d of it) {
    out.push(d);
    onDelta?.(d);
  }
  return out;
}

export function llmContract(name: string, setup: () => Promise<LlmSetup>, skips: Skips<LlmCase> = {}): void {
  describe(`LLM contract: ${name}`, () => {
    const test = contractCase<LlmCase>(skips, 120_000);
    let env: LlmSetup;
    beforeAll(async () => {
      env = await setup();
    });
    afterAll(async () => {
      await env?.llm?.close?.();
      for (const f of env?.failing ?? []) await f.llm.close?.();
      await env?.close?.();
    });

    test('names itself after its engine and model', () => {
      expect(env.llm.name).toMatch(/^(openai|llama):\S+$/);
    });

    test('streams a completion as text deltas', async () => {
      const deltas = await drain(env.llm.complete(ASK, { maxTokens: 60 }));
      expect(deltas.length).toBeGreaterThan(0);
      for (const d of deltas) expect(typeof d).toBe('string');
      expect(deltas.join('').trim()).not.toBe('');
    });

    test('answers in one chunk when not streaming', async () => {
      const chunks = await drain(env.llm.complete(ASK, { maxTokens: 60, stream: false }));
      expect(chunks).toHaveLength(1);
      expect(chunks[0].trim()).not.toBe('');
    });

    test('ends without an error when the signal aborts, before or during the answer', async () => {
      const before = new AbortController();
      before.abort();
      expect((await drain(env.llm.complete(ASK, { signal: before.signal }))).join('')).toBe('');

      const full = (await drain(env.llm.complete(ASK, { maxTokens: 60 }))).join('');
      const during = new AbortController();
      const got = await drain(env.llm.complete(ASK, { maxTokens: 60, signal: during.signal }), () => during.abort());
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect(got.join('').length).toBeLessThan(full.length);
    });

    test('signals a token-limit stop with StreamCut after the text that arrived', async () => {
      const got: string[] = [];
      const err = await drain(env.llm.complete(ASK, { maxTokens: 2 }), (d) => got.push(d)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StreamCut);
      expect(got.join('').trim()).not.toBe('');
    });

    test('reports failures as upstream_error or engine_unavailable, saying only that the service is unavailable', async () => {
      expect(env.failing?.length, 'the setup gives adapters that cannot answer').toBeGreaterThan(0);
      for (const f of env.failing!) {
        for (const stream of [true, false]) {
          const err = await drain(f.llm.complete(ASK, { stream })).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err, `${f.llm.name} stream=${stream}`).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe(f.code);
          // The asker sees no endpoint, path or credentials; the reason is for the server log.
          expect((err as AppError).message).toBe('the answer service is unavailable');
          expect((err as AppError).details).toMatchObject({ reason: expect.any(String) });
          if (f.secret) expect(JSON.stringify((err as AppError).details)).not.toContain(f.secret);
        }
      }
    });
  });
}
