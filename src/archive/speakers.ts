import { toMilliseconds } from '../core/index.js';
import { type Db, likeLiteral } from '../platform/index.js';

/** One speaker of a recording: the label it came with, the name it is shown and searched by, and how much it spoke. */
export interface RecordingSpeaker {
  label: string;
  /** The archivist's name for the label, or the label itself when it has none. */
  name: string;
  named: boolean;
  seconds: number;
  turns: number;
}

/** A speaker across the archive: every recording's speaker shown under this name, added up. */
export interface ArchiveSpeaker {
  name: string;
  recordings: number;
  seconds: number;
  turns: number;
}

/** One recording a speaker speaks in, with how much. */
export interface SpeakerRecording {
  recordingId: string;
  title: string;
  recordedAt: string | null;
  seconds: number;
  turns: number;
}

export interface NameChange {
  /** The label as the transcript or diarization gave it. */
  label: string;
  /** What it is shown and searched by from now on; equal to the label to drop a name. */
  name: string;
}

/**
 * Speakers as entities: the names archivists give a recording's labels (table speaker_names, migration 014),
 * kept across re-ingests, and the speakers table read as one list for the archive. The speakers table, the
 * segments' and the moments' speakers hold the names; segments keep the label they came with (segments.label).
 */
export class SpeakerStore {
  constructor(readonly db: Db) {}

  /** The names given to the recording's labels: label → name. */
  async names(recordingId: string): Promise<Map<string, string>> {
    const rows = await this.db.query<{ label: string; name: string }>('SELECT label, name FROM speaker_names WHERE recording_id = $1', [recordingId]);
    return new Map(rows.map((r) => [r.label, r.name]));
  }

  /** The recording's speakers by the label each came with, most talk first. */
  async ofRecording(recordingId: string): Promise<RecordingSpeaker[]> {
    const rows = await this.db.query<{ label: string; name: string; named: boolean; seconds: number; turns: number }>(
      `SELECT coalesce(s.label, s.speaker) AS label, min(s.speaker) AS name, bool_or(n.name IS NOT NULL) AS named,
              sum(s.end_s - s.start_s) AS seconds, count(*)::int AS turns
       FROM segments s LEFT JOIN speaker_names n ON n.recording_id = s.recording_id AND n.label = coalesce(s.label, s.speaker)
       WHERE s.recording_id = $1 AND s.speaker IS NOT NULL
       GROUP BY coalesce(s.label, s.speaker)
       ORDER BY sum(s.end_s - s.start_s) DESC, 1`,
      [recordingId],
    );
    return rows.map((r) => ({ label: r.label, name: r.name, named: !!r.named, seconds: toMilliseconds(Number(r.seconds)), turns: Number(r.turns) }));
  }

  /**
   * Gives labels of one recording their names and writes what shows them, in one transaction: the stored
   * names, the segments' speakers (each keeping its label), the moments' speakers as given, and the
   * recording's rows of the speakers table. The indexes are the caller's (src/ingest/speakers.ts).
   */
  async applyNames(recordingId: string, changes: NameChange[], moments: { id: string; speakers: string[] }[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const { label, name } of changes) {
        if (label === name) await tx.query('DELETE FROM speaker_names WHERE recording_id = $1 AND label = $2', [recordingId, label]);
        else
          await tx.query(
            `INSERT INTO speaker_names (recording_id, label, name) VALUES ($1, $2, $3)
             ON CONFLICT (recording_id, label) DO UPDATE SET name = excluded.name, updated_at = now()`,
            [recordingId, label, name],
          );
        await tx.query(
          `UPDATE segments SET speaker = $3, label = CASE WHEN coalesce(label, speaker) = $3 THEN NULL ELSE coalesce(label, speaker) END
           WHERE recording_id = $1 AND coalesce(label, speaker) = $2`,
          [recordingId, label, name],
        );
      }
      for (let i = 0; i < moments.length; i += 2000) {
        await tx.query(
          `UPDATE moments m SET speakers = coalesce(x.speakers, '{}')
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, speakers text[]) WHERE m.id = x.id AND m.recording_id = $2`,
          [JSON.stringify(moments.slice(i, i + 2000)), recordingId],
        );
      }
      await tx.query('DELETE FROM speakers WHERE recording_id = $1', [recordingId]);
      // As ArchiveStore.replaceContent counts them.
      await tx.query(
        `INSERT INTO speakers (recording_id, label, seconds, turns)
         SELECT recording_id, speaker, sum(end_s - start_s), count(*) FROM segments
         WHERE recording_id = $1 AND speaker IS NOT NULL GROUP BY recording_id, speaker`,
        [recordingId],
      );
      await tx.query('UPDATE recordings SET updated_at = now() WHERE id = $1', [recordingId]);
    });
  }

  /**
   * Every speaker of the archive by the name it is shown under (names equal but for case are one speaker, as
   * the speaker filter matches them), alphabetically; `q` keeps the names that start with it (any case).
   */
  async list(opts: { q?: string; limit: number; offset: number }): Promise<{ total: number; items: ArchiveSpeaker[] }> {
    const params: unknown[] = [];
    const where = opts.q ? `WHERE lower(label) LIKE $${params.push(`${likeLiteral(opts.q.toLowerCase())}%`)}` : '';
    const [{ n }] = await this.db.query<{ n: number }>(`SELECT count(DISTINCT lower(label))::int AS n FROM speakers ${where}`, params);
    const rows = await this.db.query<{ name: string; recordings: number; seconds: number; turns: number }>(
      `SELECT min(label) AS name, count(DISTINCT recording_id)::int AS recordings, sum(seconds) AS seconds, sum(turns)::int AS turns
       FROM speakers ${where} GROUP BY lower(label) ORDER BY lower(label)
       LIMIT $${params.push(opts.limit)} OFFSET $${params.push(opts.offset)}`,
      params,
    );
    return {
      total: Number(n),
      items: rows.map((r) => ({ name: r.name, recordings: Number(r.recordings), seconds: toMilliseconds(Number(r.seconds)), turns: Number(r.turns) })),
    };
  }

  /** The recordings one speaker (by name, any case) speaks in, most talk first; null when no recording has it. */
  async recordingsOf(name: string, opts: { limit: number; offset: number }): Promise<{ speaker: ArchiveSpeaker; items: SpeakerRecording[] } | null> {
    const [sum] = await this.db.query<{ name: string | null; recordings: number; seconds: number | null; turns: number | null }>(
      `SELECT min(label) AS name, count(DISTINCT recording_id)::int AS recordings, sum(seconds) AS seconds, sum(turns)::int AS turns
       FROM speakers WHERE lower(label) = lower($1)`,
      [name],
    );
    if (!sum?.name) return null;
    const rows = await this.db.query<{ recording_id: string; title: string; recorded_at: string | null; seconds: number; turns: number }>(
      `SELECT s.recording_id, r.title, r.recorded_at::text AS recorded_at, sum(s.seconds) AS seconds, sum(s.turns)::int AS turns
       FROM speakers s JOIN recordings r ON r.id = s.recording_id
       WHERE lower(s.label) = lower($1)
       GROUP BY s.recording_id, r.title, r.recorded_at ORDER BY sum(s.seconds) DESC, s.recording_id
       LIMIT $2 OFFSET $3`,
      [name, opts.limit, opts.offset],
    );
    return {
      speaker: { name: sum.name, recordings: Number(sum.recordings), seconds: toMilliseconds(Number(sum.seconds)), turns: Number(sum.turns) },
      items: rows.map((r) => ({ recordingId: r.recording_id, title: r.title, recordedAt: r.recorded_at, seconds: toMilliseconds(Number(r.seconds)), turns: Number(r.turns) })),
    };
  }
}
