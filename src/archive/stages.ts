import type { Db, Queryable } from '../platform/index.js';

export type StageName = 'decode' | 'chunk' | 'asr' | 'diarize' | 'frames' | 'stitch' | 'sentences' | 'embed' | 'index';
export type StageStatus = 'pending' | 'running' | 'done' | 'failed';

/** In graph order; asr, diarize and frames (video only: its row comes with the decode) run side by side. */
export const STAGES: readonly StageName[] = ['decode', 'chunk', 'asr', 'diarize', 'frames', 'stitch', 'sentences', 'embed', 'index'];

export interface StageRow {
  jobId: string;
  stage: StageName;
  part: number;
  status: StageStatus;
  progress: number;
  attempts: number;
  seconds: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

interface Row {
  job_id: string;
  stage: StageName;
  part: number;
  status: StageStatus;
  progress: number;
  attempts: number;
  seconds: number;
  error: string | null;
  started_at: string | Date | null;
  finished_at: string | Date | null;
  output?: unknown;
}

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());
const toRow = (r: Row): StageRow => ({
  jobId: r.job_id,
  stage: r.stage,
  part: r.part,
  status: r.status,
  progress: Number(r.progress),
  attempts: r.attempts,
  seconds: Number(r.seconds),
  error: r.error,
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
});

const COLUMNS = 'job_id, stage, part, status, progress, attempts, seconds, error, started_at, finished_at';

/** The pipeline_stages table: each stage's state and output (migrations/004_pipeline.sql). */
export class StageStore {
  constructor(private readonly db: Db) {}

  /** Creates the rows of a new job's fixed stages (asr rows come with the chunk plan). Existing rows stay. */
  async createJobStages(jobId: string, stages: readonly StageName[]): Promise<void> {
    for (const stage of stages) {
      await this.db.query('INSERT INTO pipeline_stages (job_id, stage, part) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [jobId, stage]);
    }
  }

  async list(jobId: string): Promise<StageRow[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM pipeline_stages WHERE job_id = $1 ORDER BY stage, part`, [jobId]);
    return rows.map(toRow);
  }

  async get(jobId: string, stage: StageName, part = 0): Promise<StageRow | null> {
    const [r] = await this.db.query<Row>(`SELECT ${COLUMNS} FROM pipeline_stages WHERE job_id = $1 AND stage = $2 AND part = $3`, [jobId, stage, part]);
    return r ? toRow(r) : null;
  }

  async output<T>(jobId: string, stage: StageName, part = 0): Promise<T> {
    const [r] = await this.db.query<{ output: T }>('SELECT output FROM pipeline_stages WHERE job_id = $1 AND stage = $2 AND part = $3', [jobId, stage, part]);
    if (!r || r.output === null || r.output === undefined) throw new Error(`stage ${stage}[${part}] of job ${jobId} has no output`);
    return r.output;
  }

  /** Every part's output of a stage (asr), with status and error, in part order. */
  async outputs<T>(jobId: string, stage: StageName): Promise<{ part: number; status: StageStatus; error: string | null; output: T | null }[]> {
    return this.db.query('SELECT part, status, error, output FROM pipeline_stages WHERE job_id = $1 AND stage = $2 ORDER BY part', [jobId, stage]);
  }

  /** An execution starts: running, one more attempt. */
  async start(jobId: string, stage: StageName, part: number): Promise<void> {
    await this.db.query(
      `UPDATE pipeline_stages SET status = 'running', attempts = attempts + 1, progress = 0, started_at = coalesce(started_at, now()), updated_at = now()
       WHERE job_id = $1 AND stage = $2 AND part = $3`,
      [jobId, stage, part],
    );
  }

  async progress(jobId: string, stage: StageName, part: number, fraction: number): Promise<void> {
    await this.db.query(
      "UPDATE pipeline_stages SET progress = $4, updated_at = now() WHERE job_id = $1 AND stage = $2 AND part = $3 AND status = 'running'",
      [jobId, stage, part, fraction],
    );
  }

  /** The output, written over any earlier one (a re-run overwrites), and the stage is done. */
  async finish(jobId: string, stage: StageName, part: number, output: unknown, seconds: number, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `UPDATE pipeline_stages SET status = 'done', progress = 1, output = $4::jsonb, seconds = seconds + $5, error = NULL,
         finished_at = now(), updated_at = now()
       WHERE job_id = $1 AND stage = $2 AND part = $3`,
      [jobId, stage, part, JSON.stringify(output ?? null), seconds],
    );
  }

  /** A failed attempt: back to pending (the queue retries it) with the error shown. */
  async attemptFailed(jobId: string, stage: StageName, part: number, error: string, seconds: number): Promise<void> {
    await this.db.query(
      `UPDATE pipeline_stages SET status = 'pending', error = $4, seconds = seconds + $5, updated_at = now()
       WHERE job_id = $1 AND stage = $2 AND part = $3 AND status <> 'done'`,
      [jobId, stage, part, error, seconds],
    );
  }

  /** Failed for good (after the last retry). */
  async fail(jobId: string, stage: StageName, part: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE pipeline_stages SET status = 'failed', error = $4, finished_at = now(), updated_at = now()
       WHERE job_id = $1 AND stage = $2 AND part = $3 AND status <> 'done'`,
      [jobId, stage, part, error],
    );
  }

  /** Replaces a job's ASR rows by one per chunk (with the chunk plan, in the same transaction). */
  async createParts(tx: Queryable, jobId: string, stage: StageName, parts: number): Promise<void> {
    await tx.query('DELETE FROM pipeline_stages WHERE job_id = $1 AND stage = $2', [jobId, stage]);
    if (parts > 0) {
      await tx.query(
        'INSERT INTO pipeline_stages (job_id, stage, part) SELECT $1, $2, g FROM generate_series(0, $3::int - 1) AS g',
        [jobId, stage, parts],
      );
    }
  }

  /**
   * The stage is done with its output (see finish), in a transaction; with `parts`, the rows of `parts.stage` are
   * replaced by one per part (see createParts) in the same transaction (the chunk plan and its ASR rows).
   */
  async complete(jobId: string, stage: StageName, part: number, output: unknown, seconds: number, parts?: { stage: StageName; count: number }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.finish(jobId, stage, part, output, seconds, tx);
      if (parts) await this.createParts(tx, jobId, parts.stage, parts.count);
    });
  }

  /** Puts the job's failed and interrupted (running) stages back to pending, except ASR parts when `keepAsr` (their gap is stitched in). */
  async resetUnfinished(jobId: string, keepAsr: boolean): Promise<void> {
    await this.db.query(
      `UPDATE pipeline_stages SET status = 'pending', progress = 0, error = NULL, finished_at = NULL, updated_at = now()
       WHERE job_id = $1 AND status IN ('failed', 'running') AND NOT ($2::boolean AND stage = 'asr')`,
      [jobId, keepAsr],
    );
  }

  /** The decoded audio's duration in seconds (the decode stage's output), or null until that stage is done. */
  async decodedDuration(jobId: string): Promise<number | null> {
    const [r] = await this.db.query<{ d: number | null }>(
      "SELECT (output->>'durationS')::double precision AS d FROM pipeline_stages WHERE job_id = $1 AND stage = 'decode' AND status = 'done'",
      [jobId],
    );
    return r?.d ?? null;
  }

  /** Seconds each finished stage took, per job and stage, for the stages finished in (since, until]. */
  async finishedStageSeconds(since: Date, until: Date): Promise<{ stage: string; seconds: number }[]> {
    return this.db.query<{ stage: string; seconds: number }>(
      `SELECT stage, sum(seconds)::float8 AS seconds FROM pipeline_stages
        WHERE status = 'done' AND finished_at > $1 AND finished_at <= $2 GROUP BY job_id, stage`,
      [since.toISOString(), until.toISOString()],
    );
  }

  /**
   * A recording's ASR real-time factor (ASR seconds of all chunks over audio seconds), one per job whose index
   * stage finished in (since, until]. The audio duration is the decode stage's output, which outlives a deleted recording.
   */
  async asrRealTimeFactors(since: Date, until: Date): Promise<{ rtf: number }[]> {
    return this.db.query<{ rtf: number }>(
      `SELECT (SELECT sum(a.seconds) FROM pipeline_stages a WHERE a.job_id = p.job_id AND a.stage = 'asr') / (d.output->>'durationS')::float8 AS rtf
         FROM pipeline_stages p JOIN pipeline_stages d ON d.job_id = p.job_id AND d.stage = 'decode' AND d.status = 'done'
        WHERE p.stage = 'index' AND p.status = 'done' AND p.finished_at > $1 AND p.finished_at <= $2 AND (d.output->>'durationS')::float8 > 0`,
      [since.toISOString(), until.toISOString()],
    );
  }
}
