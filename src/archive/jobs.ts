import { randomUUID } from 'node:crypto';
import { type Db, uniqueViolation } from '../platform/index.js';

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

  /** The id of the recording's newest job of any kind, or null. */
  async latestIdFor(recordingId: string): Promise<string | null> {
    const [row] = await this.db.query<{ id: string }>('SELECT id FROM jobs WHERE recording_id = $1 ORDER BY created_at DESC LIMIT 1', [recordingId]);
    return row?.id ?? null;
  }

  /** The recording's open (queued or running) jobs of `kind`, oldest first, with their payload's contentHash. */
  async openFor(kind: string, recordingId: string): Promise<{ id: string; hash: string | null }[]> {
    return this.db.query<{ id: string; hash: string | null }>(
      `SELECT id, payload->>'contentHash' AS hash FROM jobs
       WHERE kind = $1 AND recording_id = $2 AND status IN ('queued', 'running') ORDER BY created_at`,
      [kind, recordingId],
    );
  }

  /** Whether a job of `kind` for the recording, other than `jobId`, was created after `createdAt`. */
  async newerFor(kind: string, recordingId: string, createdAt: string, jobId: string): Promise<boolean> {
    const [newer] = await this.db.query<{ id: string }>(
      'SELECT id FROM jobs WHERE kind = $1 AND recording_id = $2 AND created_at > $3 AND id <> $4 LIMIT 1',
      [kind, recordingId, createdAt, jobId],
    );
    return newer !== undefined;
  }

  /** Queues a failed job again (a compare-and-set): true for the one call that moved it out of 'failed'. */
  async requeueFailed(id: string): Promise<boolean> {
    const [won] = await this.db.query<{ id: string }>(
      "UPDATE jobs SET status = 'queued', error = NULL, updated_at = now() WHERE id = $1 AND status = 'failed' RETURNING id",
      [id],
    );
    return won !== undefined;
  }

  /**
   * Ends a queued or running job as succeeded (progress 1) or failed, with its error and result (a
   * compare-and-set): true for the one call that ended it, false when it had ended already.
   */
  async endOpen(id: string, status: 'succeeded' | 'failed', error: string | null, result: unknown): Promise<boolean> {
    const [won] = await this.db.query<{ id: string }>(
      `UPDATE jobs SET status = $2, progress = CASE WHEN $2 = 'succeeded' THEN 1 ELSE progress END, error = $3, result = $4::jsonb, updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id, status, error, JSON.stringify(result)],
    );
    return won !== undefined;
  }

  /** Running jobs of `kind` whose result lists `jobId` among its pending jobs (`{ job: <id> }`), with their payloads. */
  async waitingOn<P>(kind: string, jobId: string): Promise<{ id: string; payload: P | null }[]> {
    return this.db.query<{ id: string; payload: P | null }>(
      `SELECT id, payload FROM jobs WHERE kind = $1 AND status = 'running' AND result->'pending' @> jsonb_build_array(jsonb_build_object('job', $2::text))`,
      [kind, jobId],
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

/** Whether `err` is the database refusing a second open media job for one recording (see JobStore.create). */
export const isOpenMediaJobConflict = (err: unknown): boolean => uniqueViolation(err) === 'jobs_open_media';

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
