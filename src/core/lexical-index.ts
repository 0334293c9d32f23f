import type { MomentKind, SearchFilters } from './domain.js';
import type { Analysis } from './language/index.js';

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
   * languages). An empty or stop-word-only query returns [].
   */
  search(query: string, filters: SearchFilters, limit: number): Promise<LexicalHit[]>;
  /** Number of indexed documents (for health and stats). */
  count(): Promise<number>;
  /**
   * Number of moments `search` can return for the query under the filters (every moment holding any of its
   * terms), exact up to COUNT_EXACT_UP_TO. An empty or stop-word-only query matches 0. An engine for which an
   * exact count would cost more than the search itself may give a lower bound ('gte'), or null (not counted).
   */
  count(query: string, filters: SearchFilters): Promise<MatchCount | null>;
  close(): Promise<void>;
}
