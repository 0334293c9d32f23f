import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { cached } from '../../../src/cache/index.js';
import type { Services } from '../../../src/services.js';
import { searchMoments, type SearchOutcome } from '../../search.js';
import { ErrorBody, SearchQuery, SearchResponse } from '../schemas.js';
import type { AppEnv } from '../app.js';

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

/** Carries a degraded outcome out of cached() without storing it. */
class Uncacheable extends Error {
  constructor(readonly outcome: SearchOutcome) {
    super('uncacheable search');
  }
}

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
    // Degraded results (a leg down) are not cached: they would outlive the outage by CACHE_TTL_S.
    let value: SearchOutcome;
    let hit = false;
    try {
      ({ value, cached: hit } = await cached(s.cache, 'search', [params], s.cfg.CACHE_TTL_S, async () => {
        const out = await searchMoments(s, params);
        if (out.degraded) throw new Uncacheable(out);
        return out;
      }));
    } catch (err) {
      if (!(err instanceof Uncacheable)) throw err;
      value = err.outcome;
    }
    return c.json(
      {
        query: q.q,
        took_ms: Math.round((performance.now() - t0) * 100) / 100,
        mode: value.mode,
        degraded: value.degraded,
        degraded_legs: value.degraded_legs,
        warnings: value.warnings,
        cached: hit,
        routing: value.routing,
        speaker_filter: value.speaker_filter,
        matched_text: value.matched_text,
        results: value.results,
      },
      200,
    );
  });
}
