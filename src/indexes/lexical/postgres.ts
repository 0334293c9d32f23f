import { AppError, type Analysis, type CompactReport, type Facets, type FacetBucket, type Language, type SearchFilters, COUNT_EXACT_UP_TO, decadeBuckets, DEFAULT_POSTINGS_BUDGET, saysPhrase, TEXT_SEARCH_CONFIGS, topBuckets, type LexicalDoc, type LexicalHit, type LexicalIndex, type MatchCount } from '../../core/index.js';
import { queryByIndex, type Db, type Queryable } from '../../platform/index.js';

/**
 * Okapi BM25 computed in SQL over Postgres' Snowball analysers, each moment by its language's (PREFIXES):
 *   score(d, q) = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl)),  idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))
 * (Lucene's variant, so scores are comparable with the Elasticsearch adapter). N, Σ|d| and df are kept
 * incrementally in the same transaction as the postings, so a query touches only its own terms' postings.
 */

/** Postings a match count reads at most (see count()): a few milliseconds on the embedded database. */
const COUNT_SCAN_POSTINGS = 20_000;
/** The text of each of these moments that exists. */
export type MomentTexts = (ids: string[]) => Promise<{ id: string; text: string }[]>;
/** How long the moments that say a search's quoted phrases are kept (see saying()). */
const PHRASES_KEPT_MS = 5_000;
/** The moments holding a quoted phrase's words whose text is read at most (see phraseCandidates()). */
const PHRASE_CANDIDATES_MAX = 20_000;
export class PostgresLexicalIndex implements LexicalIndex {
  readonly engine = 'postgres' as const;

  constructor(
    private readonly db: Db,
    /**
     * exhaustive: score every posting of every term (no common-term pruning; tests compare against it).
     * postingsBudget: see bm25Sql (default DEFAULT_POSTINGS_BUDGET).
     * phraseCandidates: see phraseCandidates() (default PHRASE_CANDIDATES_MAX).
     */
    private readonly params: { k1: number; b: number; exhaustive?: boolean; postingsBudget?: number; phraseCandidates?: number } = { k1: 1.2, b: 0.75 },
    /**
     * The text of moments, by id, for quoted phrases (saying()): the index keeps terms, not the words in order.
     * By default the archive's `moments` table, which shares the database with this index.
     */
    private readonly texts: MomentTexts = (ids) =>
      queryByIndex<{ id: string; text: string }>(db, 'SELECT id, text FROM moments WHERE id = ANY($1::text[])', [ids]),
  ) {}

  async init(): Promise<void> {
    // Tables come from migrations; an archive written before postings were read from their key alone
    // (migrations/016) has its pages marked all-visible once, here.
    await this.vacuum();
  }

  /**
   * Marks the pages written since the last call all-visible, so that searches read postings from the key alone
   * (migrations/016); a page not yet marked is read from the table, as before. The embedded database has no
   * autovacuum to do it; a Postgres server's does. Only new and changed pages are visited: a few milliseconds
   * after a recording, at any archive size (BENCHMARKS.md "Scale").
   */
  private async vacuum(): Promise<void> {
    if (this.db.kind === 'pglite') await this.db.exec('VACUUM lex_postings, lex_rec_postings');
  }

  async replaceRecording(recordingId: string, docs: LexicalDoc[]): Promise<void> {
    this.phraseMatches.clear();
    await this.db.transaction(async (tx) => {
      await removeRecording(tx, recordingId);
      if (docs.length === 0) return;
      const payload = JSON.stringify(
        docs.map((d) => ({
          moment_id: d.momentId,
          recording_id: d.recordingId,
          recorded_at: d.recordedAt,
          collection: d.collection,
          speakers: d.speakers,
          text: d.text,
          cfg: TEXT_SEARCH_CONFIGS[d.analysis ?? 'en'],
          prefix: PREFIXES[d.analysis ?? 'en'],
          kind: d.kind ?? 'speech',
        })),
      );
      // One statement, everything computed from the new moments' own terms: reading document frequencies and
      // lengths back from lex_postings by moment id is, without statistics, planned as a scan of a fifth of the
      // table, the whole of it in a large archive. Data-modifying CTEs run once each whether or not anything
      // reads them.
      await tx.query(
        `WITH x AS MATERIALIZED (
           SELECT * FROM jsonb_to_recordset($1::jsonb)
             AS x(moment_id text, recording_id text, recorded_at date, collection text, speakers text[], text text, cfg text, prefix text, kind text)),
         terms AS MATERIALIZED (
           SELECT x.prefix || t.lexeme AS term, x.moment_id, coalesce(array_length(t.positions, 1), 1) AS tf, x.recorded_at, true AS main
           FROM x, unnest(to_tsvector(x.cfg::regconfig, x.text)) AS t
           UNION ALL
           SELECT '*|' || t.lexeme, x.moment_id, coalesce(array_length(t.positions, 1), 1), x.recorded_at, false
           FROM x, unnest(to_tsvector('simple', x.text)) AS t WHERE x.prefix IN ('es|', 'de|')),
         lens AS MATERIALIZED (SELECT moment_id, sum(tf) FILTER (WHERE main)::int AS len FROM terms GROUP BY moment_id),
         -- The recording as one document (recordingScores): its talk's terms, their document frequencies over
         -- recordings, its length.
         rec_terms AS MATERIALIZED (
           SELECT t.term, x.recording_id, sum(t.tf)::int AS tf FROM terms t JOIN x USING (moment_id)
           WHERE x.kind <> 'screen' GROUP BY t.term, x.recording_id),
         rec_postings AS (
           INSERT INTO lex_rec_postings (term, recording_id, tf) SELECT term, recording_id, tf FROM rec_terms ORDER BY term),
         rec_df AS (
           INSERT INTO lex_rec_terms (term, df)
           SELECT term, count(*) FROM rec_terms GROUP BY term ORDER BY term
           ON CONFLICT (term) DO UPDATE SET df = lex_rec_terms.df + excluded.df),
         rec_docs AS MATERIALIZED (
           INSERT INTO lex_rec_docs (recording_id, len)
           SELECT x.recording_id, sum(coalesce(l.len, 0))::int FROM x LEFT JOIN lens l USING (moment_id)
           WHERE x.kind <> 'screen' GROUP BY x.recording_id
           RETURNING len),
         postings AS (
           INSERT INTO lex_postings (term, moment_id, tf, len, recorded_at)
           SELECT t.term, t.moment_id, t.tf, l.len, t.recorded_at FROM terms t JOIN lens l USING (moment_id) ORDER BY t.term),
         docs AS (
           INSERT INTO lex_docs (moment_id, recording_id, recorded_at, collection, speakers, len, kind)
           SELECT x.moment_id, x.recording_id, x.recorded_at, x.collection, coalesce(x.speakers, '{}'), coalesce(l.len, 0), x.kind
           FROM x LEFT JOIN lens l USING (moment_id)),
         -- Sorted upserts keep concurrent writers on a server from deadlocking on lex_terms rows.
         df AS (
           INSERT INTO lex_terms (term, df)
           SELECT term, count(*) FROM terms GROUP BY term ORDER BY term
           ON CONFLICT (term) DO UPDATE SET df = lex_terms.df + excluded.df)
         UPDATE lex_stats SET n = n + (SELECT count(*) FROM x), total_len = total_len + (SELECT coalesce(sum(len), 0) FROM lens),
                              rec_n = rec_n + (SELECT count(*) FROM rec_docs), rec_total_len = rec_total_len + (SELECT coalesce(sum(len), 0) FROM rec_docs)
         WHERE id = 1`,
        [payload],
      );
    });
    await this.vacuum();
  }

  async deleteRecording(recordingId: string): Promise<void> {
    this.phraseMatches.clear();
    await this.db.transaction((tx) => removeRecording(tx, recordingId));
    await this.vacuum();
  }

  async search(query: string, filters: SearchFilters, limit: number, language?: Language): Promise<LexicalHit[]> {
    if (!query.trim()) return [];
    const saying = await this.saying(filters, language);
    if (saying?.length === 0) return [];
    // Postings are always read by term. Without statistics the planner cannot tell a term's postings from a
    // fraction of the table, and for some questions chose to scan and hash all of it (39M postings, 7-21 s at
    // 500K moments) instead.
    const scored = (pruned: boolean) => {
      const { sql, params } = bm25Statement(query, filters, limit, this.params, pruned, language, saying);
      return queryByIndex<{ moment_id: string; score: number; pruned?: boolean }>(this.db, sql, params);
    };
    let rows = await scored(!this.params.exhaustive);
    // Fewer candidates than asked for: moments holding only common terms may belong in the list after all
    // (when no term was common, the pruned query already was the exhaustive one).
    if (rows.length < limit && !this.params.exhaustive && rows[0]?.pruned !== false) rows = await scored(false);
    return rows.map((r) => ({ momentId: r.moment_id, score: Number(r.score) }));
  }

  async count(): Promise<number>;
  async count(query: string, filters: SearchFilters, language?: Language): Promise<MatchCount | null>;
  async count(query?: string, filters?: SearchFilters, language?: Language): Promise<number | MatchCount | null> {
    if (query === undefined) {
      const [row] = await this.db.query<{ n: number }>('SELECT n FROM lex_stats WHERE id = 1');
      return Number(row?.n ?? 0);
    }
    if (!query.trim()) return { value: 0, relation: 'eq' };
    const saying = await this.saying(filters ?? {}, language);
    if (saying?.length === 0) return { value: 0, relation: 'eq' };
    // Counting reads every posting of the query's terms, which search does not (it prunes common terms): for a
    // question with a common word that is a scan of a good share of the archive on every search. Past
    // COUNT_SCAN_POSTINGS postings the count is the largest term's document frequency instead, a lower bound
    // ('gte'); under a filter that bound does not hold, and the count is skipped (the caller shows none).
    const [stats] = await this.db.query<{ terms: string[] | null; postings: number | null; most: number | null }>(
      `SELECT array_agg(term) AS terms, sum(df)::int AS postings, max(df)::int AS most
       FROM lex_terms WHERE ${MATCHING_TERMS}`,
      [query, language ?? null],
    );
    const postings = Number(stats?.postings ?? 0);
    if (postings === 0) return { value: 0, relation: 'eq' };
    const params: unknown[] = [stats?.terms ?? []];
    const conditions = filterConditions(filters ?? {}, params, saying);
    if (postings > COUNT_SCAN_POSTINGS && !saying) {
      return conditions.length > 0 ? null : { value: Math.min(Number(stats?.most ?? 0), COUNT_EXACT_UP_TO), relation: 'gte' };
    }
    // The moments holding any of the query's terms, as search scores them (a Spanish or German question's
    // function words apart: they weigh in a score, but holding only them is no match; migrations/019).
    // Grouped, not count(DISTINCT): that sorts the postings' moment ids, where grouping hashes them.
    const [row] = await queryByIndex<{ n: number }>(
      this.db,
      `SELECT count(*)::int AS n FROM (SELECT p.moment_id FROM lex_postings p
       WHERE p.term = ANY($1::text[]) ${conditions.map((c) => `AND ${c}`).join(' ')} GROUP BY p.moment_id) m`,
      params,
    );
    const n = Number(row?.n ?? 0);
    return n > COUNT_EXACT_UP_TO ? { value: COUNT_EXACT_UP_TO, relation: 'gte' } : { value: n, relation: 'eq' };
  }

  async facets(query: string | null, filters: SearchFilters, language?: Language): Promise<Facets> {
    let rows: FacetRow[];
    if (query === null) {
      // Browsing: every document passing the filters, read from lex_docs by its filter indexes (migrations/008).
      const params: unknown[] = [];
      const where = docConditions(filters, params);
      const docs = `SELECT d.recording_id, d.collection, d.recorded_at, d.speakers FROM lex_docs d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
      rows = await this.db.query<FacetRow>(facetsSql(docs), params);
    } else {
      if (!query.trim()) return noFacets();
      const saying = await this.saying(filters, language);
      if (saying?.length === 0) return noFacets();
      const [stats] = await this.db.query<{ terms: string[] | null }>(
        `SELECT array_agg(term) AS terms FROM lex_terms WHERE ${MATCHING_TERMS} AND df > 0`,
        [query, language ?? null],
      );
      if (!stats?.terms?.length) return noFacets();
      // The moments search can return (any of the query's terms, under the filters), as count() finds them; then
      // their documents, once each, for the groupings.
      const params: unknown[] = [stats.terms];
      const conditions = filterConditions(filters, params, saying);
      const docs = `SELECT d.recording_id, d.collection, d.recorded_at, d.speakers
         FROM (SELECT DISTINCT p.moment_id FROM lex_postings p WHERE p.term = ANY($1::text[]) ${conditions.map((c) => `AND ${c}`).join(' ')}) m
         JOIN lex_docs d ON d.moment_id = m.moment_id`;
      rows = await queryByIndex<FacetRow>(this.db, facetsSql(docs), params);
    }
    return foldFacets(rows);
  }

  /**
   * The moments that say every quoted phrase of the filters (null when there is none). A phrase's candidates are
   * the moments holding all of its terms (phraseCandidates), read from the postings; their text decides.
   * A phrase of stop words alone ("to be or not to be") holds no term and is said by none. The lookup is kept for
   * a few seconds, from the moment it starts, so that a search's ranking, count and facets, which run at once,
   * share one; a write in this process forgets them, and a failed one is not kept.
   */
  private saying(filters: SearchFilters, language?: Language): Promise<string[] | null> {
    const phrases = filters.phrases ?? [];
    if (phrases.length === 0) return Promise.resolve(null);
    const key = JSON.stringify([phrases, language ?? null]);
    const kept = this.phraseMatches.get(key);
    if (kept && kept.until > Date.now()) return kept.ids;
    const ids = this.phrasesSaid(phrases, language);
    if (this.phraseMatches.size > 100) this.phraseMatches.clear();
    const entry = { ids, until: Date.now() + PHRASES_KEPT_MS };
    this.phraseMatches.set(key, entry);
    ids.catch(() => {
      if (this.phraseMatches.get(key) === entry) this.phraseMatches.delete(key);
    });
    return ids;
  }

  private readonly phraseMatches = new Map<string, { ids: Promise<string[]>; until: number }>();

  /** The moments that say every one of the phrases (see saying()). */
  private async phrasesSaid(phrases: string[], language?: Language): Promise<string[]> {
    let ids: Set<string> | null = null;
    for (const phrase of phrases) {
      const found = new Set<string>();
      for (const m of await this.phraseCandidates(phrase, language)) if (saysPhrase(m.text, phrase) && (!ids || ids.has(m.id))) found.add(m.id);
      ids = found;
      if (ids.size === 0) break;
    }
    return [...(ids ?? [])];
  }

  /**
   * The moments that may say the phrase, with their text: in each language's terms, those holding every term of
   * the phrase (none in a language where one of its terms is in no moment). More than PHRASE_CANDIDATES_MAX is
   * a 400 that asks for a rarer word: reading every one's text would cost seconds on a large archive.
   */
  private async phraseCandidates(phrase: string, language?: Language): Promise<{ id: string; text: string }[]> {
    const terms = await this.db.query<{ term: string; df: number }>(
      `SELECT q.term, coalesce(t.df, 0) AS df FROM (SELECT DISTINCT unnest(lex_query_terms($1, $2)) AS term) q
       LEFT JOIN lex_terms t ON t.term = q.term WHERE NOT q.term = ANY(lex_query_function_terms($1, $2))`,
      [phrase, language ?? null],
    );
    const spaces = new Map<string, { terms: string[]; missing: boolean }>();
    for (const t of terms) {
      const space = t.term.includes('|') ? t.term.slice(0, t.term.indexOf('|') + 1) : '';
      const s = spaces.get(space) ?? { terms: [], missing: false };
      s.terms.push(t.term);
      s.missing ||= Number(t.df) === 0;
      spaces.set(space, s);
    }
    const ids: string[] = [];
    for (const s of spaces.values()) {
      if (s.missing) continue;
      const rows = await queryByIndex<{ moment_id: string }>(
        this.db,
        'SELECT p.moment_id FROM lex_postings p WHERE p.term = ANY($1::text[]) GROUP BY p.moment_id HAVING count(*) = $2',
        [s.terms, s.terms.length],
      );
      for (const r of rows) ids.push(r.moment_id);
    }
    const most = this.params.phraseCandidates ?? PHRASE_CANDIDATES_MAX;
    if (ids.length > most) {
      throw new AppError('bad_request', `"${phrase}" is too common to look for word for word (more than ${most.toLocaleString('en')} moments hold its words): quote a longer phrase or one with a rarer word`);
    }
    return ids.length ? this.texts(ids) : [];
  }

  async recordingScores(query: string, recordingIds: string[], analysis: Analysis = 'en'): Promise<Map<string, number>> {
    if (!query.trim() || recordingIds.length === 0) return new Map();
    // The analysis' own terms: English ones carry no prefix, the others theirs (PREFIXES).
    const space = analysis === 'en' ? "q0.term NOT LIKE '%|%'" : `starts_with(q0.term, '${PREFIXES[analysis]}')`;
    // idf over recordings (df: how many recordings hold the term), length over each recording's talk.
    const rows = await queryByIndex<{ recording_id: string; score: number }>(
      this.db,
      `WITH s AS MATERIALIZED (SELECT rec_n::float8 AS n, rec_total_len::float8 / greatest(rec_n, 1) AS avgdl FROM lex_stats WHERE id = 1),
         q AS MATERIALIZED (SELECT t.term, t.df::float8 AS df FROM lex_rec_terms t
                            WHERE t.term = ANY(ARRAY(SELECT q0.term FROM unnest(lex_query_terms($1)) AS q0(term) WHERE ${space}))
                              AND t.df > 0),
         -- Each term's postings of those recordings by the key (planned freely, every posting of the recordings
         -- was read by recording and hashed against the terms: 34,000 rows for 40 recordings), then each
         -- recording's length by its key.
         tf AS MATERIALIZED (SELECT p.recording_id, q.df, p.tf FROM q
                             JOIN LATERAL (SELECT recording_id, tf FROM lex_rec_postings
                                           WHERE term = q.term AND recording_id = ANY($2::text[]) OFFSET 0) p ON true)
       SELECT tf.recording_id,
              sum(ln(1 + (s.n - tf.df + 0.5) / (tf.df + 0.5)) * tf.tf * ($3::float8 + 1)
                  / (tf.tf + $3::float8 * (1 - $4::float8 + $4::float8 * d.len / greatest(s.avgdl, 1)))) AS score
       FROM tf CROSS JOIN s
       JOIN LATERAL (SELECT len FROM lex_rec_docs WHERE recording_id = tf.recording_id OFFSET 0) d ON true
       GROUP BY tf.recording_id`,
      [query, recordingIds, this.params.k1, this.params.b],
    );
    return new Map(rows.map((r) => [r.recording_id, Number(r.score)]));
  }

  /**
   * Rebuilds the lexical tables' keys. Postings written a recording at a time split the keys' pages as they go
   * and leave them partly full; a key built in one pass is packed (on a 10,000 h archive lex_postings' key goes
   * from 2.6 to 1.7 GB: BENCHMARKS.md "Scale"). On a server the keys are rebuilt CONCURRENTLY, so searches and
   * writes go on, and statistics are taken as autovacuum would. The embedded database is left without them: its
   * statements are written for a planner that has none (src/platform/db/by-index.ts), and would be planned anew.
   */
  async compact(): Promise<CompactReport> {
    const size = async () => {
      const [row] = await this.db.query<{ bytes: string }>(
        'SELECT sum(pg_total_relation_size(t::regclass))::text AS bytes FROM unnest($1::text[]) AS t',
        [LEXICAL_TABLES],
      );
      return Number(row.bytes);
    };
    const bytesBefore = await size();
    const server = this.db.kind === 'postgres';
    for (const table of LEXICAL_TABLES) await this.db.exec(`REINDEX TABLE${server ? ' CONCURRENTLY' : ''} ${table}`);
    await this.db.exec(`VACUUM${server ? ' ANALYZE' : ''} ${LEXICAL_TABLES.join(', ')}`);
    return { bytesBefore, bytesAfter: await size(), rewritten: [...LEXICAL_TABLES] };
  }

  async close(): Promise<void> {
    // The database belongs to the caller.
  }
}

/**
 * The terms of query $1 in language $2 that make a moment a match, as count() and facets() select them from
 * lex_terms: all of lex_query_terms but a Spanish or German question's function words as said (migrations/019).
 */
const MATCHING_TERMS = 'term = ANY(lex_query_terms($1, $2)) AND NOT term = ANY(lex_query_function_terms($1, $2))';

/** Every table of the lexical index (migrations 002, 017), largest first. */
const LEXICAL_TABLES = ['lex_postings', 'lex_rec_postings', 'lex_docs', 'lex_terms', 'lex_rec_terms', 'lex_rec_docs', 'lex_stats'];

/**
 * Each analysis' term prefix (migrations/013_lex_languages.sql, which analyses queries the same way).
 */
const PREFIXES: Record<Analysis, string> = { en: '', es: 'es|', de: 'de|', other: '*|' };

/** The filters as conditions on postings `p`, their values appended to `params`. */
function filterConditions(filters: SearchFilters, params: unknown[], saying?: string[] | null): string[] {
  const where: string[] = [];
  // Dates are on the postings themselves (migrations/007): a dated question reads only its range's postings.
  const dates: string[] = [];
  if (filters.from) dates.push(`p.recorded_at >= $${params.push(filters.from)}::date`);
  if (filters.to) dates.push(`p.recorded_at <= $${params.push(filters.to)}::date`);
  if (filters.recordingId) where.push(`d.recording_id = $${params.push(filters.recordingId)}`);
  if (filters.collection) where.push(`d.collection = $${params.push(filters.collection)}`);
  if (filters.speaker) where.push(`lex_lower_labels(d.speakers) @> ARRAY[lower($${params.push(filters.speaker)})]`);
  // The moments passing the filters are found by index (migrations/008) and only their postings scored.
  // Inline rather than a CTE: the planner then knows the ids are lex_docs' primary key (unique), and hashes
  // them for the join without first de-duplicating them.
  const docs = where.length ? [`p.moment_id IN (SELECT d.moment_id FROM lex_docs d WHERE ${where.join(' AND ')})`] : [];
  // By the screen documents only (a partial index, migrations/012), whichever kind is asked for: they are few,
  // where the speech ids would be nearly the whole archive.
  const screen = "(SELECT s.moment_id FROM lex_docs s WHERE s.kind = 'screen')";
  const kind = filters.kind === 'screen' ? [`p.moment_id IN ${screen}`] : filters.kind === 'speech' ? [`p.moment_id NOT IN ${screen}`] : [];
  // The moments that say the quoted phrases (PostgresLexicalIndex.saying).
  const phrases = saying ? [`p.moment_id = ANY($${params.push(saying)}::text[])`] : [];
  return [...dates, ...docs, ...kind, ...phrases];
}

/** Moments of one recording (collection, year) or, with `speaker`, of one recording and speaker. */
interface FacetRow {
  recording_id: string;
  collection: string | null;
  year: number | null;
  speaker: string | null;
  n: number;
}

const noFacets = (): Facets => ({ moments: 0, recordings: 0, collection: [], decade: [], year: [], speaker: [] });

/**
 * The matching documents `docs` (a query of lex_docs rows: recording_id, collection, recorded_at, speakers)
 * counted per recording, and per recording and speaker, in one statement: a few rows per recording, which
 * foldFacets adds up. Aggregating each facet in SQL, with a distinct count of recordings in each, took twice
 * as long as reading the documents on the embedded database.
 */
function facetsSql(docs: string): string {
  return `WITH d AS MATERIALIZED (${docs})
    SELECT recording_id, collection, extract(year FROM recorded_at)::int AS year, NULL::text AS speaker, count(*)::int AS n
    FROM d GROUP BY recording_id, collection, recorded_at
    UNION ALL
    SELECT d.recording_id, NULL, NULL, s.label, count(*)::int FROM d, unnest(d.speakers) AS s(label) GROUP BY d.recording_id, s.label`;
}

/** Facets from per-recording counts: a recording has one collection and one date, so its rows add up. */
function foldFacets(rows: FacetRow[]): Facets {
  const add = (m: Map<string, { moments: number; recordings: Set<string> }>, key: string, r: FacetRow) => {
    const b = m.get(key) ?? { moments: 0, recordings: new Set<string>() };
    b.moments += Number(r.n);
    b.recordings.add(r.recording_id);
    m.set(key, b);
  };
  const collections = new Map<string, { moments: number; recordings: Set<string> }>();
  const years = new Map<string, { moments: number; recordings: Set<string> }>();
  const speakers = new Map<string, { moments: number; recordings: Set<string> }>();
  const recordings = new Set<string>();
  let moments = 0;
  for (const r of rows) {
    if (r.speaker !== null) {
      add(speakers, r.speaker, r);
      continue;
    }
    moments += Number(r.n);
    recordings.add(r.recording_id);
    if (r.collection !== null) add(collections, r.collection, r);
    if (r.year !== null) add(years, String(r.year), r);
  }
  const list = (m: Map<string, { moments: number; recordings: Set<string> }>): FacetBucket[] =>
    [...m].map(([value, b]) => ({ value, moments: b.moments, recordings: b.recordings.size }));
  const year = list(years).sort((a, b) => Number(a.value) - Number(b.value));
  return { moments, recordings: recordings.size, collection: topBuckets(list(collections)), decade: decadeBuckets(year), year, speaker: topBuckets(list(speakers)) };
}

/** The filters as conditions on documents `d` (browsing: no postings), their values appended to `params`. */
function docConditions(filters: SearchFilters, params: unknown[]): string[] {
  const where: string[] = [];
  if (filters.from) where.push(`d.recorded_at >= $${params.push(filters.from)}::date`);
  if (filters.to) where.push(`d.recorded_at <= $${params.push(filters.to)}::date`);
  if (filters.recordingId) where.push(`d.recording_id = $${params.push(filters.recordingId)}`);
  if (filters.collection) where.push(`d.collection = $${params.push(filters.collection)}`);
  if (filters.speaker) where.push(`lex_lower_labels(d.speakers) @> ARRAY[lower($${params.push(filters.speaker)})]`);
  if (filters.kind === 'screen') where.push("d.kind = 'screen'");
  if (filters.kind === 'speech') where.push("d.kind <> 'screen'");
  return where;
}

async function removeRecording(tx: Queryable, recordingId: string): Promise<void> {
  const docs = await tx.query<{ moment_id: string; len: number }>('SELECT moment_id, len FROM lex_docs WHERE recording_id = $1', [recordingId]);
  const ids = docs.map((d) => d.moment_id);
  if (ids.length === 0) return;
  // Postings are reached from the ids through unnest, one moment_id index lookup each: \`moment_id = ANY($1)\`
  // is planned, without statistics, as a scan of the whole table. Once VACUUM has counted the table, the join
  // is sized at a tenth of it for want of column statistics, and was planned as a hash join over a scan of the
  // table or of the whole key (8–17 s a statement at 33M postings, against 10–50 ms by lookups). Only the
  // lookups are left to the planner here; the settings end with the removal.
  await tx.exec('SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off');
  const postings = 'unnest($1::text[]) AS m(id) JOIN lex_postings p ON p.moment_id = m.id';
  await tx.query(
    `UPDATE lex_terms t SET df = t.df - c.cnt FROM (SELECT p.term, count(*) AS cnt FROM ${postings} GROUP BY p.term) c
     WHERE t.term = c.term`,
    [ids],
  );
  await tx.query(
    'UPDATE lex_stats SET n = n - $1, total_len = total_len - $2 WHERE id = 1',
    [ids.length, docs.reduce((a, d) => a + Number(d.len), 0)],
  );
  await tx.query('DELETE FROM lex_postings p USING unnest($1::text[]) AS m(id) WHERE p.moment_id = m.id', [ids]);
  await tx.query('DELETE FROM lex_docs WHERE recording_id = $1', [recordingId]);
  await tx.query(
    `UPDATE lex_rec_terms t SET df = t.df - 1 FROM lex_rec_postings p WHERE p.recording_id = $1 AND t.term = p.term`,
    [recordingId],
  );
  await tx.query('DELETE FROM lex_rec_postings WHERE recording_id = $1', [recordingId]);
  await tx.query(
    `WITH gone AS (DELETE FROM lex_rec_docs WHERE recording_id = $1 RETURNING len)
     UPDATE lex_stats SET rec_n = rec_n - (SELECT count(*) FROM gone), rec_total_len = rec_total_len - (SELECT coalesce(sum(len), 0) FROM gone)
     WHERE id = 1`,
    [recordingId],
  );
  await tx.exec('SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT');
}

/** The statement search() runs, in its pruned or exhaustive form (bm25Sql), with its parameters. */
export function bm25Statement(
  query: string, filters: SearchFilters, limit: number, bm25: { k1: number; b: number; postingsBudget?: number }, pruned: boolean, language?: Language,
  saying?: string[] | null,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [query, bm25.k1, bm25.b, limit, COMMON_SHARE, Math.max(CANDIDATES, 4 * limit), bm25.postingsBudget ?? DEFAULT_POSTINGS_BUDGET, language ?? null];
  const conditions = filterConditions(filters, params, saying);
  // Only Spanish and German keep function words as said (migrations/019): other questions skip the check.
  return { sql: bm25Sql(conditions, pruned, language === 'es' || language === 'de'), params };
}

/**
 * A term in more than COMMON_SHARE of the moments ("work", "data", a speaker's initial) is common, unless it
 * is the query's rarest; so is every term past the first postings budget, the query's terms taken rarest
 * first. The share keeps pruning to frequent words on a small archive; the budget bounds what a search reads
 * on a large one, where a word in 1 % of 1.7M moments has 17,000 postings. With `pruned`, moments are first
 * ranked on the other terms, and only the best CANDIDATES (or 4 × limit) get their common terms' postings
 * looked up by (term, moment): reading and aggregating every posting of a common term was most of a slow
 * query's time (p95 at 100K moments, BENCHMARKS "Scale"). A common term adds at most its idf·(k1 + 1), low by
 * definition, so the ranking it changes is within those candidates; the dev-set figures with and without
 * pruning are in BENCHMARKS.md.
 * Per-term constants are computed once (MATERIALIZED) in float8: inlined into the aggregate, idf was
 * recomputed for every posting in numeric arithmetic, which cost more than reading the postings.
 * A moment that holds only a Spanish or German question's function words ("con", "la": migrations/019) is no
 * match, though they count toward the score of one that holds its other words.
 * Parameters: $1 query, $2 k1, $3 b, $4 limit, $5 COMMON_SHARE, $6 candidates, $7 postings budget, $8 the
 * query's language (null: every language reads all of it; migrations/018).
 */
function bm25Sql(conditions: string[], pruned: boolean, functionWords: boolean): string {
  const terms = `WITH s AS MATERIALIZED (SELECT n::float8 AS n, total_len::float8 / greatest(n, 1) AS avgdl FROM lex_stats WHERE id = 1),
       q AS MATERIALIZED (
         SELECT lt.term, lt.df, s.n, ln(1 + (s.n - lt.df + 0.5) / (lt.df + 0.5)) * ($2::float8 + 1) AS w,
                $2::float8 * (1 - $3::float8) AS c0, $2::float8 * $3::float8 / s.avgdl AS c1
                ${functionWords ? ', lt.term = ANY(lex_query_function_terms($1, $8::text)) AS function_word' : ''}
         FROM lex_terms lt CROSS JOIN s
         WHERE lt.term = ANY(lex_query_terms($1, $8::text)) AND lt.df > 0),
       -- (candidates is unused: it names $6 so that both forms of the query take the same parameters)
       t AS MATERIALIZED (SELECT q.*, ((q.df > $5::float8 * q.n OR sum(q.df) OVER (ORDER BY q.df, q.term) > $7::float8)
                                       AND q.df > (SELECT min(df) FROM q)) AS common,
                                 $6::int AS candidates FROM q)`;
  // w·tf / (tf + c0 + c1·|d|) is idf·tf·(k1 + 1) / (tf + k1·(1 − b + b·|d|/avgdl))
  const score = 'sum(t.w * p.tf / (p.tf + t.c0 + t.c1 * p.len))';
  const where = (extra: string[]) => ([...extra, ...conditions].length ? `WHERE ${[...extra, ...conditions].join(' AND ')}` : '');
  const matching = functionWords ? 'HAVING bool_or(NOT t.function_word)' : '';
  if (!pruned) {
    return `${terms}
       SELECT p.moment_id, ${score} AS score FROM t JOIN lex_postings p ON p.term = t.term
       ${where([])}
       GROUP BY p.moment_id ${matching} ORDER BY score DESC, p.moment_id LIMIT $4`;
  }
  // The candidates' common-term postings in one index scan per common term (term = t AND moment_id = ANY(the
  // candidates)), not one lookup per candidate and term: each lookup was a scan started, and rescanned, on
  // its own (200 candidates × 4 common terms = 800 at every unrouted search).
  return `${terms},
       a AS MATERIALIZED (SELECT p.moment_id, ${score} AS score FROM t JOIN lex_postings p ON p.term = t.term
             ${where(['NOT t.common'])}
             GROUP BY p.moment_id ${matching} ORDER BY score DESC, p.moment_id LIMIT $6),
       c AS (SELECT p.moment_id, ${score} AS score FROM t JOIN lex_postings p
               ON p.term = t.term AND p.moment_id = ANY(ARRAY(SELECT moment_id FROM a))
             WHERE t.common GROUP BY p.moment_id)
       SELECT a.moment_id, (SELECT bool_or(common) FROM t) AS pruned, a.score + coalesce(c.score, 0) AS score
       FROM a LEFT JOIN c USING (moment_id) ORDER BY score DESC, a.moment_id LIMIT $4`;
}
const COMMON_SHARE = 0.05;
const CANDIDATES = 200;
