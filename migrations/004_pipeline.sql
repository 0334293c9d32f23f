-- The media ingestion job graph (ingest/pipeline/): one row per stage of an ingest job, and one per ASR chunk
-- (stage 'asr', part = chunk index). A stage's output is written here before the stages after it are enqueued,
-- keyed by (job, stage, part) so a re-run overwrites instead of appending. Rows not yet done are what a
-- restarted worker resumes.
CREATE TABLE IF NOT EXISTS pipeline_stages (
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  stage text NOT NULL,
  part integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  progress real NOT NULL DEFAULT 0,
  -- executions started (a retry or a resume after a crash adds one)
  attempts integer NOT NULL DEFAULT 0,
  -- wall-clock seconds of every execution, failed ones included
  seconds double precision NOT NULL DEFAULT 0,
  output jsonb,
  error text,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, stage, part)
);
CREATE INDEX IF NOT EXISTS pipeline_stages_open ON pipeline_stages (job_id) WHERE status IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS jobs_kind_status ON jobs (kind, status);
