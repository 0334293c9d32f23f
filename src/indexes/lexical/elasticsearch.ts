import { Client, type estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { type Analysis, type CompactReport, type Config, type FacetBucket, type Facets, type Language, type MomentKind, type SearchFilters, AppError, COUNT_EXACT_UP_TO, decadeBuckets, FACET_SIZE, topBuckets, withoutStopWords, type LexicalDoc, type LexicalHit, type LexicalIndex, type MatchCount } from '../../core/index.js';
import { decadeOf, decadesOverlapping } from './decades.js';

export interface ElasticsearchLexicalOptions {
  /** A ready client (tests pass one built on the mock connection); it is then the caller's to close. */
  client?: Client;
  node?: string;
  auth?: NonNullable<ConstructorParameters<typeof Client>[0]>['auth'];
  /** Indices are `<prefix>-<decade>`; the alias `<prefix>` spans them all. */
  indexPrefix: string;
  k1?: number;
  b?: number;
  logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  /** Rounds of re-sending documents the cluster rejected with 429, and the first delay (doubled each round). */
  bulkRetries?: number;
  bulkRetryWaitMs?: number;
  /** Longest a search waits on the cluster (one retry, no backoff) before the lexical leg counts as failed. Default 5000. */
  searchTimeoutMs?: number;
}

/** The stored shape of a moment. Snake case because that is what anyone querying the index by hand expects. */
interface EsDoc {
  moment_id: string;
  recording_id: string;
  recorded_at: string | null;
  collection: string | null;
  speakers: string[];
  start: number;
  end: number;
  /** The moment's text, in the field of its language's analysis (TEXT_FIELDS), and for Spanish and German also
   * word for word in text_other (EXACT_TOO); the others are absent. */
  text?: string;
  text_es?: string;
  text_de?: string;
  text_other?: string;
  kind: MomentKind;
}

/**
 * Each analysis' field and analyzer: a moment's text goes in its language's field, and a query is matched
 * against every field (each analyses it its own way), so it matches each moment by that moment's own stems,
 * as the Postgres adapter does. English keeps the field `text`, so an English index is unchanged.
 */
const TEXT_FIELDS: Record<Analysis, { field: 'text' | 'text_es' | 'text_de' | 'text_other'; analyzer: string }> = {
  en: { field: 'text', analyzer: 'english' },
  es: { field: 'text_es', analyzer: 'spanish' },
  de: { field: 'text_de', analyzer: 'german' },
  other: { field: 'text_other', analyzer: 'standard' },
};

/**
 * Spanish and German moments also keep their words as said (text_other, no stemming, no stop words removed),
 * as the Postgres adapter does: a question's own word forms then count beside the shared stems.
 */
const EXACT_TOO: ReadonlySet<Analysis> = new Set(['es', 'de']);

/** Every language's text field: a query reads all of them unless told otherwise. */
const ALL_TEXT_FIELDS = Object.values(TEXT_FIELDS).map((f) => f.field);

const SIMILARITY = 'moment_bm25';
/** index.max_result_window: a larger `size` is a 400, so clamp rather than fail. */
const MAX_SIZE = 10_000;
/** Beyond this many decades the index list only lengthens the URL; the alias plus the range filter is as exact. */
const MAX_ROUTED_INDICES = 32;
/** Index names: lowercase, none of \ / * ? " < > | , # : or space, not starting with - _ + (ES rules). */
const VALID_PREFIX = /^[a-z0-9][a-z0-9._-]*$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ElasticsearchLexicalIndex implements LexicalIndex {
  readonly engine = 'elasticsearch' as const;
  private readonly client: Client;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  /** The alias every decade index joins (named as the prefix); reads and deletes not date-routed use it. */
  readonly alias: string;
  private readonly k1: number;
  private readonly b: number;
  private readonly log?: ElasticsearchLexicalOptions['logger'];
  private readonly retries: number;
  private readonly retryWaitMs: number;
  /**
   * Transport options of a search. The client's defaults (3 retries with 1-4 s of backoff each, no timeout)
   * hold a search for 5-10 s when the cluster is unreachable and for ever when it hangs; a search has the
   * vector leg to fall back on, so it fails fast instead.
   */
  private readonly searchOpts: { maxRetries: number; requestTimeout: number; retryBackoff: () => number };
  /** Connection check and index template: done, under way, or null (not yet, or the last attempt failed). */
  private setup: Promise<void> | null = null;
  /** init() met an unreachable cluster: the next write sets up first. */
  private setupPending = false;
  /** Creations done or under way in this process, so each decade index costs one request at most. */
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(opts: ElasticsearchLexicalOptions) {
    if (!VALID_PREFIX.test(opts.indexPrefix)) {
      throw new AppError('bad_request', `Invalid Elasticsearch index prefix "${opts.indexPrefix}": use lowercase letters, digits, . _ -`);
    }
    if (!opts.client && !opts.node) throw new AppError('engine_unavailable', 'Elasticsearch lexical index needs ES_URL (or a client)');
    this.client = opts.client ?? new Client({ node: opts.node!, auth: opts.auth });
    this.ownsClient = !opts.client;
    this.prefix = this.alias = opts.indexPrefix;
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
    this.log = opts.logger;
    this.retries = opts.bulkRetries ?? 4;
    this.retryWaitMs = opts.bulkRetryWaitMs ?? 500;
    this.searchOpts = { maxRetries: 1, requestTimeout: opts.searchTimeoutMs ?? 5000, retryBackoff: () => 0 };
  }

  /** ES_URL, ES_INDEX_PREFIX, ES_API_KEY (preferred) or ES_USERNAME/ES_PASSWORD, BM25_K1, BM25_B. */
  static fromConfig(cfg: Config, logger?: ElasticsearchLexicalOptions['logger']): ElasticsearchLexicalIndex {
    const basic = cfg.ES_USERNAME ? { username: cfg.ES_USERNAME, password: cfg.ES_PASSWORD ?? '' } : undefined;
    const auth = cfg.ES_API_KEY ? { apiKey: cfg.ES_API_KEY } : basic;
    return new ElasticsearchLexicalIndex({ node: cfg.ES_URL, auth, indexPrefix: cfg.ES_INDEX_PREFIX, k1: cfg.BM25_K1, b: cfg.BM25_B, logger });
  }

  indexName(decade: string): string {
    return `${this.prefix}-${decade}`;
  }

  /**
   * The index of whole recordings (recordingScores): one document a recording, its talk in its language's field.
   * Outside the decade pattern (`<prefix>-*`) and the alias, so the template and moment searches never see it.
   */
  get recordingsIndex(): string {
    return `${this.prefix}.recordings`;
  }

  /** Settings and mappings of the recordings index: the moments' analyzers and BM25 settings. */
  recordingsDefinition(): Pick<estypes.IndicesCreateRequest, 'settings' | 'mappings'> {
    return {
      settings: { index: { similarity: { [SIMILARITY]: { type: 'BM25', k1: this.k1, b: this.b } } } },
      mappings: { dynamic: 'strict', properties: { recording_id: { type: 'keyword' }, ...textProperties() } },
    };
  }

  /** Settings, mappings and alias of a decade index; used both for explicit creation and for the template. */
  indexDefinition(): Pick<estypes.IndicesCreateRequest, 'settings' | 'mappings' | 'aliases'> {
    return {
      settings: { index: { similarity: { [SIMILARITY]: { type: 'BM25', k1: this.k1, b: this.b } } } },
      mappings: {
        // Strict: a field typo in a document should fail loudly, not grow a dynamic mapping.
        dynamic: 'strict',
        properties: {
          moment_id: { type: 'keyword' },
          recording_id: { type: 'keyword' },
          collection: { type: 'keyword' },
          speakers: { type: 'keyword' },
          recorded_at: { type: 'date' },
          start: { type: 'float' },
          end: { type: 'float' },
          kind: { type: 'keyword' },
          ...textProperties(),
        },
      },
      aliases: { [this.prefix]: {} },
    };
  }

  /**
   * Checks the cluster answers, then installs the index template so that a decade index created by anyone
   * (including auto-creation by a bulk request) gets the english analyzer, BM25 settings and the alias.
   * No index is created here: decade indices appear when their first document arrives.
   */
  async init(): Promise<void> {
    try {
      await this.ready();
    } catch (err) {
      // A cluster that is down (or still starting) must not keep the service down: searches answer from the
      // vector leg, flagged degraded, and the first write after it comes back installs the template. A cluster
      // that answers with an error (bad credentials, a rejected template) is a configuration fault: stop.
      if (!(err instanceof AppError && (err.details as { unreachable?: boolean } | undefined)?.unreachable)) throw err;
      this.log?.warn({ engine: 'elasticsearch', err: err.message }, 'Elasticsearch unreachable at start-up; the lexical leg is degraded until it answers');
      this.setupPending = true;
    }
  }

  /** The template is in place: set up once per process, again after a failed attempt. */
  private ready(): Promise<void> {
    if (!this.setup) {
      const p = this.installTemplate().then(() => void (this.setupPending = false));
      this.setup = p;
      p.catch(() => {
        if (this.setup === p) this.setup = null;
      });
    }
    return this.setup;
  }

  private async installTemplate(): Promise<void> {
    // Fail fast on an unreachable cluster (the client's default is 3 retries with seconds of backoff each).
    const info = await this.call('connect', () => this.client.info(undefined, this.searchOpts));
    this.log?.info({ engine: 'elasticsearch', version: info.version?.number, alias: this.alias }, 'Elasticsearch lexical index ready');
    await this.call('put index template', () =>
      this.client.indices.putIndexTemplate({
        name: `${this.prefix}-decades`,
        index_patterns: [`${this.prefix}-*`],
        // Composable templates with overlapping patterns and equal priority are rejected; a longer prefix is
        // more specific, so ranking by its length lets `moments` and `moments-test` coexist on one cluster.
        priority: 100 + this.prefix.length,
        template: this.indexDefinition(),
        _meta: { managed_by: 'speech-archive' },
      }),
    );
    // Decade indices made before a language's field or moments' kind existed get them (their mapping is strict;
    // adding a field is all a mapping may change). Through the alias, which does not exist before the first
    // write: then there is nothing to update.
    await this.call('put mapping', () =>
      this.client.indices.putMapping({ index: this.alias, properties: { kind: { type: 'keyword' }, ...textProperties() }, ignore_unavailable: true, allow_no_indices: true }),
    );
  }

  async replaceRecording(recordingId: string, docs: LexicalDoc[]): Promise<void> {
    const stray = docs.find((d) => d.recordingId !== recordingId);
    if (stray) throw new AppError('bad_request', `Moment ${stray.momentId} does not belong to recording ${recordingId}`);
    // Compute partitions first: an invalid date must fail before anything is deleted.
    const esDocs = docs.map(toEsDoc);
    const indices = [...new Set(esDocs.map((d) => this.indexName(decadeOf(d.recorded_at))))];
    // Delete through the alias: the recording's date may have changed, moving it to another decade.
    if (this.setupPending) await this.ready();
    await this.deleteRecording(recordingId);
    if (esDocs.length === 0) return;
    await Promise.all([...indices.map((i) => this.ensureIndex(i)), this.ensureIndex(this.recordingsIndex, this.recordingsDefinition())]);
    await this.bulkIndex(recordingId, esDocs);
    const talk = recordingDoc(recordingId, docs);
    if (talk) {
      await this.call(`index recording ${recordingId}`, () =>
        this.client.index({ index: this.recordingsIndex, id: recordingId, document: talk, refresh: true }),
      );
    }
  }

  async deleteRecording(recordingId: string): Promise<void> {
    const f = await this.call(`delete_by_query (recording ${recordingId})`, async () => {
      const res = await this.client.deleteByQuery({
        index: this.alias,
        query: { term: { recording_id: recordingId } },
        // Refresh so the deletion is visible to the next search, as the port promises read-after-write.
        refresh: true,
        // Before the first write the alias does not exist yet: nothing to delete is not an error.
        ignore_unavailable: true,
        allow_no_indices: true,
      });
      return res.failures ?? [];
    }, []);
    await this.call(`delete recording ${recordingId}`, () =>
      this.client.deleteByQuery({
        index: this.recordingsIndex,
        query: { ids: { values: [recordingId] } },
        refresh: true,
        ignore_unavailable: true,
        allow_no_indices: true,
      }),
    );
    if (f.length > 0) {
      const why = `${f[0].cause?.type ?? ''}: ${f[0].cause?.reason ?? ''}`;
      const msg = `Elasticsearch delete_by_query (recording ${recordingId}) failed for ${f.length} document(s); first ${why}`;
      throw new AppError('upstream_error', msg, { engine: 'elasticsearch', operation: 'delete_by_query' });
    }
  }

  async search(query: string, filters: SearchFilters, limit: number, language?: Language): Promise<LexicalHit[]> {
    const size = Math.min(Math.max(0, Math.floor(limit)), MAX_SIZE);
    if (query.trim() === '' || size === 0) return [];
    const index = this.routeIndices(checkDates(filters));
    if (index.length === 0) return [];

    return this.call('search', async () => {
      const res = await this.client.search(
        {
          index,
          size,
          _source: false,
          track_total_hits: false,
          // Each decade is its own index with its own term statistics; DFS gathers them first so that IDF and
          // average length are global and a moment's score does not depend on which decade holds it.
          search_type: 'dfs_query_then_fetch',
          ignore_unavailable: true,
          allow_no_indices: true,
          query: matchQuery(query, filters, language),
        },
        this.searchOpts,
      );
      return res.hits.hits.map((h) => ({ momentId: h._id ?? '', score: h._score ?? 0 }));
    }, []);
  }

  async recordingScores(query: string, recordingIds: string[], analysis: Analysis = 'en'): Promise<Map<string, number>> {
    const ids = recordingIds.slice(0, MAX_SIZE);
    if (query.trim() === '' || ids.length === 0) return new Map();
    return this.call('score recordings', async () => {
      const res = await this.client.search(
        {
          index: this.recordingsIndex,
          size: ids.length,
          _source: false,
          track_total_hits: false,
          ignore_unavailable: true,
          allow_no_indices: true,
          query: { bool: { must: textQuery(query, [TEXT_FIELDS[analysis].field]), filter: [{ ids: { values: ids } }] } },
        },
        this.searchOpts,
      );
      return new Map(res.hits.hits.map((h) => [h._id ?? '', h._score ?? 0]));
    }, new Map<string, number>());
  }

  async count(): Promise<number>;
  async count(query: string, filters: SearchFilters, language?: Language): Promise<MatchCount>;
  async count(query?: string, filters?: SearchFilters, language?: Language): Promise<number | MatchCount> {
    if (query === undefined) {
      const count = async () => (await this.client.count({ index: this.alias, ignore_unavailable: true, allow_no_indices: true })).count;
      return this.call('count', count, 0);
    }
    const none: MatchCount = { value: 0, relation: 'eq' };
    if (query.trim() === '') return none;
    const f = checkDates(filters ?? {});
    const index = this.routeIndices(f);
    if (index.length === 0) return none;
    // The query search sends, no documents: track_total_hits counts exactly up to the bound, then says 'gte'.
    return this.call('count matches', async () => {
      const res = await this.client.search(
        { index, size: 0, track_total_hits: COUNT_EXACT_UP_TO, ignore_unavailable: true, allow_no_indices: true, query: matchQuery(query, f, language) },
        this.searchOpts,
      );
      const total = res.hits.total;
      if (total === undefined) return none;
      if (typeof total === 'number') return { value: total, relation: 'eq' };
      return { value: total.value, relation: total.relation === 'gte' ? 'gte' : 'eq' };
    }, none);
  }

  /**
   * Aggregations beside a search of no documents: terms on collection and speakers, a yearly date histogram,
   * each with the cardinality of recording_id. Cardinality is HyperLogLog: exact below its precision
   * threshold (RECORDINGS_EXACT_UP_TO distinct recordings per bucket), an estimate within a few percent above.
   */
  async facets(query: string | null, filters: SearchFilters, language?: Language): Promise<Facets> {
    const none: Facets = { moments: 0, recordings: 0, collection: [], decade: [], year: [], speaker: [] };
    if (query !== null && query.trim() === '') return none;
    const f = checkDates(filters);
    const index = this.routeIndices(f);
    if (index.length === 0) return none;
    const recordings = { cardinality: { field: 'recording_id', precision_threshold: RECORDINGS_EXACT_UP_TO } };
    return this.call('facets', async () => {
      const res = await this.client.search(
        {
          index,
          size: 0,
          track_total_hits: true,
          ignore_unavailable: true,
          allow_no_indices: true,
          query: query === null ? { bool: { filter: filterClauses(f) } } : matchQuery(query, f, language),
          aggs: {
            recordings,
            collection: { terms: { field: 'collection', size: FACET_SIZE }, aggs: { recordings } },
            speaker: { terms: { field: 'speakers', size: FACET_SIZE }, aggs: { recordings } },
            year: { date_histogram: { field: 'recorded_at', calendar_interval: 'year', format: 'yyyy', min_doc_count: 1 }, aggs: { recordings } },
          },
        },
        this.searchOpts,
      );
      const total = res.hits.total;
      const aggs = (res.aggregations ?? {}) as Record<string, { value?: number; buckets?: EsBucket[] }>;
      const buckets = (name: string): FacetBucket[] =>
        (aggs[name]?.buckets ?? []).map((b) => ({ value: String(b.key_as_string ?? b.key), moments: b.doc_count, recordings: b.recordings?.value ?? 0 }));
      const year = buckets('year').sort((a, b) => Number(a.value) - Number(b.value));
      return {
        moments: typeof total === 'number' ? total : (total?.value ?? 0),
        recordings: aggs.recordings?.value ?? 0,
        collection: topBuckets(buckets('collection')),
        decade: decadeBuckets(year),
        year,
        speaker: topBuckets(buckets('speaker')),
      };
    }, none);
  }

  /**
   * Merges away the deleted documents that replacing and deleting recordings leave in the indices' segments
   * (only_expunge_deletes: a full merge to one segment is for indices no longer written to). Bytes are the
   * primaries' store size.
   */
  async compact(): Promise<CompactReport> {
    await this.ready();
    // The alias's decade indices and the recordings' index, each asked apart: either may not exist yet (nothing
    // written, or an archive from before recordings were kept whole), and stats has no ignore_unavailable.
    const stats = (index: string) => this.call(`index stats (${index})`, async () => {
      try {
        const res = await this.client.indices.stats({ index, metric: 'store' });
        return { bytes: res._all.primaries?.store?.size_in_bytes ?? 0, indices: Object.keys(res.indices ?? {}) };
      } catch (err) {
        if (esError(err)?.status === 404) return { bytes: 0, indices: [] };
        throw err;
      }
    });
    const size = async () => {
      const parts = await Promise.all([stats(this.alias), stats(this.recordingsIndex)]);
      return { bytes: parts.reduce((a, x) => a + x.bytes, 0), indices: parts.flatMap((x) => x.indices).sort() };
    };
    const before = await size();
    if (before.indices.length > 0) {
      await this.call('force merge', () => this.client.indices.forcemerge({ index: before.indices, only_expunge_deletes: true, wait_for_completion: true }));
    }
    const after = await size();
    return { bytesBefore: before.bytes, bytesAfter: after.bytes, rewritten: before.indices };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  /**
   * Temporal routing: a date-bounded search reads only the decade indices that can hold matches (never
   * 'undated'); missing ones are skipped by ignore_unavailable. Unbounded searches read the alias.
   */
  routeIndices(filters: Pick<SearchFilters, 'from' | 'to'>): string[] {
    if (!filters.from && !filters.to) return [this.alias];
    const decades = decadesOverlapping(filters.from, filters.to);
    if (decades.length > MAX_ROUTED_INDICES) return [this.alias];
    return decades.map((d) => this.indexName(d));
  }

  private ensureIndex(index: string, definition = this.indexDefinition()): Promise<void> {
    let p = this.ensured.get(index);
    if (!p) {
      p = this.createIndex(index, definition);
      this.ensured.set(index, p);
      // A failed creation must be retried by the next write, not remembered.
      p.catch(() => this.ensured.delete(index));
    }
    return p;
  }

  private async createIndex(index: string, definition: Pick<estypes.IndicesCreateRequest, 'settings' | 'mappings' | 'aliases'>): Promise<void> {
    try {
      await this.client.indices.create({ index, ...definition });
      this.log?.info({ index }, 'created Elasticsearch index');
    } catch (err) {
      // Another writer (or an earlier run) got there first: the index exists, which is all we need.
      if (esError(err)?.type === 'resource_already_exists_exception') return;
      throw upstream(`create index ${index}`, err);
    }
  }

  /**
   * Bulk-indexes through client.helpers.bulk. The helper's own 429 retry waits a constant interval, so it
   * is turned off and documents rejected with 429 (or a whole request rejected with 429) are re-sent here
   * with exponential backoff. Any other rejection fails the call once the rest has been sent.
   */
  private async bulkIndex(recordingId: string, docs: EsDoc[]): Promise<void> {
    let pending = docs;
    for (let round = 0; ; round++) {
      const throttled: EsDoc[] = [];
      const failed: string[] = [];
      try {
        await this.client.helpers.bulk<EsDoc>({
          datasource: pending,
          onDocument: (d) => ({ index: { _index: this.indexName(decadeOf(d.recorded_at)), _id: d.moment_id } }),
          retries: 0,
          // wait_for: the request returns once its documents are searchable (read-after-write) without
          // forcing an extra refresh of every decade index.
          refresh: 'wait_for',
          onDrop: (drop) => {
            if (drop.status === 429) throttled.push(drop.document);
            else failed.push(`${drop.document.moment_id}: HTTP ${drop.status} ${drop.error?.type ?? ''}: ${drop.error?.reason ?? ''}`);
          },
        });
      } catch (err) {
        if (!(esError(err)?.status === 429 && round < this.retries)) {
          throw upstream(`bulk index (recording ${recordingId})`, err);
        }
        // The whole request was throttled; indexing by _id is idempotent, so re-sending everything is safe.
        throttled.splice(0, throttled.length, ...pending);
        failed.length = 0;
      }
      const what = `Elasticsearch bulk index (recording ${recordingId})`;
      const details = { engine: 'elasticsearch', operation: 'bulk' };
      if (failed.length > 0) {
        throw new AppError('upstream_error', `${what} rejected ${failed.length} of ${docs.length} document(s); first ${failed[0]}`, details);
      }
      if (throttled.length === 0) return;
      if (round >= this.retries) {
        const msg = `${what} still throttled (429) for ${throttled.length} document(s) after ${this.retries} retries`;
        throw new AppError('upstream_error', msg, details);
      }
      const wait = this.retryWaitMs * 2 ** round;
      this.log?.warn({ recordingId, throttled: throttled.length, wait }, 'Elasticsearch throttled bulk indexing; retrying');
      await new Promise((r) => setTimeout(r, wait));
      pending = throttled;
    }
  }

  /**
   * Runs one client call and turns whatever it throws into an upstream_error naming the operation. Reads
   * pass `ifMissing`: ignore_unavailable already makes a missing alias (before the first write) an empty
   * result; should a cluster answer index_not_found_exception anyway, that still means "no documents".
   */
  private async call<T>(operation: string, fn: () => Promise<T>, ifMissing?: T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (ifMissing !== undefined && esError(err)?.type === 'index_not_found_exception') return ifMissing;
      throw upstream(operation, err);
    }
  }
}

function textProperties(): Record<string, estypes.MappingProperty> {
  return Object.fromEntries(Object.values(TEXT_FIELDS).map((f) => [f.field, { type: 'text' as const, analyzer: f.analyzer, similarity: SIMILARITY }]));
}

/** The dates of the filters, checked: anything but YYYY-MM-DD is a bad request, not a cluster error. */
function checkDates(filters: SearchFilters): SearchFilters {
  for (const [k, v] of [['from', filters.from], ['to', filters.to]] as const) {
    if (v && !DAY.test(v)) throw new AppError('bad_request', `Invalid ${k} date "${v}": expected YYYY-MM-DD`);
  }
  return filters;
}

/** A bucket of a terms or date_histogram aggregation with its recordings cardinality. */
interface EsBucket {
  key: string | number;
  key_as_string?: string;
  doc_count: number;
  recordings?: { value: number };
}

/** The largest precision_threshold Elasticsearch accepts; below it a cardinality is (near) exact. */
const RECORDINGS_EXACT_UP_TO = 40_000;

/** The query of a search and of its count: the words as text, filtered by recording, collection, speaker and dates. */
function matchQuery(query: string, filters: SearchFilters, language?: Language): estypes.QueryDslQueryContainer {
  return { bool: { must: language ? questionQuery(query, language) : textQuery(query), filter: filterClauses(filters) } };
}

/**
 * A question in `language` against every field, as the Postgres adapter reads it (migrations/018): its own
 * language's field (and, in Spanish and German, the words as said) reads all of it; the other fields read it
 * without its stop words, so that a German "die" does not match the English verb. With no stop word in it, it
 * is the plain query. A Spanish or German moment that holds only the question's function words as said ("con
 * la") is no match (migrations/019): they weigh in the score of one that also holds its other words.
 */
function questionQuery(query: string, language: Language): estypes.QueryDslQueryContainer[] {
  const rest = withoutStopWords(query, language);
  if (rest === query.trim().split(/\s+/).join(' ')) return textQuery(query);
  const own = [TEXT_FIELDS[language].field, ...(EXACT_TOO.has(language) ? [TEXT_FIELDS.other.field] : [])];
  const others = ALL_TEXT_FIELDS.filter((f) => !own.includes(f));
  const should = [...textQuery(query, own), ...(rest ? textQuery(rest, others) : [])];
  const filter = rest && EXACT_TOO.has(language) ? textQuery(rest) : [];
  return [{ bool: { should, minimum_should_match: 1, ...(filter.length ? { filter } : {}) } }];
}

/** The query's words against `fields` (every language's field unless given). */
function textQuery(query: string, fields: string[] = ALL_TEXT_FIELDS): estypes.QueryDslQueryContainer[] {
  // match analyzes the input as plain text: no operators, wildcards or field syntax are interpreted.
  // An all-stop-word query analyzes to no terms, and zero_terms_query none then matches nothing.
  return [{
    multi_match: {
      query,
      fields,
      // A moment fills its language's field (and, in Spanish and German, text_other too): its score is the sum.
      type: 'most_fields',
      operator: 'or',
      zero_terms_query: 'none',
    },
  }];
}

/** The filters as filter clauses: recording, collection, speaker, kind and dates. */
function filterClauses(filters: SearchFilters): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (filters.recordingId) filter.push({ term: { recording_id: filters.recordingId } });
  if (filters.collection) filter.push({ term: { collection: filters.collection } });
  if (filters.speaker) filter.push({ term: { speakers: filters.speaker } });
  // Documents indexed before moments had a kind are speech: 'speech' is "not screen".
  if (filters.kind === 'screen') filter.push({ term: { kind: 'screen' } });
  if (filters.kind === 'speech') filter.push({ bool: { must_not: [{ term: { kind: 'screen' } }] } });
  // A quoted phrase: its words in order, as each language's analyser reads them (so, stemmed: "fair rents" says
  // "fair rent" here, where the Postgres adapter matches the words as written).
  for (const phrase of filters.phrases ?? []) {
    filter.push({ multi_match: { query: phrase, type: 'phrase', fields: ALL_TEXT_FIELDS } });
  }
  if (filters.from || filters.to) {
    // Inclusive whole days: `||/d` rounds gte down to 00:00:00.000 and lte up to 23:59:59.999.
    const range: estypes.QueryDslDateRangeQuery = {};
    if (filters.from) range.gte = `${filters.from}||/d`;
    if (filters.to) range.lte = `${filters.to}||/d`;
    filter.push({ range: { recorded_at: range } });
  }
  return filter;
}

/** A recording's talk as one document: its speech moments' text in each language's field; null with none. */
function recordingDoc(recordingId: string, docs: LexicalDoc[]): Record<string, string> | null {
  const fields = new Map<string, string[]>();
  for (const d of docs) {
    if ((d.kind ?? 'speech') === 'screen') continue;
    const a = d.analysis ?? 'en';
    for (const field of [TEXT_FIELDS[a].field, ...(EXACT_TOO.has(a) ? ['text_other'] : [])]) fields.set(field, [...(fields.get(field) ?? []), d.text]);
  }
  if (fields.size === 0) return null;
  return { recording_id: recordingId, ...Object.fromEntries([...fields].map(([f, texts]) => [f, texts.join('\n')])) };
}

function toEsDoc({ momentId, recordingId, recordedAt, collection, speakers, start, end, text, analysis, kind }: LexicalDoc): EsDoc {
  // decadeOf validates the date now, so a bad one is a bad_request rather than a mapping error later.
  decadeOf(recordedAt);
  const a = analysis ?? 'en';
  const exact = EXACT_TOO.has(a) ? { text_other: text } : {};
  return { moment_id: momentId, recording_id: recordingId, recorded_at: recordedAt, collection, speakers, start, end, [TEXT_FIELDS[a].field]: text, ...exact, kind: kind ?? 'speech' };
}

/**
 * The transport's error classes exist twice (its CJS and ESM builds), so `instanceof` depends on which build
 * created the client; the transport itself dispatches on `name`, and so do we.
 */
function esError(err: unknown): { name: string; message: string; status?: number; type?: string; reason?: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const meta = (err as { meta?: { statusCode?: number; body?: unknown } }).meta;
  const body = meta?.body as { error?: { type?: string; reason?: string } | string } | undefined;
  const e = typeof body === 'object' && body !== null ? body.error : undefined;
  return {
    name: err.name,
    message: err.message,
    status: err.name === 'ResponseError' ? meta?.statusCode : undefined,
    type: typeof e === 'object' ? e.type : undefined,
    reason: typeof e === 'object' ? e.reason : typeof e === 'string' ? e : undefined,
  };
}

/** A short, stack-free message: which operation, and what the cluster (or the network) said. */
function upstream(operation: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = esError(err);
  let reason: string;
  if (e?.name === 'ResponseError') {
    const what = [e.type, e.reason].filter(Boolean).join(': ');
    reason = `HTTP ${e.status}${what ? ` ${what}` : ''}`;
  } else if (e?.name === 'ConnectionError' || e?.name === 'NoLivingConnectionsError') {
    reason = `cannot reach the cluster (${e.message})`;
  } else if (e?.name === 'TimeoutError') {
    reason = 'request timed out';
  } else {
    reason = e ? e.message : String(err);
  }
  const unreachable = e?.name === 'ConnectionError' || e?.name === 'NoLivingConnectionsError' || e?.name === 'TimeoutError';
  const details = { engine: 'elasticsearch', operation, status: e?.status, type: e?.type, unreachable };
  return new AppError('upstream_error', `Elasticsearch ${operation} failed: ${reason}`, details);
}
