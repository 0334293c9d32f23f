import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { cached } from '../../../src/cache/index.js';
import type { Services } from '../../../src/services.js';
import { searchMoments } from '../../search.js';
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
  },
});

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
    const { value, cached: hit } = await cached(s.cache, 'search', [params], s.cfg.CACHE_TTL_S, () => searchMoments(s, params));
    return c.json(
      {
        query: q.q,
        took_ms: Math.round((performance.now() - t0) * 100) / 100,
        mode: value.mode,
        degraded: value.degraded,
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
