import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CachedEmbedder } from '../../src/indexes/embed/cache.js';
import type { Embedder } from '../../src/core/embedder.js';
import { l2normalise } from '../../src/indexes/embed/vector.js';
import { OpenAIEmbedder } from '../../src/indexes/embed/openai.js';
import { embedderContract } from '../contract/embedder.contract.js';
import { closedPort } from './fixtures/closed-port.js';
import { startEmbeddingsServer } from './fixtures/embeddings-server.js';

/** Deterministic embedder that records what it was asked to embed. */
class CountingEmbedder implements Embedder {
  readonly dim = 4;
  calls: string[][] = [];
  closed = false;
  constructor(readonly model = 'fake:model') {}
  async init(): Promise<void> {}
  async embed(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    this.calls.push(texts);
    const out = texts.map((t) => l2normalise([t.length, t.charCodeAt(0) || 1, 1, (t.charCodeAt(t.length - 1) || 2) % 7]));
    onProgress?.(texts.length, texts.length);
    return out;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const tmp = mkdtempSync(path.join(tmpdir(), 'embed-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The cache is an Embedder too: hits and misses together must keep every promise of the port.
embedderContract('on-disk cache in front of an OpenAI-compatible endpoint', async () => {
  const srv = await startEmbeddingsServer();
  const offline = `http://127.0.0.1:${await closedPort()}/v1`;
  return {
    embedder: new CachedEmbedder(new OpenAIEmbedder({ model: 'hash-16', baseURL: srv.baseURL, apiKey: 'k', batchSize: 3 }), path.join(tmp, 'contract'), { chunkSize: 2 }),
    close: srv.close,
    unavailable: {
      embedder: new CachedEmbedder(new OpenAIEmbedder({ model: 'm', baseURL: offline, apiKey: 'k', maxRetries: 0 }), path.join(tmp, 'contract-offline')),
      names: /Cannot reach the embedding endpoint/,
    },
  };
});

describe('CachedEmbedder', () => {
  it('sends only misses to the inner embedder and counts hits as progress', async () => {
    const inner = new CountingEmbedder();
    const cache = new CachedEmbedder(inner, path.join(tmp, 'a'));
    const first = await cache.embed(['alpha', 'beta', 'alpha']);
    expect(inner.calls).toEqual([['alpha', 'beta']]); // duplicates are embedded once
    expect(first[0]).toEqual(first[2]);

    const progress: [number, number][] = [];
    const second = await cache.embed(['beta', 'gamma', 'alpha', 'delta'], (d, t) => progress.push([d, t]));
    expect(inner.calls[1]).toEqual(['gamma', 'delta']);
    expect(progress[0]).toEqual([2, 4]);
    expect(progress.at(-1)).toEqual([4, 4]);
    expect(second[0]).toEqual(first[1]);
    expect(second[2]).toEqual(first[0]);
    expect(cache.model).toBe('fake:model');
    expect(cache.dim).toBe(4);
    await cache.close();
    expect(inner.closed).toBe(true);
  });

  it('survives re-opening from disk and ignores a truncated tail', async () => {
    const dir = path.join(tmp, 'b');
    const c1 = new CachedEmbedder(new CountingEmbedder(), dir);
    const v1 = await c1.embed(['one', 'two', 'three']);
    await c1.close();
    const file = c1.filePath;
    expect(statSync(file).size).toBe(3 * (20 + 4 * 4));

    // A crash in the middle of an append leaves a partial record.
    appendFileSync(file, Buffer.alloc(11, 7));
    const inner2 = new CountingEmbedder();
    const c2 = new CachedEmbedder(inner2, dir);
    const v2 = await c2.embed(['three', 'one', 'two', 'four']);
    expect(inner2.calls).toEqual([['four']]);
    expect(v2.slice(0, 3)).toEqual([v1[2], v1[0], v1[1]]);
    await c2.close();
    // The partial record was cut before appending, so the file is whole records again.
    expect(statSync(file).size).toBe(4 * (20 + 4 * 4));

    const inner3 = new CountingEmbedder();
    const c3 = new CachedEmbedder(inner3, dir);
    await c3.init();
    expect(c3.size).toBe(4);
    await c3.embed(['four', 'one']);
    expect(inner3.calls).toEqual([]);
  });

  it('skips damaged records and keeps models in separate files', async () => {
    const dir = path.join(tmp, 'c');
    const c1 = new CachedEmbedder(new CountingEmbedder('model:x'), dir);
    await c1.embed(['keep', 'damage']);
    await c1.close();
    // Overwrite the second record's vector with NaNs.
    const buf = readFileSync(c1.filePath);
    buf.fill(0xff, 36 + 20);
    writeFileSync(c1.filePath, buf);

    const inner = new CountingEmbedder('model:x');
    const c2 = new CachedEmbedder(inner, dir);
    await c2.embed(['keep', 'damage']);
    expect(inner.calls).toEqual([['damage']]);

    const other = new CountingEmbedder('model_x');
    const c3 = new CachedEmbedder(other, dir);
    await c3.embed(['keep']);
    expect(other.calls).toEqual([['keep']]);
    expect(c3.filePath).not.toBe(c2.filePath);
  });

  it('writes concurrent calls as whole records', async () => {
    const dir = path.join(tmp, 'd');
    const c = new CachedEmbedder(new CountingEmbedder(), dir, { chunkSize: 2 });
    const texts = Array.from({ length: 25 }, (_, i) => `text ${i}`);
    await Promise.all([c.embed(texts.slice(0, 13)), c.embed(texts.slice(13))]);
    await c.close();
    const reopened = new CachedEmbedder(new CountingEmbedder(), dir);
    await reopened.init();
    expect(reopened.size).toBe(25);
  });
});
