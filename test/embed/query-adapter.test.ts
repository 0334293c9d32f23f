import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { loadQueryAdapter, queryAdapterFrom, shippedAdapterPath } from '../../src/indexes/embed/query-adapter.js';
import { openServices } from '../../src/main/services.js';
import { queryVector } from '../../src/retrieval/search.js';
import { HashEmbedder } from '../helpers/hash-embedder.js';
import { migratedTemplate } from '../helpers/db.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'query-adapter-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An adapter file for `model` whose A is `a` (row-major d×d). */
function adapterFile(name: string, model: string, d: number, a: number[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ model, dim: d, fitted: 'test', a: Buffer.from(Float32Array.from(a).buffer).toString('base64') }));
  return file;
}
const unitVector = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

describe('query adapter', () => {
  it('maps a question vector to q + A q, at unit length', () => {
    // A doubles the first coordinate's share and moves some of it into the second.
    const a = queryAdapterFrom({ model: 'm', dim: 2, fitted: 't', a: Buffer.from(Float32Array.from([1, 0, 0.5, 0]).buffer).toString('base64') }, 'x');
    const u = a.apply(unitVector([0.6, 0.8]));
    const expected = unitVector([0.6 + 0.6, 0.8 + 0.3]);
    expect(u[0]).toBeCloseTo(expected[0], 6);
    expect(u[1]).toBeCloseTo(expected[1], 6);
  });

  it('ships one for USE-lite, and QUERY_ADAPTER=auto loads it; off, or a model without one, has none', () => {
    const use = { model: 'use-lite-512', dim: 512 };
    expect(fs.existsSync(shippedAdapterPath(use.model))).toBe(true);
    const shipped = loadQueryAdapter(loadConfig({ QUERY_ADAPTER: 'auto' }), use)!;
    expect(shipped).not.toBeNull();
    const q = unitVector(Array.from({ length: 512 }, (_, i) => Math.sin(i + 1)));
    const u = shipped.apply(q);
    expect(Math.hypot(...u)).toBeCloseTo(1, 5);
    // It moves the question, and not far: a question stays nearest to what it says.
    const cos = u.reduce((s, x, i) => s + x * q[i], 0);
    expect(cos).toBeLessThan(0.9999);
    expect(cos).toBeGreaterThan(0.3);
    expect(loadQueryAdapter(loadConfig({}), use)?.id).toBe(shipped.id);
    expect(loadQueryAdapter(loadConfig({ QUERY_ADAPTER: 'off' }), use)).toBeNull();
    expect(loadQueryAdapter(loadConfig({ QUERY_ADAPTER: 'auto' }), { model: 'onnx:bge-small-en-v1.5', dim: 384 })).toBeNull();
  });

  it('refuses a file made for another model, one that is not an adapter, and one that is missing, naming them', () => {
    const other = adapterFile('other.json', 'onnx:bge-small-en-v1.5', 2, [0, 0, 0, 0]);
    expect(() => loadQueryAdapter({ QUERY_ADAPTER: other }, { model: 'use-lite-512', dim: 512 })).toThrow(/maps onnx:bge-small-en-v1\.5 \(2-d\) vectors; this archive embeds with use-lite-512 \(512-d\)/);
    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"model": "use-lite-512"}');
    expect(() => loadQueryAdapter({ QUERY_ADAPTER: junk }, { model: 'use-lite-512', dim: 512 })).toThrow(/junk\.json is not a query adapter/);
    expect(() => loadQueryAdapter({ QUERY_ADAPTER: path.join(dir, 'nowhere.json') }, { model: 'use-lite-512', dim: 512 })).toThrow(/cannot read .*nowhere\.json/);
    const short = adapterFile('short.json', 'test-hash-64', 64, [1, 2, 3]);
    expect(() => loadQueryAdapter({ QUERY_ADAPTER: short }, { model: 'test-hash-64', dim: 64 })).toThrow(/holds 4096 numbers, this one 3/);
  });

  it('searches with the mapped question vector, and a vector cached under another adapter is not served', async () => {
    const embedder = new HashEmbedder();
    // A adds each coordinate's neighbour: q + A q is another direction than q.
    const a = new Array(64 * 64).fill(0);
    for (let i = 0; i < 64; i++) a[i * 64 + ((i + 1) % 64)] = 1;
    const file = adapterFile('hash.json', embedder.model, 64, a);
    const cfg = loadConfig({ SAMPLE_ARCHIVE: 'off', QUERY_ADAPTER: file, DATA_DIR: path.join(dir, 'data') });
    const s = await openServices(cfg, { inMemoryDb: true, dbTemplate: migratedTemplate(), embedder, embedCacheDir: null });
    try {
      expect(s.queryAdapter?.model).toBe(embedder.model);
      const question = 'what did the committee decide about tenants';
      const [raw] = await embedder.embed([question]);
      const mapped = await queryVector(s, question);
      expect(Array.from(mapped)).toEqual(Array.from(s.queryAdapter!.apply(raw)));
      expect(Array.from(mapped)).not.toEqual(Array.from(raw));
      const adapter = s.queryAdapter;
      s.queryAdapter = null;
      expect(Array.from(await queryVector(s, question))).toEqual(Array.from(raw));
      s.queryAdapter = adapter;
      expect(Array.from(await queryVector(s, question))).toEqual(Array.from(mapped));
      // A new question is embedded once, for its moved vector and the plain one the thresholds read.
      const calls: string[][] = [];
      const embed = embedder.embed.bind(embedder);
      embedder.embed = (texts) => (calls.push(texts), embed(texts));
      const other = 'which tenants asked about the heating';
      await queryVector(s, other);
      expect(Array.from(await queryVector(s, other, { plain: true }))).toEqual(Array.from((await embed([other]))[0]));
      expect(calls).toEqual([[other]]);
    } finally {
      await s.close();
    }
  });
});
