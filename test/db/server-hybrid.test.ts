/**
 * The production database, a Postgres server with pgvector, against the embedded one: the same recordings,
 * ingested through the API with real USE vectors, give the same hybrid rankings, links and routing. The
 * adapters' contracts are tested one port at a time; this is the whole search over each. Skipped where the
 * local server has no pgvector (.ci/run builds it for the server when it can).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, serverHasPgvector } from '../helpers/postgres.js';
import { ingestDev, startTestServer, type TestServer } from '../helpers/server.js';

const hasPgvector = await serverHasPgvector();
const RECORDINGS: [string, string, string, string][] = [
  ['ES2009a', 'Meeting ES2009a', '2003-02-05', 'qmsum'],
  ['IS1005c', 'Meeting IS1005c', '1989-02-21', 'qmsum'],
  ['TS3003b', 'Meeting TS3003b', '2010-07-15', 'qmsum'],
];

describe.skipIf(!hasPgvector)('hybrid search on the local Postgres server with pgvector, against PGlite', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let server: TestServer;
  let embedded: TestServer;
  const vectors = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-vectors-'));

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    // One vector cache: the second archive reads the vectors the first computed, as a re-embed would not.
    embedded = await startTestServer({ SAMPLE_ARCHIVE: 'off' }, { embedCacheDir: vectors });
    server = await startTestServer({ SAMPLE_ARCHIVE: 'off', DATABASE_URL: scratch.url }, { embedCacheDir: vectors });
    await ingestDev(embedded, RECORDINGS);
    await ingestDev(server, RECORDINGS);
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await embedded?.close();
    await scratch?.drop();
    fs.rmSync(vectors, { recursive: true, force: true });
  });

  /** What a search shows and where its links open, with its scores to 4 significant figures. */
  const search = async (t: TestServer, query: string) => {
    const res = await fetch(`${t.url}/v1/search?${query}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      mode: string; routing: unknown; degraded: boolean; total: number; phrases: string[];
      results: { recording_id: string; url: string; start: number; end: number; moment_ids: string[]; score: number; scores: { bm25: number | null; vector: number | null } }[];
    };
    return {
      mode: body.mode, routing: body.routing, degraded: body.degraded, total: body.total, phrases: body.phrases,
      results: body.results.map((r) => ({
        recording: r.recording_id, url: r.url, span: [r.start, r.end], moments: r.moment_ids,
        score: Number(r.score.toPrecision(4)), vector: r.scores.vector === null ? null : Number(r.scores.vector.toPrecision(3)),
      })),
    };
  };

  it.each<Record<string, string>>([
    { q: 'What did the Project Manager think of the profit when discussing the financial issue and why?' },
    { q: 'Summarize the discussion about use convenience.' },
    { q: 'Why was the docking station taken into consideration and how was its function achieved?' },
    { q: 'In 1989, what did the industrial designer think of solar cells?' },
    { q: 'What was the decision about button design?', recording: 'TS3003b' },
    { q: 'solar cell energy', mode: 'vector' },
    // A quoted phrase: the server's index reads the moments' text from the archive's table, as PGlite's does.
    { q: 'battery for the "remote control"' },
  ])('%j', async (params) => {
    const q = new URLSearchParams(params).toString();
    const [onServer, onPglite] = [await search(server, q), await search(embedded, q)];
    expect(onServer.mode).toBe(params.mode ?? 'hybrid');
    expect(onServer.degraded).toBe(false);
    expect(onServer.results.length).toBeGreaterThan(0);
    expect(onServer.results.some((r) => r.vector !== null)).toBe(true);
    if (params.q.includes('"')) expect(onServer.phrases).toEqual(['remote control']);
    expect(onServer).toEqual(onPglite);
  });
});
