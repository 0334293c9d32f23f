import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAILlm } from '../../src/answer/llm/openai.js';
import { llmContract } from '../contract/llm.contract.js';
import { closedPort } from '../embed/fixtures/closed-port.js';

const ANSWER = ['Recordings ', 'of ', 'speech, ', 'with ', 'their ', 'transcripts.'];

/**
 * An OpenAI-compatible chat endpoint on loopback: a fixed answer, streamed a word every 30 ms; with max_tokens
 * under the answer's length it stops there with finish_reason "length"; model "broken" gets a 500.
 */
async function startChatServer(): Promise<{ baseURL: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const body = JSON.parse(raw) as { model: string; stream?: boolean; max_tokens?: number };
    if (body.model === 'broken') {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model crashed', type: 'server_error' } }));
      return;
    }
    const words = ANSWER.slice(0, body.max_tokens ?? ANSWER.length);
    const finish = words.length < ANSWER.length ? 'length' : 'stop';
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 0,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: finish }],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < words.length && !res.destroyed; i++) {
      const last = i === words.length - 1;
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta: { content: words[i] }, finish_reason: last ? finish : null }] })}\n\n`);
      await new Promise((r) => setTimeout(r, 30));
    }
    if (!res.destroyed) res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

llmContract('OpenAI-compatible endpoint (loopback server)', async () => {
  const srv = await startChatServer();
  const port = await closedPort();
  return {
    llm: new OpenAILlm({ baseURL: srv.baseURL, model: 'archive-chat' }),
    close: srv.close,
    failing: [
      { llm: new OpenAILlm({ baseURL: `http://bot:pw-in-url@127.0.0.1:${port}/v1`, apiKey: 'sk-key-secret', model: 'm', maxRetries: 0 }), code: 'upstream_error', secret: 'secret' },
      { llm: new OpenAILlm({ baseURL: `${srv.baseURL}?token=tok-secret`, apiKey: 'sk-key-secret', model: 'broken', maxRetries: 0 }), code: 'upstream_error', secret: 'secret' },
    ],
  };
});
