import type { Db } from '../platform/index.js';

/** A presigned upload (POST /v1/uploads): where the client PUTs the file, and what became of it. */
export interface UploadRow {
  id: string;
  blob_key: string;
  filename: string;
  content_type: string | null;
  size: string | number | null;
  meta: Record<string, unknown>;
  status: 'pending' | 'completing' | 'completed';
  recording_id: string | null;
  job_id: string | null;
  expires_at: string | Date;
  claimed_at: string | Date | null;
}

export type Claim = { kind: 'claimed'; upload: UploadRow } | { kind: 'completed'; upload: UploadRow } | { kind: 'busy' } | { kind: 'missing' };

/**
 * The uploads table (migrations/005_uploads.sql, 011_upload_claims.sql). Completing an upload is claimed
 * with one conditional UPDATE, so of any number of processes asked at once exactly one does the work; a
 * claim older than `staleAfterS` (its process died) may be taken over.
 */
export class UploadStore {
  constructor(readonly db: Db) {}

  async create(u: { id: string; blobKey: string; filename: string; contentType: string | null; size: number; meta: Record<string, unknown>; expiresAt: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO uploads (id, blob_key, filename, content_type, size, meta, expires_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [u.id, u.blobKey, u.filename, u.contentType, u.size, JSON.stringify(u.meta), u.expiresAt],
    );
  }

  async get(id: string): Promise<UploadRow | null> {
    const [row] = await this.db.query<UploadRow>('SELECT * FROM uploads WHERE id = $1', [id]);
    return row ?? null;
  }

  /** Takes the upload for completing, unless it is completed, or claimed by another request less than `staleAfterS` ago. */
  async claim(id: string, staleAfterS: number): Promise<Claim> {
    const [claimed] = await this.db.query<UploadRow>(
      `UPDATE uploads SET status = 'completing', claimed_at = now()
        WHERE id = $1 AND (status = 'pending' OR (status = 'completing' AND claimed_at < now() - make_interval(secs => $2)))
        RETURNING *`,
      [id, staleAfterS],
    );
    if (claimed) return { kind: 'claimed', upload: claimed };
    const row = await this.get(id);
    if (!row) return { kind: 'missing' };
    return row.status === 'completed' ? { kind: 'completed', upload: row } : { kind: 'busy' };
  }

  /** Gives a claim back (the completion failed: the client may try again). */
  async release(id: string): Promise<void> {
    await this.db.query("UPDATE uploads SET status = 'pending', claimed_at = NULL WHERE id = $1 AND status = 'completing'", [id]);
  }

  async complete(id: string, recordingId: string, jobId: string | null): Promise<void> {
    await this.db.query("UPDATE uploads SET status = 'completed', recording_id = $2, job_id = $3, completed_at = now() WHERE id = $1", [id, recordingId, jobId]);
  }
}
