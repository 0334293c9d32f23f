import type { Db } from '../platform/index.js';

export interface StoredChapter {
  start: number;
  end: number;
  title: string;
  keywords: string[];
}

interface ChapterRow {
  start_s: number;
  end_s: number;
  title: string;
  keywords: string[] | null;
}

/** Chapters of each recording, in order. Rows go with their recording (foreign key, ON DELETE CASCADE). */
export class ChapterStore {
  constructor(readonly db: Db) {}

  /** Replaces every chapter of the recording in one transaction (an empty list removes them). */
  async replace(recordingId: string, chapters: StoredChapter[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM chapters WHERE recording_id = $1', [recordingId]);
      if (chapters.length === 0) return;
      await tx.query(
        `INSERT INTO chapters (recording_id, seq, start_s, end_s, title, keywords)
         SELECT $2, seq, start_s, end_s, title, coalesce(keywords, '{}')
         FROM jsonb_to_recordset($1::jsonb) AS x(seq int, start_s float8, end_s float8, title text, keywords text[])`,
        [JSON.stringify(chapters.map((c, seq) => ({ seq, start_s: c.start, end_s: c.end, title: c.title, keywords: c.keywords }))), recordingId],
      );
    });
  }

  async list(recordingId: string): Promise<StoredChapter[]> {
    const rows = await this.db.query<ChapterRow>(
      'SELECT start_s, end_s, title, keywords FROM chapters WHERE recording_id = $1 ORDER BY seq',
      [recordingId],
    );
    return rows.map((r) => ({ start: Number(r.start_s), end: Number(r.end_s), title: r.title, keywords: r.keywords ?? [] }));
  }
}
