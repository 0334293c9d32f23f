import { LRUCache } from 'lru-cache';
import { AppError, type SearchFilters, type EmbeddingModelInfo, type VectorHit, type VectorIndex, type VectorItem, type VectorRebuild } from '../../core/index.js';
import { explainByIndex, planOf, queryByIndex, type Db, type Queryable } from '../../platform/index.js';
import { decadeOf, UNDATED } from '../lexical/decades.js';

const MODEL_KEY = 'embedding_model';
const TABLE = 'embeddings';
/** Where a re-embedding builds the new vectors while the old ones are served (rebuild()). */
const NEXT = 'embeddings_next';
/** The most moments a speaker, collection or kind filter ranks exactly (PgVectorIndex's constructor). */
const EXACT_UP_TO = 3000;
/** How long a filter found to pass more moments than that is searched by the graphs without counting again. */
const MANY_REMEMBERED_MS = 10 * 60_000;
/** The filters that may select few moments of the archive, each read by an index of its own (createTable). */
const NARROWING = ['speaker', 'collection', 'kind'] as const satisfies readonly (keyof SearchFilters)[];

/**
 * Rows per transaction on PGlite, where a search waits for the background transaction in progress. One HNSW
 * insert (30–50 ms) is then the longest wait; more rows per transaction save no ingest time, as the inserts
 * themselves dominate (bench:search-during-ingest).
 */
const PGLITE_ROWS_PER_TX = 1;

/**
 * Moment embeddings in pgvector, range-partitioned by recording date: one partition per decade, created
 * on demand, and a DEFAULT partition for undated recordings. A date-range filter lets the planner prune
 * to the decades that can hold it. The column is `halfvec(dim)` (half the memory of `vector`) with an
 * HNSW cosine index on every partition. The table is created here, not in a migration, because its
 * dimension is the embedding model's.
 */
export class PgVectorIndex implements VectorIndex {
  private dim = 0;
  private readonly knownPartitions = new Set<string>();
  /** Filters (filterKey) found to pass more moments than exactUpTo, for MANY_REMEMBERED_MS. */
  private readonly many = new LRUCache<string, true>({ max: 1000, ttl: MANY_REMEMBERED_MS });

  /**
   * `exactUpTo`: a speaker, collection or kind filter passing at most this many moments ranks them exactly (see
   * search()); past it, the HNSW graphs are walked.
   */
  constructor(
    private readonly db: Db,
    private readonly opts: { exactUpTo?: number } = {},
  ) {}

  async init(model: EmbeddingModelInfo): Promise<void> {
    await this.ensureExtension();
    const [row] = await this.db.query<{ value: EmbeddingModelInfo }>('SELECT value FROM archive_meta WHERE key = $1', [MODEL_KEY]);
    const stored = row?.value;
    if (stored && (stored.model !== model.model || stored.dim !== model.dim)) {
      throw new AppError(
        'embedding_model_mismatch',
        `The archive's vectors were made with ${stored.model} (${stored.dim}-d) but the configured embedder is ${model.model} (${model.dim}-d). ` +
          'Run `npm run cli -- reembed` to re-embed every moment with the new model, or configure the old one again.',
        { stored, configured: model },
      );
    }
    this.dim = model.dim;
    await this.db.transaction(async (tx) => {
      await createTable(tx, TABLE, model.dim);
      await tx.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_hnsw ON ${TABLE} USING hnsw (embedding halfvec_cosine_ops)`);
      await tx.query(
        'INSERT INTO archive_meta (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING',
        [MODEL_KEY, JSON.stringify(model)],
      );
    });
    const parts = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'embeddings'::regclass`,
    );
    for (const p of parts) this.knownPartitions.add(p.name);
  }

  async replaceRecording(recordingId: string, items: VectorItem[]): Promise<void> {
    this.assertReady();
    for (const item of items) {
      if (item.vector.length !== this.dim)
        throw new AppError('embedding_model_mismatch', `vector of ${item.vector.length} dims for a ${this.dim}-d index`);
    }
    const decades = new Set(items.map((i) => decadeOf(i.recordedAt)));
    for (const d of decades) await this.ensurePartition(d);
    // Rows go in batches: one statement per vector would be slow, one per recording could be huge. On a single
    // connection (PGlite) each batch is a short transaction of its own, so searches get in between the batches of
    // a bulk ingest (an HNSW insert costs ~30 ms a vector there: a recording's rows in one transaction would hold
    // every search for seconds). A recording caught half-written has its content hash cleared
    // (ArchiveStore.replaceContent), so the next ingest writes it again.
    const perTx = this.db.kind === 'pglite' ? PGLITE_ROWS_PER_TX : items.length;
    const batch = Math.min(200, Math.max(1, perTx));
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM embeddings WHERE recording_id = $1', [recordingId]);
      for (let i = 0; i < Math.min(perTx, items.length); i += batch) await insertBatch(tx, items.slice(i, i + batch));
    });
    for (let i = perTx; i < items.length; i += perTx) {
      const part = items.slice(i, i + perTx);
      await this.db.transaction(async (tx) => {
        for (let j = 0; j < part.length; j += batch) await insertBatch(tx, part.slice(j, j + batch));
      });
    }
  }

  /**
   * For bulk loads: drops the HNSW index so rows go in as plain heap inserts; buildAnnIndex() then builds the
   * graph on every partition, several times faster than inserting into it vector by vector (PGlite, 512-d
   * halfvec: ~8 ms a vector against ~32 ms). Searches still answer in between, by exact scan. A process that
   * stops in between gets the index back from init() at its next start.
   */
  async dropAnnIndex(): Promise<void> {
    this.assertReady();
    await this.db.exec('DROP INDEX IF EXISTS embeddings_hnsw');
  }

  /** Builds the HNSW index (a no-op when it exists); `maintenanceWorkMem` (e.g. '256MB') keeps the graph in memory. */
  async buildAnnIndex(opts: { maintenanceWorkMem?: string } = {}): Promise<void> {
    this.assertReady();
    const mem = opts.maintenanceWorkMem;
    if (mem !== undefined && !/^\d+\s*(kB|MB|GB)$/.test(mem)) throw new AppError('bad_request', `maintenance_work_mem: ${mem}`);
    await this.db.transaction(async (tx) => {
      if (mem) await tx.exec(`SET LOCAL maintenance_work_mem = '${mem}'`);
      await tx.query('CREATE INDEX IF NOT EXISTS embeddings_hnsw ON embeddings USING hnsw (embedding halfvec_cosine_ops)');
    });
  }

  async setSpeakers(recordingId: string, items: { momentId: string; speakers: string[] }[]): Promise<void> {
    if (!this.dim || items.length === 0) return;
    for (let i = 0; i < items.length; i += 2000) {
      await this.db.query(
        `UPDATE embeddings e SET speakers = coalesce(x.speakers, '{}')
         FROM jsonb_to_recordset($1::jsonb) AS x(moment_id text, speakers text[])
         WHERE e.recording_id = $2 AND e.moment_id = x.moment_id`,
        [JSON.stringify(items.slice(i, i + 2000).map((x) => ({ moment_id: x.momentId, speakers: x.speakers }))), recordingId],
      );
    }
  }

  async deleteRecording(recordingId: string): Promise<void> {
    if (!this.dim) return;
    await this.db.query('DELETE FROM embeddings WHERE recording_id = $1', [recordingId]);
  }

  async search(vector: Float32Array, filters: SearchFilters, limit: number): Promise<VectorHit[]> {
    this.assertReady();
    type Row = { moment_id: string; score: number };
    const hits = (rows: Row[]) => rows.map((r) => ({ momentId: r.moment_id, score: Number(r.score) })).sort((a, b) => b.score - a.score);
    const few = await this.fewRanked(vector, filters, limit);
    if (few) return hits(few);
    const { sql, params, exact, filtered } = searchStatement(vector, filters, limit);
    // One recording's moments (hundreds) are ranked exactly, read by its recording_id index (see searchStatement).
    const rows = exact ? await queryByIndex<Row>(this.db, sql, params) : await this.db.transaction(async (tx) => {
      await tx.exec(graphSettings(limit, filtered));
      return tx.queryRows<Row>(sql, params);
    });
    return hits(rows);
  }

  /**
   * The moments passing a speaker, collection or kind filter, ranked exactly, when they are few (at most
   * exactUpTo); null when there is no such filter, or they are more. A speaker's moments are usually few (the
   * recordings they speak in), as are an archive's keyframes or a small collection's moments: walking the HNSW
   * graphs for them reads most of each graph, as nearly every moment met fails the filter. A filter found to
   * pass many stays one (an archive grows): it is not counted again for a while.
   */
  private async fewRanked(vector: Float32Array, filters: SearchFilters, limit: number): Promise<{ moment_id: string; score: number }[] | null> {
    if (filters.recordingId || !NARROWING.some((k) => filters[k])) return null;
    const key = filterKey(filters);
    if (this.many.has(key)) return null;
    const upTo = this.opts.exactUpTo ?? EXACT_UP_TO;
    const few = fewStatement(vector, filters, limit, upTo);
    // Counting reads every index entry of a speaker, however many. With no other filter, a partition's entries
    // past twice the bound are read as a random sample of about that many (gin_fuzzy_search_limit), enough to
    // tell "more than the bound" (the sample's size is binomial about its limit: at 1,000 or more it does not
    // fall to half by chance); under that limit nothing is dropped, so a speaker of few is counted and ranked
    // whole. With another filter the sample could hold few of the moments passing both, taken for all of them.
    const alone = NARROWING.every((k) => k === 'speaker' || !filters[k]) && !filters.from && !filters.to;
    const sample = alone ? `SET LOCAL gin_fuzzy_search_limit = ${Math.max(2 * Math.floor(upTo) + 2, 1000)}` : '';
    const rows = await queryByIndex<{ moment_id: string | null; score: number; n: number }>(this.db, few.sql, few.params, sample);
    if (rows[0].n <= upTo) return rows.filter((r): r is { moment_id: string; score: number; n: number } => r.moment_id !== null);
    this.many.set(key, true);
    return null;
  }

  async similarities(vector: Float32Array, momentIds: string[], dates: Pick<SearchFilters, 'from' | 'to'> = {}): Promise<Map<string, number>> {
    this.assertReady();
    if (momentIds.length === 0) return new Map();
    // With a date range the ids are looked up in its decades' partitions only (pruned at plan time), not in all.
    const { where, params } = vectorFilters({ from: dates.from, to: dates.to }, [toQueryParam(vector), momentIds]);
    // A few dozen ids: always the moment_id index, not a scan of every partition.
    const rows = await queryByIndex<{ moment_id: string; score: number }>(
      this.db,
      `SELECT moment_id, 1 - (embedding <=> ${QUERY_VECTOR}) AS score FROM embeddings
       WHERE ${['moment_id = ANY($2::text[])', ...where].join(' AND ')}`,
      params,
    );
    return new Map(rows.map((r) => [r.moment_id, Number(r.score)]));
  }

  /**
   * Builds vectors of another model beside the served ones: into a table of their own (its partitions and
   * indexes alike), while search goes on reading the old table. swap() then serves the new table and records
   * the new model in one transaction, so a search sees either the old vectors or the new, never none. A
   * rebuild left by a process that stopped part way is dropped by the next one.
   */
  async rebuild(model: EmbeddingModelInfo): Promise<VectorRebuild> {
    await this.ensureExtension();
    await this.db.transaction(async (tx) => {
      await tx.query(`DROP TABLE IF EXISTS ${NEXT} CASCADE`);
      // No HNSW index while loading: built whole at the end, several times faster than vector by vector.
      await createTable(tx, NEXT, model.dim);
    });
    const known = new Set<string>();
    let open = true;
    const assertOpen = () => {
      if (!open) throw new AppError('internal', 'vector rebuild used after swap() or abandon()');
    };
    return {
      model,
      add: async (recordingId, items) => {
        assertOpen();
        for (const item of items) {
          if (item.vector.length !== model.dim)
            throw new AppError('embedding_model_mismatch', `vector of ${item.vector.length} dims for a ${model.dim}-d index`);
        }
        for (const d of new Set(items.map((i) => decadeOf(i.recordedAt)))) await ensurePartition(this.db, NEXT, d, known);
        await this.db.transaction(async (tx) => {
          await tx.query(`DELETE FROM ${NEXT} WHERE recording_id = $1`, [recordingId]);
          for (let i = 0; i < items.length; i += 200) await insertBatch(tx, items.slice(i, i + 200), NEXT);
        });
      },
      swap: async () => {
        assertOpen();
        await this.db.exec(`CREATE INDEX IF NOT EXISTS ${NEXT}_hnsw ON ${NEXT} USING hnsw (embedding halfvec_cosine_ops)`);
        await this.db.transaction(async (tx) => {
          const parts = await tx.query<{ name: string }>(
            `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${NEXT}'::regclass`,
          );
          await tx.query(`DROP TABLE IF EXISTS ${TABLE} CASCADE`);
          await tx.query(`ALTER TABLE ${NEXT} RENAME TO ${TABLE}`);
          for (const p of parts) await tx.query(`ALTER TABLE ${p.name} RENAME TO ${TABLE}${p.name.slice(NEXT.length)}`);
          for (const suffix of ['recording', 'moment', 'speakers', 'collection', 'kind', 'hnsw']) await tx.query(`ALTER INDEX ${NEXT}_${suffix} RENAME TO ${TABLE}_${suffix}`);
          await tx.query(
            'INSERT INTO archive_meta (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
            [MODEL_KEY, JSON.stringify(model)],
          );
        });
        open = false;
        this.dim = model.dim;
        this.knownPartitions.clear();
        for (const p of known) this.knownPartitions.add(`${TABLE}${p.slice(NEXT.length)}`);
        this.knownPartitions.add(`${TABLE}_undated`);
      },
      abandon: async () => {
        if (!open) return;
        open = false;
        await this.db.exec(`DROP TABLE IF EXISTS ${NEXT} CASCADE`);
      },
    };
  }

  async reset(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DROP TABLE IF EXISTS embeddings CASCADE');
      await tx.query('DELETE FROM archive_meta WHERE key = $1', [MODEL_KEY]);
    });
    this.knownPartitions.clear();
    this.many.clear();
    this.dim = 0;
  }

  async compact(): Promise<void> {
    if (!this.dim) return;
    // A server's autovacuum does this in time too; the embedded database has none. Statistics only on a server:
    // the embedded database's statements are written for a planner without them (src/platform/db/by-index.ts).
    await this.db.exec(`VACUUM${this.db.kind === 'postgres' ? ' ANALYZE' : ''} ${TABLE}`);
  }

  async count(): Promise<number> {
    if (!this.dim) return 0;
    const [row] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM embeddings');
    return Number(row?.n ?? 0);
  }

  /**
   * The plan of the statement a search with these filters ranks by: the partitions and indexes it reads (for tests
   * and EXPLAIN; a narrowing filter's moments are counted first, as search() does).
   */
  async explain(vector: Float32Array, filters: SearchFilters, limit: number): Promise<string> {
    if (await this.fewRanked(vector, filters, limit)) {
      const few = fewStatement(vector, filters, limit, this.opts.exactUpTo ?? EXACT_UP_TO);
      return explainByIndex(this.db, few.sql, few.params);
    }
    const { sql, params, exact, filtered } = searchStatement(vector, filters, limit);
    if (exact) return explainByIndex(this.db, sql, params);
    return this.db.transaction(async (tx) => {
      await tx.exec(graphSettings(limit, filtered));
      return planOf(tx, sql, params);
    });
  }

  private async ensurePartition(decade: string): Promise<void> {
    await ensurePartition(this.db, TABLE, decade, this.knownPartitions);
  }

  private async ensureExtension(): Promise<void> {
    try {
      await this.db.exec('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (err) {
      throw new AppError(
        'engine_unavailable',
        `pgvector is not installed in this Postgres (${(err as Error).message}); install pgvector or set EMBEDDINGS=none`,
      );
    }
  }

  private assertReady(): void {
    if (!this.dim) throw new AppError('internal', 'vector index used before init()');
  }
}

/**
 * The statement of a search. Within one recording it ranks the recording's moments exactly ("+ 0" keeps the
 * distance from matching the HNSW indexes' ordering, and the caller reads by index): otherwise the planner may
 * choose a filtered HNSW scan of every partition from table sizes alone (the embedded database keeps no
 * statistics), as it did once a re-ingest left dead rows behind, and read every partition's graph for a few
 * hundred rows.
 */
function searchStatement(vector: Float32Array, filters: SearchFilters, limit: number): { sql: string; params: unknown[]; exact: boolean; filtered: boolean } {
  const { where, params } = vectorFilters(filters, [toQueryParam(vector), limit]);
  const exact = Boolean(filters.recordingId);
  const sql = `SELECT moment_id, 1 - (embedding <=> ${QUERY_VECTOR}) AS score FROM embeddings
               ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY (embedding <=> ${QUERY_VECTOR})${exact ? ' + 0' : ''} LIMIT $2`;
  return { sql, params, exact, filtered: where.length > 0 };
}

/**
 * The settings of a walk of the HNSW graphs. Each partition's HNSW scan keeps ef_search candidates, and an
 * iterative scan (pgvector ≥ 0.8) goes on past them while more rows are needed: filtered, until enough rows pass
 * the filter; unfiltered, in strict order, as the partitions' streams are merged by distance. An unfiltered scan
 * so needs no more candidates than the rows asked for (each one more costs distances, BENCHMARKS.md "Search
 * latency"); a filtered one starts with twice as many, as the filter drops most of what it finds. Sorting and
 * table scans are off: a planner without statistics (the embedded database keeps none) takes an equality filter
 * for a small share of the table and would compute the distance of every row passing it, which for a collection
 * most of the archive is in is all of them.
 */
function graphSettings(limit: number, filtered: boolean): string {
  const efSearch = Math.max(40, Math.min(1000, Math.floor(limit) * (filtered ? 2 : 1)));
  return `SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; SET LOCAL hnsw.ef_search = ${efSearch}; ` +
    `SET LOCAL hnsw.iterative_scan = '${filtered ? 'relaxed_order' : 'strict_order'}'`;
}

/**
 * The statement of a search with a narrowing filter (NARROWING): how many moments pass the filters (`n`, counted
 * to `upTo` + 1 by the filters' indexes: the GIN index on speaker_keys, migrations/020, and those on collection
 * and kind) and, when that is at most `upTo`, those moments ranked exactly, each distance computed once. More than
 * `upTo` is a filter much of the archive passes, which the HNSW graphs serve better: the one row then has `n`
 * alone (fewRanked()), as it has when no moment passes.
 */
function fewStatement(vector: Float32Array, filters: SearchFilters, limit: number, upTo: number): { sql: string; params: unknown[] } {
  const { where, params } = vectorFilters(filters, [toQueryParam(vector), limit]);
  const w = where.join(' AND ');
  const sql = `WITH n AS (SELECT count(*)::int AS n FROM (SELECT 1 FROM embeddings WHERE ${w} LIMIT ${Math.floor(upTo) + 1}) x)
               SELECT e.moment_id, 1 - e.d AS score, n.n FROM n LEFT JOIN LATERAL (
                 SELECT moment_id, embedding <=> ${QUERY_VECTOR} AS d FROM embeddings WHERE ${w} AND n.n <= ${Math.floor(upTo)} ORDER BY d LIMIT $2
               ) e ON true`;
  return { sql, params };
}

/** What a narrowing filter is remembered by (PgVectorIndex.many): its values, the speaker's in lower case, and the dates. */
function filterKey(f: SearchFilters): string {
  return JSON.stringify([f.speaker?.toLowerCase() ?? null, f.collection ?? null, f.kind ?? null, f.from ?? null, f.to ?? null]);
}

function vectorFilters(filters: SearchFilters, params: unknown[]): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  if (filters.recordingId) where.push(`recording_id = $${params.push(filters.recordingId)}`);
  if (filters.collection) where.push(`collection = $${params.push(filters.collection)}`);
  if (filters.speaker) where.push(`speaker_keys(speakers) @> ARRAY[lower($${params.push(filters.speaker)})]`);
  // Literal-typed date bounds let the planner prune partitions at plan time.
  if (filters.from) where.push(`recorded_at >= $${params.push(filters.from)}::date`);
  if (filters.to) where.push(`recorded_at <= $${params.push(filters.to)}::date`);
  if (filters.kind) where.push(`kind = $${params.push(filters.kind)}`);
  return { where, params };
}

/** The partitioned table of vectors (`table` and its DEFAULT partition `<table>_undated`) and its lookup indexes. */
async function createTable(tx: Queryable, table: string, dim: number): Promise<void> {
  await tx.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       moment_id text NOT NULL,
       recording_id text NOT NULL,
       recorded_at date,
       collection text,
       speakers text[] NOT NULL DEFAULT '{}',
       embedding halfvec(${dim}) NOT NULL,
       -- (added to an older table by migrations/012)
       kind text NOT NULL DEFAULT 'speech'
     ) PARTITION BY RANGE (recorded_at)`,
  );
  await tx.query(`CREATE TABLE IF NOT EXISTS ${table}_undated PARTITION OF ${table} DEFAULT`);
  await tx.query(`CREATE INDEX IF NOT EXISTS ${table}_recording ON ${table} (recording_id)`);
  // Score fusion looks up the cosine of lexical candidates by moment id.
  await tx.query(`CREATE INDEX IF NOT EXISTS ${table}_moment ON ${table} (moment_id)`);
  // The moments of a speaker (by any of their labels in lower case), a collection or a kind (fewRanked()).
  await tx.query(`CREATE INDEX IF NOT EXISTS ${table}_speakers ON ${table} USING gin (speaker_keys(speakers))`);
  await tx.query(`CREATE INDEX IF NOT EXISTS ${table}_collection ON ${table} (collection)`);
  await tx.query(`CREATE INDEX IF NOT EXISTS ${table}_kind ON ${table} (kind)`);
}

/** The decade's partition of `table` (`<table>_1980s`), created on first use; undated rows go to the DEFAULT one. */
async function ensurePartition(db: Queryable, table: string, decade: string, known: Set<string>): Promise<void> {
  if (decade === UNDATED) return;
  const name = `${table}_${decade}`;
  if (known.has(name)) return;
  const { from, to } = decadeBounds(decade);
  try {
    await db.exec(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`);
  } catch (err) {
    // Another process may have created it between our check and CREATE; only a real failure matters.
    if (!/already exists/.test((err as Error).message)) throw err;
  }
  known.add(name);
}

async function insertBatch(tx: Queryable, items: VectorItem[], table = TABLE): Promise<void> {
  const payload = JSON.stringify(
    items.map((i) => ({
      moment_id: i.momentId,
      recording_id: i.recordingId,
      recorded_at: i.recordedAt,
      collection: i.collection,
      speakers: i.speakers,
      embedding: toLiteral(i.vector),
      kind: i.kind ?? 'speech',
    })),
  );
  await tx.query(
    `INSERT INTO ${table} (moment_id, recording_id, recorded_at, collection, speakers, embedding, kind)
     SELECT moment_id, recording_id, recorded_at, collection, coalesce(speakers, '{}'), embedding::halfvec, kind
     FROM jsonb_to_recordset($1::jsonb) AS x(moment_id text, recording_id text, recorded_at date, collection text, speakers text[], embedding text, kind text)`,
    [payload],
  );
}

/**
 * The query vector goes to Postgres as integers, scaled so its largest component is ±QUERY_SCALE, and is cast
 * to halfvec there. Cosine distance does not change with the scale; rounding to integers moves a component
 * by at most 1/65534 of the largest one, of the order of halfvec's own rounding (1/2048 of each component).
 * Parsing 512 decimals with halfvec_in cost ~1.2 ms a query in PGlite (its WASM strtof); 512 integers, ~0.06 ms.
 */
const QUERY_VECTOR = '$1::int[]::halfvec';
const QUERY_SCALE = 32767; // below halfvec's largest finite value (65504)

function toQueryParam(v: Float32Array): string {
  let max = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) max = Math.max(max, Math.abs(v[i]));
  const k = max > 0 ? QUERY_SCALE / max : 0;
  let s = '{';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (Number.isFinite(v[i]) ? Math.round(v[i] * k) : 0);
  return s + '}';
}

function toLiteral(v: Float32Array): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (Number.isFinite(v[i]) ? v[i].toFixed(6) : '0');
  return s + ']';
}


function decadeBounds(decade: string): { from: string; to: string } {
  const start = Number(decade.slice(0, -1));
  // Four-digit years: Postgres would read '50-01-01' as 2050.
  const year = (y: number) => String(y).padStart(4, '0');
  return { from: `${year(start)}-01-01`, to: `${year(start + 10)}-01-01` };
}
