import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Services } from '../../../archive/index.js';
import { searchMoments } from '../../../retrieval/index.js';
import { ErrorBody, SearchQuery, SearchResponse } from '../schemas.js';
import type { AppEnv } from '../app.js';
import { searchCost } from '../limits.js';

const route = createRoute({
  method: 'get',
  path: '/v1/search',
  summary: 'Find moments: hybrid BM25 + vector retrieval fused by reciprocal rank',
  request: { query: SearchQuery },
  responses: {
    200: { content: { 'application/json': { schema: SearchResponse } }, description: 'Moments, best first, with deep links' },
    400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Bad parameters' },
    503: {
      content: { 'application/json': { schema: ErrorBody } },
      description: 'engine_unavailable: no index can answer (the one leg of mode=bm25 or mode=vector, or both legs of hybrid, or the database is down)',
    },
  },
});

type SearchBody = z.infer<typeof SearchResponse>;

export function registerSearch(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(route, async (c) => {
    const t0 = performance.now();
    const q = c.req.valid('query');
    const params = {
      q: q.q,
      limit: q.limit,
      mode: q.mode,
      filters: { recordingId: q.recording, collection: q.collection, speaker: q.speaker, from: q.from, to: q.to },
      temporal: q.temporal,
      speakers: q.speakers,
    };
    // The answer is cached as its UTF-8 JSON and sent as it is, behind the per-request fields: a hit parses,
    // re-serialises and re-encodes nothing. As a string it was copied three times per hit (~55 KB each for a
    // typical page), which set the pace of young-generation GC pauses, the cached p95 (BENCHMARKS.md).
    const key = JSON.stringify([params]);
    const respond = (body: Uint8Array, hit: boolean) => {
      const head = Buffer.from(`{"query":${JSON.stringify(q.q)},"took_ms":${Math.round((performance.now() - t0) * 100) / 100},"cached":${hit},`);
      // body is a JSON object: its "{" is replaced by the head, which ends in a comma.
      return c.body(Buffer.concat([head, body.subarray(1)]), 200, { 'content-type': 'application/json' }) as unknown as ReturnType<
        typeof c.json<SearchBody, 200>
      >;
    };
    const stored = await s.cache.getBytes('search', key);
    c.set('cost', searchCost(s.cfg, q.q, !!stored));
    if (stored) return respond(stored, true);
    // Read before computing: an ingest that bumps the generation meanwhile makes the store a no-op.
    const generation = await s.cache.generation();
    const value = await searchMoments(s, params);
    const body = Buffer.from(
      JSON.stringify({
        mode: value.mode,
        degraded: value.degraded,
        degraded_legs: value.degraded_legs,
        warnings: value.warnings,
        routing: value.routing,
        speaker_filter: value.speaker_filter,
        matched_text: value.matched_text,
        results: value.results,
      } satisfies Omit<SearchBody, 'query' | 'took_ms' | 'cached'>),
    );
    // Degraded results (a leg down) are not cached: they would outlive the outage by CACHE_TTL_S.
    if (!value.degraded) await s.cache.setBytes('search', key, body, s.cfg.CACHE_TTL_S, { ifGeneration: generation });
    return respond(body, false);
  });
}
