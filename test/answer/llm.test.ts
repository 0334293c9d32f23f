import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLlm, LlamaLlm, OpenAILlm, StreamCut } from '../../src/answer/llm/index.js';

const collect = async (it: AsyncIterable<string>) => {
  let out = '';
  for await (const x of it) out += x;
  return out;
};

describe('LLM adapters', () => {
  it('picks the adapter from config, or none', () => {
    expect(createLlm({})).toBeNull();
    expect(createLlm({ LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'm' })?.name).toBe('openai:m');
    expect(createLlm({ LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: 'k' })).toBeInstanceOf(OpenAILlm);
    expect(createLlm({ LLM_MODEL: 'gpt-4o-mini' })).toBeNull();
    expect(createLlm({ LLM_MODEL_PATH: '/models/qwen2.5-3b-instruct-q4_k_m.gguf' })?.name).toBe('llama:qwen2.5-3b-instruct-q4_k_m');
  });

  it('reports a missing local model as engine_unavailable; the setting and path are for the log only', async () => {
    const llm = new LlamaLlm({ modelPath: '/nonexistent/model.gguf' });
    await expect(collect(llm.complete([{ role: 'user', content: 'hi' }]))).rejects.toMatchObject({
      code: 'engine_unavailable',
      message: 'the answer service is unavailable',
      details: { reason: expect.stringContaining('LLM_MODEL_PATH /nonexistent/model.gguf') },
    });
  });

  it('reports an unreachable endpoint as upstream_error; its host (never its credentials) is for the log only', async () => {
    const llm = new OpenAILlm({ baseURL: 'http://bot:hunter2@127.0.0.1:9/v1', model: 'm', maxRetries: 0 });
    const err = await collect(llm.complete([{ role: 'user', content: 'hi' }], { stream: false })).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'upstream_error',
      message: 'the answer service is unavailable',
      details: { reason: expect.stringMatching(/cannot reach the LLM endpoint 127\.0\.0\.1:9 /) },
    });
    expect(JSON.stringify((err as { details: unknown }).details)).not.toMatch(/hunter2|bot:/);
  });

  it('streams deltas, and signals a token-limit stop after what arrived', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const [content, finish] of [['Hello', null], [' world', 'length']] as const) {
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const llm = new OpenAILlm({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: 'm' });
    const got: string[] = [];
    const err = await (async () => {
      try {
        for await (const d of llm.complete([{ role: 'user', content: 'hi' }])) got.push(d);
      } catch (e) {
        return e;
      }
    })();
    server.close();
    expect(got).toEqual(['Hello', ' world']);
    expect(err).toBeInstanceOf(StreamCut);
  });
});
