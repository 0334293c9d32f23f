/**
 * Re-embedding builds the new model's vectors beside the served ones and swaps them in at the end: while it
 * runs, a vector search with the old model finds what it found before; after it, the archive is bound to the
 * new model and searched with it; a re-embedding that fails part way leaves the old vectors served. PGlite.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/embedder.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { reembedArchive } from '../../src/ingest/reembed.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import { openServices, type Services } from '../../src/main/services.js';
import { searchMoments } from '../../src/retrieval/search.js';
import { devTranscript } from '../helpers/server.js';
import { migratedTemplate } from '../helpers/db.js';

/** A deterministic embedder (hashed bag of words) of any dimension; `failAfter` texts batches make it fail. */
class HashEmbedder implements Embedder {
  calls = 0;
  constructor(
    readonly dim: number,
    private readonly failAfter = Infinity,
  ) {}
  get model() {
    return `test-hash-${this.dim}`;
  }
  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (++this.calls > this.failAfter) throw new Error('embedding service unreachable');
    return texts.map((t) => {
      const v = new Float32Array(this.dim);
      for (const w of t.toLowerCase().match(/[a-z]{4,}/g) ?? []) v[createHash('md5').update(w).digest().readUInt16BE(0) % this.dim] += 1;
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  }
}

const RECORDINGS = [['ES2005a', '1992-01-11'], ['ES2005b', '1992-01-12'], ['ES2005c', null]] as const;
const Q = 'remote control buttons';
let s: Services;
const old = new HashEmbedder(64);

beforeEach(async () => {
  const cfg = loadConfig({ LOG_LEVEL: 'silent', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off' });
  s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: old, embedCacheDir: null, cache: 'off' });
  for (const [id, recordedAt] of RECORDINGS)
    await ingestTranscript(s, { meta: { id, title: id, recordedAt, collection: 'qmsum', language: 'en', source: `${id}.vtt` }, fileName: `${id}.vtt`, content: devTranscript(id) });
});
afterEach(async () => s?.close());

const storedModel = async () => (await s.db.query<{ value: unknown }>("SELECT value FROM archive_meta WHERE key = 'embedding_model'"))[0]?.value;

describe('reembed', () => {
  it('serves the old vectors until the new ones are complete, then the new model', async () => {
    const [q] = await old.embed([Q]);
    const before = await s.vectors!.search(q, {}, 10);
    const dated = await s.vectors!.search(q, { from: '1992-01-01', to: '1992-12-31' }, 10);
    expect(before.length).toBe(10);
    const moments = await s.vectors!.count();

    const next = new HashEmbedder(96);
    s.embedder = next;
    const during: number[] = [];
    const n = await reembedArchive(s, async (done) => {
      // Each recording's new vectors are written by now: search still reads the old ones, all of them.
      expect(await s.vectors!.search(q, {}, 10)).toEqual(before);
      expect(await s.vectors!.search(q, { from: '1992-01-01', to: '1992-12-31' }, 10)).toEqual(dated);
      expect(await s.vectors!.count()).toBe(moments);
      during.push(done);
    });
    expect(n).toBe(3);
    expect(during).toEqual([0, 1, 2, 3]);

    expect(await storedModel()).toEqual({ model: 'test-hash-96', dim: 96 });
    expect(await s.vectors!.count()).toBe(moments);
    const [q2] = await next.embed([Q]);
    const after = await s.vectors!.search(q2, {}, 10);
    expect(after.length).toBe(10);
    // Date partitions came along: a dated search prunes to them and an undated recording is still found.
    expect((await s.vectors!.search(q2, { from: '1992-01-01', to: '1992-12-31' }, 50)).every((h) => !h.momentId.startsWith('ES2005c'))).toBe(true);
    expect((await s.vectors!.search(q2, { recordingId: 'ES2005c' }, 5)).length).toBe(5);
    const hybrid = await searchMoments(s, { q: Q, mode: 'vector', limit: 5, filters: {} });
    expect(hybrid.results.length).toBe(5);

    // A fresh process binds to the new model and refuses the old one.
    await expect(new PgVectorIndex(s.db).init({ model: next.model, dim: 96 })).resolves.toBeUndefined();
    await expect(new PgVectorIndex(s.db).init({ model: old.model, dim: 64 })).rejects.toMatchObject({ code: 'embedding_model_mismatch' });
    // And an ingest after the swap writes vectors of the new model into the served table.
    await ingestTranscript(s, { meta: { id: 'ES2005d', title: 'd', recordedAt: '1992-01-14', collection: 'qmsum', language: 'en', source: 'd.vtt' }, fileName: 'd.vtt', content: devTranscript('ES2005d') });
    expect((await s.vectors!.search(q2, { recordingId: 'ES2005d' }, 5)).length).toBe(5);
  });

  it('leaves the old vectors and model served when it fails part way, and a later run completes', async () => {
    const [q] = await old.embed([Q]);
    const before = await s.vectors!.search(q, {}, 10);
    s.embedder = new HashEmbedder(96, 2);
    await expect(reembedArchive(s, () => {})).rejects.toThrow(/unreachable/);
    expect(await storedModel()).toEqual({ model: old.model, dim: 64 });
    expect(await s.vectors!.search(q, {}, 10)).toEqual(before);
    expect(await s.db.query("SELECT 1 FROM pg_class WHERE relname LIKE 'embeddings_next%'")).toEqual([]);

    s.embedder = new HashEmbedder(96);
    expect(await reembedArchive(s, () => {})).toBe(3);
    expect(await storedModel()).toEqual({ model: 'test-hash-96', dim: 96 });
  });
});
