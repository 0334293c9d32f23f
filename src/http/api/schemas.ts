import { z } from '@hono/zod-openapi';
import { datesInOrder, isoDate, languageTag, noNul, rangeEnd, rangeStart, RECORDING_ID } from '../../core/index.js';

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi('Error');

/** Form fields left empty mean "not given". */
export const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** A text field that may be left out or sent blank (unset either way), trimmed, at most `max` characters. */
export const optionalText = (max: number) => z.preprocess(blank, z.string().trim().max(max).refine(...noNul).optional());

/** How a date filter's bound reads, in the search's query string and the ask body alike. */
export const dateBoundDoc = (bound: 'from' | 'to', example: string) => ({
  type: 'string' as const,
  example,
  description: bound === 'from' ? 'Recorded on or after: a date, or a month or year (its first day)' : 'Recorded on or before: a date, or a month or year (its last day)',
});

/** Recording metadata sent as form fields beside an upload (transcript, media or manifest). */
export const RecordingMetaFields = z.object({
  id: z.preprocess(blank, z.string().trim().regex(RECORDING_ID, 'id must be 1-128 letters, digits, ".", "_" or "-"').optional()),
  title: optionalText(500),
  recorded_at: z.preprocess(blank, isoDate.optional()),
  collection: optionalText(200),
  language: z.preprocess(blank, languageTag.optional()),
});

/** The search's own parameters: what a result list is of, whichever page or export of it is asked for. */
const SearchTerms = z.object({
  q: z
    .string()
    .trim()
    .max(1000, 'q is longer than 1000 characters')
    .refine(...noNul)
    .default('')
    .openapi({
      example: 'remote control price',
      description: 'The question or words; words in quotes ("fair rent") must be said together, in that order, by every result. Empty (or left out) with a filter (collection, speaker, from, to or recording): browse, listing the recordings passing the filters, newest first. Empty without one: 400.',
    }),
  mode: z.enum(['hybrid', 'bm25', 'vector']).default('hybrid'),
  recording: optionalText(128),
  collection: optionalText(200),
  speaker: optionalText(200),
  from: z.preprocess((v) => (v === '' ? undefined : v), rangeStart.optional()).openapi(dateBoundDoc('from', '1980-01-01')),
  to: z.preprocess((v) => (v === '' ? undefined : v), rangeEnd.optional()).openapi(dateBoundDoc('to', '1989-12-31')),
  temporal: z.enum(['auto', 'off']).default('auto').openapi({ description: 'auto: read a date range from the question ("in the early seventies")' }),
  speakers: z.enum(['auto', 'off']).default('auto').openapi({ description: 'auto: apply a speaker filter when the question names a known speaker' }),
  lang: z
    .preprocess((v) => (v === '' || v === 'auto' ? undefined : v), z.enum(['en', 'es', 'de']).optional())
    .openapi({ type: 'string', enum: ['auto', 'en', 'es', 'de'], description: "The question's language (en, es or de); unset or auto: read from the question" }),
  kind: z
    .preprocess(blank, z.enum(['speech', 'screen']).optional())
    .openapi({ type: 'string', enum: ['speech', 'screen'], description: 'Only what was said (speech) or only text read off video keyframes (screen); unset: both' }),
});

export const SearchQuery = SearchTerms.extend({
  limit: z.coerce.number().int().min(1).max(100).default(10).openapi({ description: 'Passages on the page (1-100)' }),
  order: z
    .preprocess(blank, z.enum(['newest', 'oldest']).default('newest'))
    .openapi({ type: 'string', enum: ['newest', 'oldest'], description: 'Browsing (empty q): newest (default) or oldest recordings first; undated ones last either way' }),
  facets: z
    .preprocess((v) => (v === '' ? undefined : v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean().default(false))
    .openapi({
      type: 'boolean',
      description: 'true: add `facets`, counts by collection, year, decade and speaker over every match (not the page); off by default, as it reads every matching moment',
    }),
  cursor: z
    .preprocess(blank, z.string().max(200).optional())
    .openapi({
      type: 'string',
      description:
        'The next_cursor of the previous page, as it is: the next page of the same ranking. Paging reaches 1,000 passages. A cursor that is malformed, made for another q, mode or filters, or beyond 1,000 passages is a 400 bad_request.',
    }),
}).superRefine(datesInOrder);

export const ExportQuery = SearchTerms.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ description: 'The page size the rows follow (as paging through /v1/search with this limit gives them): the first page, then the pages after it' }),
  format: z.enum(['csv', 'json']).default('csv').openapi({ description: 'csv (RFC 4180, UTF-8, a header row) or json (an array of the same objects)' }),
}).superRefine(datesInOrder);

export const ExportRow = z
  .object({
    rank: z.number().int().openapi({ description: 'Place in the ranking, from 1 (the order paging through the search gives)' }),
    recording_id: z.string(),
    recording_title: z.string(),
    recorded_at: z.string().nullable(),
    collection: z.string().nullable(),
    speakers: z.array(z.string()).openapi({ description: 'Speakers of the passage, most talk first (joined with ";" in CSV)' }),
    start: z.number(),
    end: z.number(),
    at: z.number().openapi({ description: 'Where the deep link opens (seconds)' }),
    url: z.string().openapi({ description: 'The deep link as the search gives it: /r/<id>?t=<seconds>' }),
    link: z.string().nullable().openapi({ description: 'The deep link made absolute with the origin the request was sent to (null without a Host header)' }),
    text: z.string(),
    kind: z.enum(['speech', 'screen']).openapi({ description: 'speech, or screen (text read off a video keyframe)' }),
  })
  .openapi('ExportRow');

export const Routing = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    source: z.enum(['question', 'params']),
    matched: z.array(z.string()).optional(),
    fallback: z.boolean().optional().describe('the range found too little, so all dates were searched with the dates kept as words'),
  })
  .nullable()
  .openapi('Routing');

export const SearchResultSchema = z
  .object({
    recording_id: z.string(),
    recording_title: z.string(),
    recorded_at: z.string().nullable(),
    collection: z.string().nullable(),
    language: z.string().nullable().openapi({ description: "The recording's language as ingest was given it (null: the archive's default language)" }),
    start: z.number().openapi({ description: 'Start of the passage shown (seconds)' }),
    end: z.number().openapi({ description: 'End of the passage shown (seconds)' }),
    at: z.number().openapi({ description: 'Where the deep link opens (seconds): the start of the best-matching sentence of the best moment in the passage' }),
    speaker: z.string().nullable(),
    speakers: z.array(z.string()),
    text: z.string(),
    highlight: z.string().openapi({ description: 'HTML-escaped text with <mark> around matched terms' }),
    score: z.number(),
    scores: z.object({ bm25: z.number().nullable(), vector: z.number().nullable() }),
    url: z.string().openapi({ description: 'Deep link that opens the recording at the moment: /r/<id>?t=<at, to the millisecond>' }),
    moment_ids: z.array(z.string()),
    kind: z.enum(['speech', 'screen']).openapi({ description: "speech: what was said; screen: text read off a video keyframe, `at` the frame's time" }),
  })
  .openapi('SearchResult');

const FacetBucketSchema = z
  .object({
    value: z.string().openapi({ description: 'The collection, year (1987), decade (1980s) or speaker label' }),
    moments: z.number().int().openapi({ description: 'Matching moments with this value' }),
    recordings: z.number().int().openapi({ description: 'Distinct recordings those moments are in' }),
  })
  .openapi('FacetBucket');

export const FacetsSchema = z
  .object({
    moments: z.number().int().openapi({ description: 'Every matching moment (the lexical index, exact; the same set as total, uncapped)' }),
    recordings: z.number().int().openapi({ description: 'Distinct recordings holding them' }),
    collection: z.array(FacetBucketSchema).openapi({ description: 'By collection, most moments first, the 50 largest; moments of no collection are in no bucket' }),
    decade: z.array(FacetBucketSchema).openapi({ description: "By decade of the recording's date, oldest first; undated moments are in no bucket" }),
    year: z.array(FacetBucketSchema).openapi({ description: "By year of the recording's date, oldest first; undated moments are in no bucket" }),
    speaker: z.array(FacetBucketSchema).openapi({ description: 'By speaker, most moments first, the 50 largest; a moment of several speakers counts under each' }),
  })
  .openapi('Facets', {
    description:
      'Counts over every moment the search matches, not the page: with q, the moments the lexical leg matches (any of the words, after the dates and speaker read from the question and the filters, as total counts them); browsing (empty q), every moment under the filters. Each bucket gives matching moments and the distinct recordings they are in. With Elasticsearch, recording counts above 40,000 in a bucket are estimates.',
  });

export const BrowsedRecordingSchema = z
  .object({
    recording_id: z.string(),
    recording_title: z.string(),
    recorded_at: z.string().nullable(),
    collection: z.string().nullable(),
    language: z.string().nullable(),
    duration_s: z.number().nullable(),
    moments: z.number().int().openapi({ description: 'The moments of the recording' }),
    speakers: z.array(z.string()).openapi({ description: 'Its speakers, most talk first' }),
    url: z.string().openapi({ description: 'Where it opens: /r/<id>' }),
  })
  .openapi('BrowsedRecording');

/** How a question was read: its language, given as lang or read from its words (search and ask). */
export const QuestionLanguage = z
  .object({ code: z.enum(['en', 'es', 'de']), source: z.enum(['param', 'detected']) })
  .openapi({ description: "The language the question was read in: given as lang, or read from the question's words" });

export const SearchResponse = z
  .object({
    query: z.string(),
    took_ms: z.number(),
    mode: z.enum(['hybrid', 'bm25', 'vector']),
    degraded: z.boolean().openapi({ description: 'True when one retrieval leg failed and the results come from the other alone (never cached)' }),
    degraded_legs: z
      .array(z.enum(['bm25', 'vector']))
      .openapi({ description: 'The legs that failed: bm25 (the lexical engine, Postgres or Elasticsearch) or vector; empty unless degraded' }),
    warnings: z.array(z.string()),
    cached: z.boolean(),
    routing: Routing,
    speaker_filter: z.object({ label: z.string(), matched: z.string() }).nullable(),
    matched_text: z.string(),
    phrases: z.array(z.string()).openapi({ description: 'The phrases the question quotes ("fair rent", “…”, „…“, «…»), lower-cased: every result says each of them, its words in that order. Empty when it quotes none' }),
    language: QuestionLanguage,
    results: z.array(SearchResultSchema),
    total: z.number().int().nullable().openapi({
      description:
        'The number of moments (indexed windows of about 20 s) the lexical leg matches for the question as searched: every moment holding any of its words after the dates and speaker read from it are applied, under the filters (after a temporal fallback, across all dates). Counted by the lexical index, exact up to 10,000 (see total_relation). Results are passages (a recording\'s neighbouring hits merged), so a total is not a number of passages. null for mode=vector (every moment is some distance from any question: there is no match to count) and when the lexical index could not count. Browsing (empty q): the number of recordings passing the filters.',
    }),
    total_relation: z.enum(['eq', 'gte']).nullable().openapi({ description: "eq: total is exact; gte: at least total (counting stops at 10,000); null with total" }),
    total_passages: z.number().int().nullable().openapi({
      description: 'The number of passages one can page through (at most 1,000), when this page\'s ranking holds every candidate; null when deeper pages may hold more',
    }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as cursor for the next page; null on the last page (or at 1,000 passages)' }),
    facets: FacetsSchema.nullable().openapi({ description: 'With facets=true: the counts (see Facets); otherwise, for mode=vector (no match set) and when the lexical index could not count, null' }),
    recordings: z.array(BrowsedRecordingSchema).nullable().openapi({
      description: 'Browsing (empty q with a filter): the page of recordings passing the filters, newest first (undated last), and results is empty; total is then their number. null when q is given.',
    }),
    frames: z
      .array(
        z.object({
          recording_id: z.string(),
          recording_title: z.string(),
          recorded_at: z.string().nullable(),
          n: z.number().int().openapi({ description: 'The keyframe, as in /v1/recordings/{id}/frames' }),
          at: z.number().openapi({ description: "The frame's time (seconds)" }),
          score: z.number().openapi({ description: "Cosine similarity of the frame's image to the question's words" }),
          text: z.string().openapi({ description: "The text read off the frame ('' when none)" }),
          url: z.string().openapi({ description: 'Deep link that opens the player at the frame' }),
          thumbnail_url: z.string(),
        }),
      )
      .optional()
      .openapi({
        description:
          'Keyframes whose picture matches the question (a visual embedder, VISUAL_EMBEDDINGS, compares images with words), best first, at least VISUAL_MIN_SIMILARITY; on the first page of a search that is not bm25-only or kind=speech; absent when no visual embedder is configured',
      }),
  })
  .openapi('SearchResponse');

export const RecordingSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    recordedAt: z.string().nullable(),
    collection: z.string().nullable(),
    language: z.string().nullable(),
    source: z.string().nullable(),
    durationS: z.number().nullable(),
    checksum: z.string().nullable(),
    status: z.string(),
    error: z.string().nullable().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    momentCount: z.number().optional(),
    speakers: z.array(z.string()).optional(),
    media_url: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'Where to play the audio or video (GET, HTTP Range; on S3 a redirect to a presigned URL); null when the recording has no media' }),
    media_type: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "The media's content type (audio/… or video/…, from its stored extension); null when the recording has no media", example: 'video/mp4' }),
  })
  .openapi('Recording');

export const RecordingId = z.object({
  id: z.string().regex(RECORDING_ID, 'not a recording id').openapi({ param: { name: 'id', in: 'path' }, example: 'Bdb001' }),
});

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    recordingId: z.string().nullable(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    stage: z.string().nullable(),
    progress: z.number(),
    attempts: z.number(),
    error: z.string().nullable(),
    result: z.unknown(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** Media ingest jobs: each stage of the job graph (asr summed over its chunks). */
    stages: z
      .array(
        z.object({
          stage: z.string(),
          status: z.enum(['pending', 'running', 'done', 'failed', 'partial']),
          parts: z.number(),
          done: z.number(),
          failed: z.number(),
          progress: z.number(),
          attempts: z.number(),
          seconds: z.number(),
          error: z.string().nullable(),
        }),
      )
      .optional(),
    /** Media ingest jobs: seconds per stage, wall-clock seconds and the real-time factor so far. */
    timings: z
      .object({ secondsPerStage: z.record(z.string(), z.number()), wallSeconds: z.number(), rtf: z.number().nullable() })
      .optional(),
  })
  .openapi('Job');
