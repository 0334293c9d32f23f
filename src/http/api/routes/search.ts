import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { Services } from '../../../archive/index.js';
import { AppError } from '../../../core/index.js';
import { browseQuestionDates, browseRecordings, canBrowse, PAGING_CAP, searchFrames, searchMoments, type SearchParams, type SearchResult } from '../../../retrieval/index.js';
import { ErrorBody, ExportQuery, ExportRow, SearchQuery, SearchResponse } from '../schemas.js';
import type { AppEnv } from '../app.js';
import { exportCost, searchCost } from '../limits.js';
import { decodeCursor, encodeCursor, searchHash, type Cursor } from '../cursor.js';
import { csvRecord } from '../csv.js';

const route = createRoute({
  method: 'get',
  path: '/v1/search',
  summary: 'Find moments: hybrid BM25 + vector retrieval, fused (FUSION: score, or reciprocal rank)',
  description:
    `Passages, best first, a page at a time: \`limit\` (1-100) per page, \`cursor\` (the previous page's next_cursor) for the next page, up to ${PAGING_CAP} passages; the pages after the first continue it from deeper rankings (100 passages deep, then 1,000) without showing a moment twice. ` +
    '`total` is the number of moments the lexical leg matches (exact up to 10,000, see total_relation; null for mode=vector). ' +
    '`facets=true` adds `facets`: matching moments and the distinct recordings holding them, in all and by collection, year, decade and speaker, counted over every match and not the page. ' +
    'An empty `q` with a filter (collection, speaker, from, to or recording) browses: `recordings` lists the recordings passing the filters, newest first (`order=oldest`: oldest first; undated last), a page at a time with the same cursor, `total` is their number and `results` is empty; the facets then count every moment under the filters. A `q` that names nothing but dates ("1987", "what happened in the eighties?") browses the recordings of that time the same way (`routing.source` "question"), unless none is of it.',
  request: { query: SearchQuery },
  responses: {
    200: { content: { 'application/json': { schema: SearchResponse } }, description: 'Moments, best first, with deep links' },
    400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Bad parameters, or a cursor that is malformed, made for another search or beyond the paging cap' },
    503: {
      content: { 'application/json': { schema: ErrorBody } },
      description: 'engine_unavailable: no index can answer (the one leg of mode=bm25 or mode=vector, or both legs of hybrid, or the database is down)',
    },
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/search/export',
  summary: "Export a search's passages as CSV or JSON",
  description:
    `The passages of the search (the same parameters, no cursor; limit is the first page's size), in order, up to ${PAGING_CAP}: the rows paging through /v1/search with that limit gives. ` +
    'CSV: RFC 4180, UTF-8, a header row, speakers joined with ";", text starting like a formula (=, +, -, @) prefixed with an apostrophe. JSON: an array of the same objects. Sent as an attachment (search-<words of q>.csv|json), streamed. ' +
    'Costs as ten uncached searches against the rate limit.',
  request: { query: ExportQuery },
  responses: {
    200: {
      content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: ExportRow.array() } },
      description: 'The passages, one row or object each',
    },
    400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Bad parameters (a format other than csv or json, or a cursor)' },
    503: { content: { 'application/json': { schema: ErrorBody } }, description: 'engine_unavailable: no index can answer' },
  },
});

type SearchBody = z.infer<typeof SearchResponse>;
type Row = z.infer<typeof ExportRow>;
type Terms = Omit<z.infer<typeof ExportQuery>, 'format' | 'limit'>;

const searchParams = (q: Terms, page: { limit: number; offset: number; first?: number; fallback?: boolean; facets?: boolean }): SearchParams => ({
  q: q.q,
  limit: page.limit,
  offset: page.offset,
  first: page.first,
  fallback: page.fallback,
  total: true,
  ...(page.facets ? { facets: true } : {}),
  mode: q.mode,
  filters: { recordingId: q.recording, collection: q.collection, speaker: q.speaker, from: q.from, to: q.to, kind: q.kind },
  temporal: q.temporal,
  speakers: q.speakers,
  language: q.lang,
});

/** Matching keyframes shown beside a search's first page. */
const FRAMES_SHOWN = 8;

export function registerSearch(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(route, async (c) => {
    const t0 = performance.now();
    const q = c.req.valid('query');
    const hash = searchHash(q);
    const at: Cursor = q.cursor === undefined ? { offset: 0 } : decodeCursor(q.cursor, hash);
    const params = searchParams(q, { limit: q.limit, ...at, facets: q.facets });
    const browsing = q.q === '';
    if (browsing && !canBrowse(params.filters)) {
      throw new AppError('bad_request', 'q (the query) is required, unless a filter (collection, speaker, from, to or recording) is given to browse by');
    }
    // The answer is cached as its UTF-8 JSON and sent as it is, behind the per-request fields: a hit parses,
    // re-serialises and re-encodes nothing. As a string it was copied three times per hit (~55 KB each for a
    // typical page), which set the pace of young-generation GC pauses, the cached p95 (BENCHMARKS.md).
    // (The key holds the page: its offset and the first page's fallback decision are in params; `order` is read
    // when the request browses, which a question of dates alone does too.)
    const key = JSON.stringify([params, q.order]);
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
    // Read with the lookup, before computing: an ingest that bumps the generation meanwhile makes the store a no-op.
    const generation = s.cache.seenGeneration();
    // A question of nothing but dates browses their recordings; with none, its words are searched as any others.
    const page = { limit: q.limit, offset: at.offset, facets: q.facets, order: q.order };
    const b = browsing ? { ...(await browseRecordings(s, { filters: params.filters, ...page })), routing: null } : await browseQuestionDates(s, params, page);
    if (b) {
      const body = Buffer.from(
        JSON.stringify({
          mode: q.mode,
          degraded: false,
          degraded_legs: [],
          warnings: b.warnings,
          routing: b.routing ?? (q.from || q.to ? { from: q.from ?? null, to: q.to ?? null, source: 'params' } : null),
          speaker_filter: null,
          language: { code: q.lang ?? s.cfg.DEFAULT_LANGUAGE, source: q.lang ? 'param' : 'detected' },
          matched_text: '',
          phrases: [],
          results: [],
          total: b.total,
          total_relation: 'eq',
          total_passages: null,
          next_cursor: b.more ? encodeCursor(hash, { offset: at.offset + b.recordings.length, first: at.first ?? q.limit }) : null,
          facets: b.facets,
          recordings: b.recordings,
        } satisfies Omit<SearchBody, 'query' | 'took_ms' | 'cached'>),
      );
      if (b.warnings.length === 0) await s.cache.setBytes('search', key, body, s.cfg.CACHE_TTL_S, { ifGeneration: generation });
      return respond(body, false);
    }
    const value = await searchMoments(s, params);
    // What the frames show is matched on the first page only, within the dates the question was routed to.
    const frames =
      s.visual && at.offset === 0 && q.mode !== 'bm25' && q.kind !== 'speech'
        ? await searchFrames(s, q.q, { ...params.filters, from: value.routing?.from ?? params.filters.from, to: value.routing?.to ?? params.filters.to }, FRAMES_SHOWN)
        : null;
    const next = value.more
      ? encodeCursor(hash, { offset: at.offset + value.results.length, first: at.first ?? q.limit, fallback: fallbackOf(value) })
      : null;
    const body = Buffer.from(
      JSON.stringify({
        mode: value.mode,
        degraded: value.degraded,
        degraded_legs: value.degraded_legs,
        warnings: value.warnings,
        routing: value.routing,
        speaker_filter: value.speaker_filter,
        language: value.language,
        matched_text: value.matched_text,
        phrases: value.phrases,
        results: value.results,
        total: value.total?.value ?? null,
        total_relation: value.total?.relation ?? null,
        total_passages: value.passages,
        next_cursor: next,
        facets: value.facets,
        recordings: null,
        ...(frames ? { frames } : {}),
      } satisfies Omit<SearchBody, 'query' | 'took_ms' | 'cached'>),
    );
    // Degraded results (a leg down) are not cached: they would outlive the outage by CACHE_TTL_S.
    if (!value.degraded) await s.cache.setBytes('search', key, body, s.cfg.CACHE_TTL_S, { ifGeneration: generation });
    return respond(body, false);
  });

  app.openapi(exportRoute, async (c) => {
    const { format, ...q } = c.req.valid('query');
    // A cursor is not one of the export's parameters, but left to be ignored it would look honoured: the file
    // would hold the passages from the first, not from where the cursor points.
    if (c.req.query('cursor')?.trim()) {
      throw new AppError('bad_request', `cursor: an export is not paged: it sends every passage of the search from the first, up to ${PAGING_CAP}; leave cursor out`);
    }
    if (!q.q) throw new AppError('bad_request', 'q (the query) is required: an export is of a search');
    c.set('cost', exportCost(s.cfg, q.q));
    // Searched before the response starts, so a failure is still a JSON error with its status.
    // The rows paging gives: the first page at `limit`, then the rest of the rankings the pages after it share.
    const { limit, ...terms } = q;
    const value = await searchMoments(s, searchParams(terms, { limit, offset: 0 }));
    if (value.more) {
      const n = value.results.length;
      const rest = await searchMoments(s, searchParams(terms, { limit: PAGING_CAP - n, offset: n, first: limit, fallback: fallbackOf(value) }));
      value.results.push(...rest.results);
      value.degraded ||= rest.degraded;
      value.degraded_legs = [...new Set([...value.degraded_legs, ...rest.degraded_legs])];
    }
    const origin = c.req.header('host') ? new URL(c.req.url).origin : null;
    const rows = value.results.map((r, i) => exportRow(r, i + 1, origin));
    c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="search-${slug(q.q)}.${format}"`);
    c.header('X-Total-Passages', String(rows.length));
    if (value.degraded) c.header('X-Search-Degraded', value.degraded_legs.join(','));
    return stream(c, async (out) => {
      if (format === 'csv') {
        await out.write(csvRecord(COLUMNS));
        for (const r of rows) await out.write(csvRecord(COLUMNS.map((k) => (k === 'speakers' ? r.speakers.join(';') : r[k]))));
      } else {
        await out.write('[');
        for (let i = 0; i < rows.length; i++) await out.write(`${i ? ',' : ''}\n${JSON.stringify(rows[i])}`);
        await out.write('\n]\n');
      }
    }) as never;
  });
}

/**
 * The first page's temporal fallback decision, which the pages after it keep whatever they hold themselves:
 * undefined when the question was not routed by its dates.
 */
function fallbackOf(first: { routing: { source: string; fallback?: boolean } | null }): boolean | undefined {
  return first.routing?.source === 'question' ? first.routing.fallback === true : undefined;
}

const COLUMNS = ['rank', 'recording_id', 'recording_title', 'recorded_at', 'collection', 'speakers', 'start', 'end', 'at', 'url', 'link', 'text', 'kind'] as const satisfies readonly (keyof Row)[];

function exportRow(r: SearchResult, rank: number, origin: string | null): Row {
  return {
    rank,
    recording_id: r.recording_id,
    recording_title: r.recording_title,
    recorded_at: r.recorded_at,
    collection: r.collection,
    speakers: r.speakers,
    start: r.start,
    end: r.end,
    at: r.at,
    url: r.url,
    link: origin === null ? null : origin + r.url,
    text: r.text,
    kind: r.kind,
  };
}

/** The file name's part from the query: its words, lowercased ASCII letters and digits joined by "-". */
export function slug(q: string): string {
  const words = q
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words.slice(0, 60).replace(/-+$/, '') || 'results';
}
