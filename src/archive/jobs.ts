import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db/port.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job {
  id: string;
  kind: string;
  recordingId: string | null;
  status: JobStatus;
  stage: string | null;
  progress: number;
  attempts: number;
  error: string | null;
  payload: unknown;
  result: unknown;
  createdAt: string;
  updatedAt: string;
}

interface JobRow {
  id: string;
  kind: string;
  recording_id: string | null;
  status: JobStatus;
  stage: string | null;
  progress: number;
  attempts: number;
  error: string | null;
  payload: unknown;
  result: unknown;
  created_at: string | Date;
  updated_at: string | Date;
}

const iso = (v: string | Date) => new Date(v).toISOString();

/** Job state in Postgres: the source of truth that the API and the CLI read. */
export class JobStore {
  constructor(private readonly db: Db) {}

  /**
   * `status` 'succeeded' records work that needed doing nothing. A second open media job for one recording is
   * refused by the database (migrations/010): the error's `constraint` is `jobs_open_media`.
   */
  async create(kind: string, payload: unknown, recordingId: string | null = null, status: 'queued' | 'succeeded' = 'queued'): Promise<Job> {
    const [row] = await this.db.query<JobRow>(
      'INSERT INTO jobs (id, kind, recording_id, payload, status) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING *',
      [randomUUID(), kind, recordingId, JSON.stringify(payload ?? null), status],
    );
    return toJob(row);
  }

  /** How many jobs are in each status (the queue depth metric). */
  async countsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM jobs GROUP BY status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async get(id: string): Promise<Job | null> {
    const [row] = await this.db.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    return row ? toJob(row) : null;
  }

  async update(id: string, patch: Partial<Pick<Job, 'status' | 'stage' | 'progress' | 'error' | 'result'>> & { attempt?: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET status = coalesce($2, status), stage = coalesce($3, stage), progress = coalesce($4, progress),
         error = CASE WHEN $2::text = 'failed' THEN $5 WHEN $2::text IS NOT NULL THEN NULL ELSE error END,
         result = coalesce($6::jsonb, result), attempts = attempts + $7, updated_at = now()
       WHERE id = $1`,
      [id, patch.status ?? null, patch.stage ?? null, patch.progress ?? null, patch.error ?? null,
        patch.result === undefined ? null : JSON.stringify(patch.result), patch.attempt ? 1 : 0],
    );
  }

  /** Newest first, optionally by status and kind. */
  async list(opts: { status?: JobStatus | JobStatus[]; kind?: string; limit?: number } | number = {}): Promise<Job[]> {
    const o = typeof opts === 'number' ? { limit: opts } : opts;
    const statuses = o.status === undefined ? null : Array.isArray(o.status) ? o.status : [o.status];
    const rows = await this.db.query<JobRow>(
      `SELECT * FROM jobs WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) AND ($2::text IS NULL OR kind = $2)
       ORDER BY created_at DESC LIMIT $3`,
      [statuses, o.kind ?? null, o.limit ?? 50],
    );
    return rows.map(toJob);
  }
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    recordingId: r.recording_id,
    status: r.status,
    stage: r.stage,
    progress: Number(r.progress),
    attempts: r.attempts,
    error: r.error,
    payload: r.payload,
    result: r.result,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}
