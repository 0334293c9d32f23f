import { type Analysis, type Cue, type Moment, type MomentKind, TEXT_SEARCH_CONFIGS, type Recording, type RecordingMeta, type RecordingStatus, type SearchFilters, AppError } from '../core/index.js';
import { type Db, likeLiteral, type Queryable, uniqueViolation } from '../platform/index.js';

/** The unique index of recordings.checksum (migrations/010_unique_checksum.sql). */
const CHECKSUM_INDEX = 'recordings_checksum_unique';

/** The file (by sha256) is already another recording's: one recording per file. */
export class ChecksumTakenError extends AppError {
  constructor(
    readonly checksum: string,
    /** The recording that holds it (null if it was deleted in the meantime). */
    readonly holder: string | null,
  ) {
    super('conflict', `the same file (sha256 ${checksum.slice(0, 12)}…) is already recording "${holder ?? '?'}"`, { recording_id: holder });
  }
}

interface RecordingRow {
  id: string;
  title: string;
  recorded_at: string | null;
  collection: string | null;
  language: string | null;
  source: string | null;
  duration_s: number | null;
  checksum: string | null;
  content_hash: string | null;
  status: RecordingStatus;
  error: string | null;
  created_at: string | Date;
  updated_at: string | Date;
  moment_count?: number;
  speakers?: string[] | null;
}

export interface MomentWithRecording extends Moment {
  recordingTitle: string;
  recordedAt: string | null;
  collection: string | null;
  /** The recording's language as stored (a code or name, as ingest was given it). */
  language: string | null;
  /** The recording's length in seconds, where known. */
  recordingDuration: number | null;
}

/** A video keyframe: its time, the text read off it ('' when none) and its thumbnail's blob key. */
export interface Frame {
  n: number;
  at: number;
  text: string;
  thumbKey: string;
}

export interface StoredRecording extends Recording {
  contentHash: string | null;
  error: string | null;
}

const iso = (v: string | Date) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

function toRecording(r: RecordingRow): StoredRecording {
  return {
    id: r.id,
    title: r.title,
    recordedAt: r.recorded_at,
    collection: r.collection,
    language: r.language,
    source: r.source,
    durationS: r.duration_s === null ? null : Number(r.duration_s),
    checksum: r.checksum,
    contentHash: r.content_hash,
    status: r.status,
    error: r.error,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    ...(r.moment_count !== undefined ? { momentCount: Number(r.moment_count) } : {}),
    ...(r.speakers !== undefined ? { speakers: r.speakers ?? [] } : {}),
  };
}

const LONGEST_CUE_S = 120;

/** Recordings, their segments, moments and speakers, as Postgres rows. */
export class ArchiveStore {
  constructor(readonly db: Db) {}

  /** Which Postgres holds the archive: 'pglite' (embedded) or 'postgres' (a server). */
  get dbKind(): Db['kind'] {
    return this.db.kind;
  }

  /** The lexemes of `text` under Postgres' configuration for a language (what the BM25 index stores for it). */
  async lexemes(text: string, analysis: Analysis = 'en'): Promise<string[]> {
    const [row] = await this.db.queryRows<{ l: string[] }>('SELECT tsvector_to_array(to_tsvector($2::regconfig, $1)) AS l', [text, TEXT_SEARCH_CONFIGS[analysis]]);
    return row?.l ?? [];
  }

  async get(id: string): Promise<StoredRecording | null> {
    const [row] = await this.db.query<RecordingRow>(
      `SELECT r.*, (SELECT count(*)::int FROM moments m WHERE m.recording_id = r.id) AS moment_count,
              (SELECT array_agg(s.label ORDER BY s.seconds DESC) FROM speakers s WHERE s.recording_id = r.id) AS speakers
       FROM recordings r WHERE r.id = $1`,
      [id],
    );
    return row ? toRecording(row) : null;
  }

  async list(opts: { limit: number; offset: number; collection?: string; q?: string }): Promise<{ total: number; items: StoredRecording[] }> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (opts.collection) where.push(`collection = $${params.push(opts.collection)}`);
    // The words as typed: %, _ and \ are LIKE wildcards (and its escape), matched literally here.
    if (opts.q) where.push(`(title ILIKE $${params.push(`%${likeLiteral(opts.q)}%`)} OR id ILIKE $${params.length})`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM recordings ${w}`, params);
    const rows = await this.db.query<RecordingRow>(
      `SELECT r.*, (SELECT count(*)::int FROM moments m WHERE m.recording_id = r.id) AS moment_count,
              (SELECT array_agg(s.label ORDER BY s.seconds DESC) FROM speakers s WHERE s.recording_id = r.id) AS speakers
       FROM recordings r ${w} ORDER BY recorded_at NULLS LAST, id LIMIT $${params.push(opts.limit)} OFFSET $${params.push(opts.offset)}`,
      params,
    );
    return { total: Number(n), items: rows.map(toRecording) };
  }

  /**
   * The ready recordings passing the filters, newest (or oldest) first, undated last: browsing the archive by filters
   * alone. A speaker matches as the search's filter does (any case); kind 'screen' keeps recordings with text
   * read off a frame. With each recording, its speakers by talk time.
   */
  async browse(filters: SearchFilters, page: { limit: number; offset: number; order?: 'newest' | 'oldest' }): Promise<{ total: number; items: StoredRecording[] }> {
    const params: unknown[] = [];
    const where = ["r.status = 'ready'"];
    if (filters.recordingId) where.push(`r.id = $${params.push(filters.recordingId)}`);
    if (filters.collection) where.push(`r.collection = $${params.push(filters.collection)}`);
    if (filters.from) where.push(`r.recorded_at >= $${params.push(filters.from)}::date`);
    if (filters.to) where.push(`r.recorded_at <= $${params.push(filters.to)}::date`);
    if (filters.speaker) where.push(`EXISTS (SELECT 1 FROM speakers s WHERE s.recording_id = r.id AND lower(s.label) = lower($${params.push(filters.speaker)}))`);
    if (filters.kind === 'screen') where.push("EXISTS (SELECT 1 FROM moments m WHERE m.recording_id = r.id AND m.kind = 'screen')");
    const w = `WHERE ${where.join(' AND ')}`;
    const [{ n }] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM recordings r ${w}`, params);
    const rows = await this.db.query<RecordingRow>(
      `SELECT r.*, (SELECT count(*)::int FROM moments m WHERE m.recording_id = r.id) AS moment_count,
              (SELECT array_agg(s.label ORDER BY s.seconds DESC) FROM speakers s WHERE s.recording_id = r.id) AS speakers
       FROM recordings r ${w} ORDER BY r.recorded_at ${page.order === 'oldest' ? 'ASC' : 'DESC'} NULLS LAST, r.id LIMIT $${params.push(page.limit)} OFFSET $${params.push(page.offset)}`,
      params,
    );
    return { total: Number(n), items: rows.map(toRecording) };
  }

  /** Every collection with its number of recordings, by name. */
  async collections(): Promise<{ name: string; recordings: number }[]> {
    const rows = await this.db.query<{ name: string; n: number }>(
      'SELECT collection AS name, count(*)::int AS n FROM recordings WHERE collection IS NOT NULL GROUP BY collection ORDER BY collection',
    );
    return rows.map((r) => ({ name: r.name, recordings: Number(r.n) }));
  }

  /**
   * Creates or updates the recording row; content stays as it is. A checksum another recording holds already
   * (one recording per file: migrations/010) writes nothing and throws ChecksumTakenError naming that recording.
   */
  async upsert(meta: RecordingMeta, fields: { status: RecordingStatus; checksum?: string | null; durationS?: number | null }): Promise<void> {
    await this.claimingChecksum(fields.checksum, () => this.db.query(
      `INSERT INTO recordings (id, title, recorded_at, collection, language, source, checksum, duration_s, status)
       VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, recorded_at = excluded.recorded_at,
         collection = excluded.collection, language = excluded.language, source = excluded.source,
         checksum = coalesce(excluded.checksum, recordings.checksum),
         duration_s = coalesce(excluded.duration_s, recordings.duration_s),
         status = excluded.status, error = NULL, updated_at = now()`,
      [meta.id, meta.title, meta.recordedAt, meta.collection, meta.language, meta.source, fields.checksum ?? null, fields.durationS ?? null, fields.status],
    ));
  }

  /** Records the sha256 of a recording's media (a transcript ingested beside its file); see upsert. */
  async setChecksum(id: string, checksum: string): Promise<void> {
    await this.claimingChecksum(checksum, () =>
      this.db.query('UPDATE recordings SET checksum = $2 WHERE id = $1 AND checksum IS DISTINCT FROM $2', [id, checksum]),
    );
  }

  /** Runs a write that stores `checksum`, turning the unique index's refusal into ChecksumTakenError. */
  private async claimingChecksum<T>(checksum: string | null | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!checksum || uniqueViolation(err) !== CHECKSUM_INDEX) throw err;
      const [holder] = await this.db.query<{ id: string }>('SELECT id FROM recordings WHERE checksum = $1', [checksum]);
      throw new ChecksumTakenError(checksum, holder?.id ?? null);
    }
  }

  async setStatus(id: string, status: RecordingStatus, error: string | null = null): Promise<void> {
    await this.db.query('UPDATE recordings SET status = $2, error = $3, updated_at = now() WHERE id = $1', [id, status, error]);
  }

  /** Replaces segments, moments (of both kinds), speakers and keyframes in one transaction. */
  async replaceContent(id: string, content: { cues: Cue[]; moments: Moment[]; durationS: number; frames?: Frame[] }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM segments WHERE recording_id = $1', [id]);
      await tx.query('DELETE FROM moments WHERE recording_id = $1', [id]);
      await tx.query('DELETE FROM speakers WHERE recording_id = $1', [id]);
      await tx.query('DELETE FROM frames WHERE recording_id = $1', [id]);
      await insertJson(
        tx,
        `INSERT INTO segments (recording_id, seq, start_s, end_s, speaker, label, text, words)
         SELECT $2, seq, start_s, end_s, speaker, label, text, words
         FROM jsonb_to_recordset($1::jsonb) AS x(seq int, start_s float8, end_s float8, speaker text, label text, text text, words jsonb)`,
        content.cues.map((c, seq) => ({ seq, start_s: c.start, end_s: c.end, speaker: c.speaker ?? null, label: c.label ?? null, text: c.text, words: c.words ?? null })),
        id,
      );
      await insertJson(
        tx,
        `INSERT INTO moments (id, recording_id, seq, start_s, end_s, speakers, text, kind)
         SELECT id, $2, seq, start_s, end_s, coalesce(speakers, '{}'), text, kind
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, seq int, start_s float8, end_s float8, speakers text[], text text, kind text)`,
        content.moments.map((m) => ({ id: m.id, seq: m.seq, start_s: m.start, end_s: m.end, speakers: m.speakers, text: m.text, kind: m.kind ?? 'speech' })),
        id,
      );
      await insertJson(
        tx,
        `INSERT INTO frames (recording_id, n, at_s, text, thumb_key)
         SELECT $2, n, at_s, text, thumb_key FROM jsonb_to_recordset($1::jsonb) AS x(n int, at_s float8, text text, thumb_key text)`,
        (content.frames ?? []).map((f) => ({ n: f.n, at_s: f.at, text: f.text, thumb_key: f.thumbKey })),
        id,
      );
      await tx.query(
        `INSERT INTO speakers (recording_id, label, seconds, turns)
         SELECT recording_id, speaker, sum(end_s - start_s), count(*) FROM segments
         WHERE recording_id = $1 AND speaker IS NOT NULL GROUP BY recording_id, speaker`,
        [id],
      );
      // The hash is cleared until every index holds the new content (markReady), so a crash in between
      // makes the next run re-index instead of calling it unchanged.
      await tx.query(
        `UPDATE recordings SET content_hash = NULL, duration_s = greatest(coalesce(duration_s, 0), $2), updated_at = now()
         WHERE id = $1`,
        [id, content.durationS],
      );
    });
  }

  async markReady(id: string, contentHash: string): Promise<void> {
    await this.db.query(
      "UPDATE recordings SET content_hash = $2, status = 'ready', error = NULL, updated_at = now() WHERE id = $1",
      [id, contentHash],
    );
  }

  /** Puts a recording's row back as it was read (after its content was written back): ready, with its hash. */
  async restore(rec: StoredRecording): Promise<void> {
    await this.db.query(
      `UPDATE recordings SET title = $2, recorded_at = $3::date, collection = $4, language = $5, source = $6, checksum = $7,
         duration_s = $8, content_hash = $9, status = $10, error = $11, updated_at = now() WHERE id = $1`,
      [rec.id, rec.title, rec.recordedAt, rec.collection, rec.language, rec.source, rec.checksum, rec.durationS, rec.contentHash, rec.status, rec.error],
    );
  }

  async segments(id: string): Promise<Cue[]> {
    const rows = await this.db.query<{ start_s: number; end_s: number; speaker: string | null; label: string | null; text: string; words: Cue['words'] | null }>(
      'SELECT start_s, end_s, speaker, label, text, words FROM segments WHERE recording_id = $1 ORDER BY seq',
      [id],
    );
    return rows.map((r) => ({
      start: Number(r.start_s),
      end: Number(r.end_s),
      text: r.text,
      ...(r.speaker ? { speaker: r.speaker } : {}),
      ...(r.label && r.label !== r.speaker ? { label: r.label } : {}),
      ...(r.words ? { words: r.words } : {}),
    }));
  }

  /** Every moment of the recording: speech in order, then screen text in order. */
  async moments(id: string): Promise<Moment[]> {
    const rows = await this.db.query<MomentRow>("SELECT * FROM moments WHERE recording_id = $1 ORDER BY kind <> 'speech', seq", [id]);
    return rows.map(toMoment);
  }

  /** The recording's video keyframes in time order (none for audio and transcripts). */
  async frames(id: string): Promise<Frame[]> {
    const rows = await this.db.query<{ n: number; at_s: number; text: string; thumb_key: string }>(
      'SELECT n, at_s, text, thumb_key FROM frames WHERE recording_id = $1 ORDER BY n',
      [id],
    );
    return rows.map((r) => ({ n: Number(r.n), at: Number(r.at_s), text: r.text, thumbKey: r.thumb_key }));
  }

  async momentsByIds(ids: string[]): Promise<Map<string, MomentWithRecording>> {
    if (ids.length === 0) return new Map();
    // Each moment's recording by primary key (a LATERAL subquery kept apart by OFFSET 0, so a nested loop):
    // without table statistics (PGlite runs no autovacuum) a plain join was planned as a hash of the whole
    // recordings table for a few dozen moments (5-10 ms at 100K moments).
    const rows = await this.db.queryRows<MomentRow & { title: string; rec_recorded_at: string | null; rec_collection: string | null; rec_language: string | null; rec_duration_s: number | null }>(
      `SELECT m.id, m.recording_id, m.seq, m.start_s, m.end_s, m.speakers, m.text, m.kind,
              r.title, r.recorded_at AS rec_recorded_at, r.collection AS rec_collection, r.language AS rec_language, r.duration_s AS rec_duration_s
       FROM moments m
       JOIN LATERAL (SELECT title, recorded_at, collection, language, duration_s FROM recordings WHERE id = m.recording_id OFFSET 0) r ON true
       WHERE m.id = ANY($1::text[])`,
      [ids],
    );
    return new Map(
      rows.map((m) => [m.id, { ...toMoment(m), recordingTitle: m.title, recordedAt: m.rec_recorded_at, collection: m.rec_collection, language: m.rec_language, recordingDuration: m.rec_duration_s === null ? null : Number(m.rec_duration_s) }] as const),
    );
  }

  /**
   * The cues that overlap each of several time ranges, in one query: what a search reads to find the sentence
   * a result's link should open on. Answered in the ranges' order, each range's cues in time order. A cue that
   * began more than LONGEST_CUE_S before its range is left out: the index is read by start time, and such a
   * turn is rare enough that the search falls back to the moment's own start for it.
   */
  async segmentsInRanges(ranges: { recordingId: string; start: number; end: number }[]): Promise<Cue[][]> {
    if (ranges.length === 0) return [];
    const rows = await this.db.queryRows<{ i: number; start_s: number; end_s: number; speaker: string | null; text: string; words: Cue['words'] | null }>(
      `SELECT r.i::int AS i, s.start_s, s.end_s, s.speaker, s.text, s.words
       FROM unnest($1::text[], $2::float8[], $3::float8[]) WITH ORDINALITY AS r(recording_id, a, b, i)
       -- (a LATERAL subquery kept apart by OFFSET 0: each range by index, never a hash of every cue)
       JOIN LATERAL (SELECT seq, start_s, end_s, speaker, text, words FROM segments
                     WHERE recording_id = r.recording_id AND start_s > r.a - $4 AND start_s < r.b AND end_s > r.a OFFSET 0) s ON true
       ORDER BY r.i, s.seq`,
      [ranges.map((r) => r.recordingId), ranges.map((r) => r.start), ranges.map((r) => r.end), LONGEST_CUE_S],
    );
    const out: Cue[][] = ranges.map(() => []);
    for (const r of rows) {
      out[Number(r.i) - 1].push({
        start: Number(r.start_s),
        end: Number(r.end_s),
        text: r.text,
        ...(r.speaker ? { speaker: r.speaker } : {}),
        ...(r.words ? { words: r.words } : {}),
      });
    }
    return out;
  }

  /** Every moment of the archive, a recording at a time (re-embedding, re-indexing). */
  async *allRecordingIds(): AsyncGenerator<string> {
    const rows = await this.db.query<{ id: string }>("SELECT id FROM recordings WHERE status = 'ready' ORDER BY id");
    for (const r of rows) yield r.id;
  }

  /** The id of the oldest recording whose media has this sha256, or null. */
  async idWithChecksum(sha256: string): Promise<string | null> {
    const [row] = await this.db.query<{ id: string }>('SELECT id FROM recordings WHERE checksum = $1 ORDER BY created_at LIMIT 1', [sha256]);
    return row?.id ?? null;
  }

  /** How many recordings (other than `exceptId`) point at this media file (`source`): shared media stays while one does. */
  async countWithSource(source: string, exceptId?: string): Promise<number> {
    const [{ n }] =
      exceptId === undefined
        ? await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM recordings WHERE source = $1', [source])
        : await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM recordings WHERE source = $1 AND id <> $2', [source, exceptId]);
    return n;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>('DELETE FROM recordings WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async speakerLabels(): Promise<string[]> {
    const rows = await this.db.query<{ label: string }>('SELECT DISTINCT label FROM speakers ORDER BY label');
    return rows.map((r) => r.label);
  }

  async counts(): Promise<{ recordings: number; moments: number }> {
    const [r] = await this.db.query<{ recordings: number; moments: number }>(
      'SELECT (SELECT count(*)::int FROM recordings) AS recordings, (SELECT count(*)::int FROM moments) AS moments',
    );
    return { recordings: Number(r.recordings), moments: Number(r.moments) };
  }
}

interface MomentRow {
  id: string;
  recording_id: string;
  seq: number;
  start_s: number;
  end_s: number;
  speakers: string[];
  text: string;
  kind?: MomentKind;
}

function toMoment(r: MomentRow): Moment {
  const m: Moment = { id: r.id, recordingId: r.recording_id, seq: r.seq, start: Number(r.start_s), end: Number(r.end_s), speakers: r.speakers ?? [], text: r.text };
  // Speech moments read back as they were written (no kind), so a re-ingest compares equal.
  if (r.kind === 'screen') m.kind = 'screen';
  return m;
}

async function insertJson(tx: Queryable, sql: string, rows: unknown[], id: string): Promise<void> {
  // Chunks keep a single statement's JSON payload small on big recordings.
  for (let i = 0; i < rows.length; i += 2000) await tx.query(sql, [JSON.stringify(rows.slice(i, i + 2000)), id]);
}
