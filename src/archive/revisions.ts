import { AppError, type Moment, type Word } from '../core/index.js';
import type { Db, Queryable } from '../platform/index.js';

/**
 * Corrections and their history. Each correction changes the rows it concerns and appends its revision in one
 * transaction, so a change is never kept without its record, nor recorded without being made.
 *
 *   recordings  UPDATE title, recorded_at, collection, language, updated_at      (a metadata correction)
 *   segments    UPDATE start_s, end_s, speaker, text, words of one line          (a transcript line correction)
 *   moments     the speech moments replaced by ones derived again from the lines (screen moments stay)
 *   speakers    seconds and turns upserted from the lines; labels no longer spoken removed
 *   revisions   INSERT one row (DELETE of it when a correction is undone because its indexing failed)
 */

/** What a revision changed: the recording's metadata or one transcript line. */
export type RevisionTarget = 'recording' | 'segment';

/** The correctable fields of a recording, as the API names them. */
export interface RecordingFields {
  title: string;
  recorded_at: string | null;
  collection: string | null;
  language: string | null;
}

/** The correctable fields of a transcript line, as the API names them. */
export interface SegmentFields {
  start: number;
  end: number;
  speaker: string | null;
  text: string;
}

export interface Revision {
  rev: number;
  recordingId: string;
  at: string;
  actor: string;
  target: RevisionTarget;
  seq: number | null;
  /** The changed fields' values before the change (only fields that changed). */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  revertOf: number | null;
}

/** A transcript line as stored, with its place in the transcript. */
export interface StoredSegment extends SegmentFields {
  seq: number;
  words: Word[] | null;
}

/** The rows one correction writes: complete new values (not a patch), so undoing is the same write with the old ones. */
export interface CorrectionWrite {
  recordingId: string;
  /** The recording's `updated_at` when the correction was computed: a write made meanwhile refuses this one. */
  seenUpdatedAt: string;
  row?: RecordingFields;
  segment?: StoredSegment;
  /** The recording's speech moments, derived again from its lines. */
  speech?: Moment[];
}

export interface RevisionRecord {
  actor: string;
  target: RevisionTarget;
  seq: number | null;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  revertOf?: number | null;
}

/** The fields a revision changed, in a fixed order (stored JSON keeps none): metadata first, then a line's. */
const FIELD_ORDER = ['title', 'recorded_at', 'collection', 'language', 'start', 'end', 'speaker', 'text'];
const rank = (f: string) => (FIELD_ORDER.includes(f) ? FIELD_ORDER.indexOf(f) : FIELD_ORDER.length);
export function changesOf(r: Pick<Revision, 'before' | 'after'>): { field: string; before: unknown; after: unknown }[] {
  return Object.keys(r.after)
    .sort((a, b) => rank(a) - rank(b))
    .map((field) => ({ field, before: r.before[field] ?? null, after: r.after[field] ?? null }));
}

interface RevisionRow {
  id: string | number;
  recording_id: string;
  at: string | Date;
  actor: string;
  target: RevisionTarget;
  seq: number | null;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  revert_of: string | number | null;
}

const toRevision = (r: RevisionRow): Revision => ({
  rev: Number(r.id),
  recordingId: r.recording_id,
  at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
  actor: r.actor,
  target: r.target,
  seq: r.seq === null ? null : Number(r.seq),
  before: r.before,
  after: r.after,
  revertOf: r.revert_of === null ? null : Number(r.revert_of),
});

export class RevisionStore {
  constructor(private readonly db: Db) {}

  /** The recording's transcript lines in order, each with its seq. */
  async segments(recordingId: string): Promise<StoredSegment[]> {
    const rows = await this.db.queryRows<{ seq: number; start_s: number; end_s: number; speaker: string | null; text: string; words: Word[] | null }>(
      'SELECT seq, start_s, end_s, speaker, text, words FROM segments WHERE recording_id = $1 ORDER BY seq',
      [recordingId],
    );
    return rows.map((r) => ({ seq: Number(r.seq), start: Number(r.start_s), end: Number(r.end_s), speaker: r.speaker, text: r.text, words: r.words }));
  }

  /** Makes a correction and records it, in one transaction. */
  async apply(write: CorrectionWrite, record: RevisionRecord): Promise<Revision> {
    return this.db.transaction(async (tx) => {
      await writeRows(tx, write);
      const [row] = await tx.query<RevisionRow>(
        `INSERT INTO revisions (recording_id, actor, target, seq, before, after, revert_of)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7) RETURNING *`,
        [write.recordingId, record.actor, record.target, record.seq, JSON.stringify(record.before), JSON.stringify(record.after), record.revertOf ?? null],
      );
      return toRevision(row);
    });
  }

  /** Puts the rows back (`write` holds the old values) and forgets the revision: for a correction whose indexing failed. */
  async undo(write: CorrectionWrite, rev: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await writeRows(tx, write);
      await tx.query('DELETE FROM revisions WHERE id = $1', [rev]);
    });
  }

  /** The recording's revisions, newest first. */
  async history(recordingId: string, limit = 500): Promise<Revision[]> {
    const rows = await this.db.queryRows<RevisionRow>('SELECT * FROM revisions WHERE recording_id = $1 ORDER BY id DESC LIMIT $2', [recordingId, limit]);
    return rows.map(toRevision);
  }

  async get(recordingId: string, rev: number): Promise<Revision | null> {
    const [row] = await this.db.queryRows<RevisionRow>('SELECT * FROM revisions WHERE recording_id = $1 AND id = $2', [recordingId, rev]);
    return row ? toRevision(row) : null;
  }
}

async function writeRows(tx: Queryable, w: CorrectionWrite): Promise<void> {
  // The row lock orders corrections of one recording; a change since the correction was computed (another
  // correction, a re-ingest) would be overwritten by values computed from the old state, so it refuses instead.
  const [cur] = await tx.query<{ same: boolean }>(
    // (to the millisecond: the time was read back through a JavaScript Date)
    "SELECT abs(extract(epoch FROM updated_at - $2::timestamptz)) < 0.001 AS same FROM recordings WHERE id = $1 FOR UPDATE",
    [w.recordingId, w.seenUpdatedAt],
  );
  if (!cur) throw new AppError('not_found', `no recording "${w.recordingId}"`);
  if (!cur.same) throw new AppError('conflict', `recording "${w.recordingId}" changed while this correction was being made; send it again`);
  if (w.row) {
    await tx.query('UPDATE recordings SET title = $2, recorded_at = $3::date, collection = $4, language = $5, updated_at = now() WHERE id = $1', [
      w.recordingId,
      w.row.title,
      w.row.recorded_at,
      w.row.collection,
      w.row.language,
    ]);
  } else {
    await tx.query('UPDATE recordings SET updated_at = now() WHERE id = $1', [w.recordingId]);
  }
  if (w.segment) {
    const g = w.segment;
    const done = await tx.query<{ seq: number }>(
      // A line given another speaker is that speaker's from now on: the label it came with (which naming a
      // speaker matches on) goes, so naming its former label later does not undo the correction.
      `UPDATE segments SET start_s = $3, end_s = $4, speaker = $5, text = $6, words = $7::jsonb,
         label = CASE WHEN speaker IS DISTINCT FROM $5 THEN NULL ELSE label END
       WHERE recording_id = $1 AND seq = $2 RETURNING seq`,
      [w.recordingId, g.seq, g.start, g.end, g.speaker, g.text, g.words === null ? null : JSON.stringify(g.words)],
    );
    if (done.length === 0) throw new AppError('not_found', `recording "${w.recordingId}" has no transcript line ${g.seq}`);
    // Speaker totals follow the lines; rows are upserted rather than replaced so that whatever else a speaker row
    // holds for a label still spoken stays.
    await tx.query(
      `INSERT INTO speakers (recording_id, label, seconds, turns)
       SELECT recording_id, speaker, sum(end_s - start_s), count(*) FROM segments
       WHERE recording_id = $1 AND speaker IS NOT NULL GROUP BY recording_id, speaker
       ON CONFLICT (recording_id, label) DO UPDATE SET seconds = excluded.seconds, turns = excluded.turns`,
      [w.recordingId],
    );
    await tx.query(
      'DELETE FROM speakers s WHERE s.recording_id = $1 AND NOT EXISTS (SELECT 1 FROM segments g WHERE g.recording_id = $1 AND g.speaker = s.label)',
      [w.recordingId],
    );
  }
  if (w.speech) {
    await tx.query("DELETE FROM moments WHERE recording_id = $1 AND kind = 'speech'", [w.recordingId]);
    const rows = w.speech.map((m) => ({ id: m.id, seq: m.seq, start_s: m.start, end_s: m.end, speakers: m.speakers, text: m.text }));
    for (let i = 0; i < rows.length; i += 2000) {
      await tx.query(
        `INSERT INTO moments (id, recording_id, seq, start_s, end_s, speakers, text, kind)
         SELECT id, $2, seq, start_s, end_s, coalesce(speakers, '{}'), text, 'speech'
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, seq int, start_s float8, end_s float8, speakers text[], text text)`,
        [JSON.stringify(rows.slice(i, i + 2000)), w.recordingId],
      );
    }
  }
}
