import type { MomentKind, SearchFilters } from './domain.js';
import type { Analysis, Language } from './language/index.js';

/** What the lexical index keeps of a moment: its text plus the fields filters need. */
export interface LexicalDoc {
  momentId: string;
  recordingId: string;
  recordedAt: string | null;
  collection: string | null;
  speakers: string[];
  start: number;
  end: number;
  text: string;
  /**
   * How the text is analysed (src/core/language): each language's stemming and stop words, in a term space of
   * its own, so that a query matches a moment by the moment's own language; 'en' when not given.
   */
  analysis?: Analysis;
  /** Absent: 'speech'. */
  kind?: MomentKind;
}

export interface LexicalHit {
  momentId: string;
  score: number;
}

/**
 * How many moments a query matches: exact ('eq') up to COUNT_EXACT_UP_TO, beyond which counting stops and the
 * value is that bound ('gte'), so that a common word does not cost a count of the whole archive.
 */
export interface MatchCount {
  value: number;
  relation: 'eq' | 'gte';
}

export const COUNT_EXACT_UP_TO = 10_000;

/** Postings the Postgres BM25 scores in full per search by default (BM25_POSTINGS_BUDGET; src/indexes/lexical/postgres.ts). */
export const DEFAULT_POSTINGS_BUDGET = 40_000;

/** One value of a facet: how many matching moments carry it, and in how many distinct recordings. */
export interface FacetBucket {
  value: string;
  moments: number;
  recordings: number;
}

/**
 * Counts over every moment a query matches under the filters (not a page of it): all of them, and by
 * collection, year and decade of the recording's date, and speaker. Moments without a collection, a date or a
 * speaker are in the totals and in no bucket of that facet. A moment with several speakers counts once under
 * each. Years and decades oldest first; collections and speakers most moments first, the FACET_SIZE largest.
 */
export interface Facets {
  moments: number;
  recordings: number;
  collection: FacetBucket[];
  decade: FacetBucket[];
  year: FacetBucket[];
  speaker: FacetBucket[];
}

/** Collections and speakers a facet lists at most (years and decades: all). */
export const FACET_SIZE = 50;

/**
 * Decades from years: a recording has one date, so its moments and itself fall in one year and one decade, and
 * a decade's counts are its years' sums. Both adapters count years only and fold them here.
 */
export function decadeBuckets(years: FacetBucket[]): FacetBucket[] {
  const by = new Map<string, FacetBucket>();
  for (const y of years) {
    const value = `${Math.floor(Number(y.value) / 10) * 10}s`;
    const b = by.get(value) ?? { value, moments: 0, recordings: 0 };
    b.moments += y.moments;
    b.recordings += y.recordings;
    by.set(value, b);
  }
  return [...by.values()].sort((a, b) => a.value.localeCompare(b.value));
}

/** Collections and speakers: most moments first, then by name; the FACET_SIZE first. */
export function topBuckets(buckets: FacetBucket[]): FacetBucket[] {
  return [...buckets].sort((a, b) => b.moments - a.moments || a.value.localeCompare(b.value)).slice(0, FACET_SIZE);
}

/** A BM25 index over moments. Adapters: `src/indexes/lexical/postgres.ts` (embedded, SQL) and `elasticsearch.ts`. */
export interface LexicalIndex {
  readonly engine: 'postgres' | 'elasticsearch';
  init(): Promise<void>;
  /** Replaces every document of the recording with `docs` (an empty list removes it). */
  replaceRecording(recordingId: string, docs: LexicalDoc[]): Promise<void>;
  deleteRecording(recordingId: string): Promise<void>;
  /**
   * Best `limit` moments for the query, best first. The query is analysed in each language as the moments of
   * that language were, so it matches every moment by its own language's stems (and names and numbers across
   * languages). Given the query's `language`, the other languages read it without that language's stop words:
   * a German question's "die" is an article, not the English verb. An empty or stop-word-only query returns [].
   */
  search(query: string, filters: SearchFilters, limit: number, language?: Language): Promise<LexicalHit[]>;
  /** Number of indexed documents (for health and stats). */
  count(): Promise<number>;
  /**
   * Number of moments `search` can return for the query under the filters (every moment holding any of its
   * terms), exact up to COUNT_EXACT_UP_TO. An empty or stop-word-only query matches 0. An engine for which an
   * exact count would cost more than the search itself may give a lower bound ('gte'), or null (not counted).
   */
  count(query: string, filters: SearchFilters, language?: Language): Promise<MatchCount | null>;
  /**
   * Facets of the moments `search` can return for the query under the filters (every moment holding any of its
   * terms; an empty or stop-word-only query matches none), or, with a null query, of every moment passing the
   * filters (browsing by filters alone).
   */
  facets(query: string | null, filters: SearchFilters, language?: Language): Promise<Facets>;
  /**
   * BM25 of the query over whole recordings, each recording's talk one document (screen text left out), for the
   * recordings of `recordingIds` that hold any of its terms (the others are absent). The query is analysed in
   * `analysis` only (the question's language, default 'en'): across a whole recording, another language's
   * function words ("in", "die") would outweigh the subject.
   */
  recordingScores(query: string, recordingIds: string[], analysis?: Analysis): Promise<Map<string, number>>;
  /**
   * Rewrites the index's storage compactly: a bulk ingest or many replacements leave its keys (Postgres) or
   * segments (Elasticsearch) larger than a fresh build, and searches read more pages for it. Searches return the
   * same results after it. Bytes are the engine's own measure of the index's size, before and after.
   */
  compact(): Promise<CompactReport>;
  close(): Promise<void>;
}

/** What LexicalIndex.compact() did: the index's size in bytes before and after, and what it rewrote. */
export interface CompactReport {
  bytesBefore: number;
  bytesAfter: number;
  /** Tables (Postgres) or indices (Elasticsearch) rewritten. */
  rewritten: string[];
}
