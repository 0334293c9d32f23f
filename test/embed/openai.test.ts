import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { OpenAIEmbedder } from '../../src/indexes/embed/openai.js';
import { dot } from '../../src/indexes/embed/vector.js';
import { closedPort } from './fixtures/closed-port.js';
import { startEmbeddingsServer } from './fixtures/embeddings-server.js';
import { embedderContract } from '../contract/embedder.contract.js';

embedderContract('OpenAI-compatible endpoint (loopback server)', async () => {
  const srv = await startEmbeddingsServer();
  // batchSize 3: the contract's batches span several requests, so order across requests is checked too.
  const offline = `http://127.0.0.1:${await closedPort()}/v1`;
  return {
    embedder: new OpenAIEmbedder({ model: 'hash-16', baseURL: srv.baseURL, apiKey: 'k', batchSize: 3 }),
    close: srv.close,
    unavailable: {
      embedder: new OpenAIEmbedder({ model: 'm', baseURL: offline, apiKey: 'k', maxRetries: 0 }),
      names: /Cannot reach the embedding endpoint 127\.0\.0\.1:\d+/,
    },
  };
});

const DIM = 6;

/** Deterministic, deliberately unnormalised vector for a text, so the test can check normalisation and order. */
function fakeVector(text: string): number[] {
  const v = Array.from({ length: DIM }, (_, i) => ((text.length * (i + 3) + text.charCodeAt(i % text.length)) % 17) + 1);
  return v.map((x) => x * 10);
}

interface Call {
  path: string;
  auth: string | undefined;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}

describe('OpenAIEmbedder against a local /embeddings server', () => {
  let server: Server;
  let baseURL: string;
  const calls: Call[] = [];
  let failWith500 = false;

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as Call['body'];
      calls.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      if (failWith500) {
        // retry-after-ms keeps the SDK's retry backoff short.
        res.writeHead(500, { 'content-type': 'application/json', 'retry-after-ms': '5' });
        res.end(JSON.stringify({ error: { message: 'model crashed', type: 'server_error' } }));
        return;
      }
      // Answer in reverse order: clients must use `index`, not position.
      const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })).reverse();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    calls.length = 0;
    failWith500 = false;
  });

  it('discovers the dimension, batches by 256 and keeps order', async () => {
    const e = new OpenAIEmbedder({ model: 'nomic-embed', baseURL, apiKey: 'dummy' });
    expect(e.model).toBe('openai:nomic-embed');
    await e.init();
    expect(e.dim).toBe(DIM);
    expect(calls).toHaveLength(1); // the probe

    const texts = Array.from({ length: 600 }, (_, i) => `passage number ${i} ${'x'.repeat(i % 13)}`);
    const progress: number[] = [];
    const vecs = await e.embed(texts, (done) => progress.push(done));
    expect(calls.slice(1).map((c) => c.body.input.length)).toEqual([256, 256, 88]);
    expect(progress).toEqual([256, 512, 600]);
    for (const c of calls) {
      expect(c.path).toBe('/v1/embeddings');
      expect(c.auth).toBe('Bearer dummy');
      expect(c.body.encoding_format).toBe('float');
      expect(c.body.dimensions).toBeUndefined();
    }
    expect(vecs).toHaveLength(600);
    for (const i of [0, 1, 255, 256, 599]) {
      const want = fakeVector(texts[i]);
      const n = Math.hypot(...want);
      expect(Math.sqrt(dot(vecs[i], vecs[i]))).toBeCloseTo(1, 5);
      want.forEach((x, j) => expect(vecs[i][j]).toBeCloseTo(x / n, 5));
    }
    await e.close();
  });

  it('checks a configured EMBEDDING_DIM against the server', async () => {
    const e = new OpenAIEmbedder({ model: 'm', baseURL, apiKey: 'k', dim: 1024 });
    expect(e.dim).toBe(1024);
    const err = await e.init().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('upstream_error');
    expect((err as AppError).message).toMatch(/returned 6-d vectors .* expected 1024/);
  });

  it('surfaces a 500 reply (after the SDK retries) as upstream_error', async () => {
    const e = new OpenAIEmbedder({ model: 'm', baseURL, apiKey: 'k', maxRetries: 1 });
    await e.init();
    failWith500 = true;
    calls.length = 0;
    const err = await e.embed(['a', 'b']).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('upstream_error');
    expect((err as AppError).status).toBe(502);
    expect((err as AppError).message).toMatch(/answered 500/);
    expect(calls).toHaveLength(2); // first try + one retry
  });

  it('requires EMBEDDING_MODEL', async () => {
    const e = new OpenAIEmbedder({ baseURL, apiKey: 'k' });
    await expect(e.init()).rejects.toMatchObject({ code: 'engine_unavailable', message: expect.stringMatching(/needs EMBEDDING_MODEL/) });
  });

  it('reports an unreachable server as engine_unavailable', async () => {
    const offline = `http://127.0.0.1:${await closedPort()}/v1`;
    const e = new OpenAIEmbedder({ model: 'm', baseURL: offline, apiKey: 'k', maxRetries: 0 });
    const err = await e.init().catch((x: unknown) => x);
    expect((err as AppError).code).toBe('engine_unavailable');
    // The host names the service; the configured URL (which may carry credentials) is never repeated.
    expect((err as AppError).message).toContain(`Cannot reach the embedding endpoint ${new URL(offline).host}`);
  });
});
