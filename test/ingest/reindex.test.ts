/**
 * `reindex` rebuilds the lexical index from the stored moments: after the index lost its documents (or the
 * engine was switched and starts empty), the same searches find the same moments again. PGlite on disk, the
 * Postgres engine, then the Elasticsearch adapter against a loopback stand-in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { reindexLexical } from '../../src/ingest/reindex.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { devTranscript } from '../helpers/server.js';
import { FakeElasticsearch } from '../faults/helpers.js';

const QUERIES = ['remote control', 'buttons design', 'project budget'];
let dataDir: string;

const open = (env: Record<string, string> = {}) =>
  openServices(loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', ...env }), {
    logger: createLogger('silent'),
    embedder: null,
    embedCacheDir: null,
    cache: 'off',
  });
const results = async (s: Services) => Promise.all(QUERIES.map(async (q) => s.lexical.search(q, {}, 10)));

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-reindex-'));
  const s = await open();
  try {
    for (const [id, recordedAt] of [['ES2005a', '1992-01-11'], ['ES2005b', '1992-01-12']] as const)
      await ingestTranscript(s, { meta: { id, title: id, recordedAt, collection: 'qmsum', language: 'en', source: `${id}.vtt` }, fileName: `${id}.vtt`, content: devTranscript(id) });
  } finally {
    await s.close();
  }
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('reindex (PGlite on disk)', () => {
  it('puts back every document the Postgres lexical index lost, and the searches find what they found before', async () => {
    const s = await open();
    try {
      const before = await results(s);
      const moments = (await s.archive.counts()).moments;
      expect(before.every((hits) => hits.length > 0)).toBe(true);
      for await (const id of s.archive.allRecordingIds()) await s.lexical.deleteRecording(id);
      expect(await s.lexical.count()).toBe(0);

      // Chapters titled by an earlier version are titled again, their boundaries kept.
      const chapters = await s.chapters.list('ES2005a');
      expect(chapters.length).toBeGreaterThan(0);
      await s.chapters.replace('ES2005a', chapters.map((c) => ({ ...c, title: 'Project Manager, Stale', keywords: ['project manager', 'stale'] })));

      const seen: number[] = [];
      const out = await reindexLexical(s, (done) => seen.push(done));
      expect(out).toEqual({ recordings: 2, moments, chapters: (await s.chapters.list('ES2005b')).length + chapters.length });
      expect(await s.chapters.list('ES2005a')).toEqual(chapters);
      expect(seen).toEqual([0, 1, 2]);
      expect(await s.lexical.count()).toBe(moments);
      expect(await results(s)).toEqual(before);
    } finally {
      await s.close();
    }
  });
});

describe('reindex after switching to Elasticsearch (adapter against a loopback stand-in)', () => {
  let es: FakeElasticsearch;
  beforeAll(async () => {
    es = await FakeElasticsearch.start();
  });
  afterAll(async () => es?.down());

  it('fills the new, empty index with every stored moment', async () => {
    const s = await open({ LEXICAL_ENGINE: 'elasticsearch', ES_URL: es.url });
    try {
      expect(es.docs.size).toBe(0);
      expect(await s.lexical.search('remote control', {}, 10)).toEqual([]);
      const out = await reindexLexical(s);
      expect(out.recordings).toBe(2);
      expect(es.docs.size).toBe((await s.archive.counts()).moments);
      expect((await s.lexical.search('remote control', {}, 10)).length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
