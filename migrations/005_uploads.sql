-- Presigned uploads (POST /v1/uploads): the client PUTs the file straight to S3, then calls
-- /v1/uploads/{id}/complete, which checks it and starts the media job.
CREATE TABLE IF NOT EXISTS uploads (
  id text PRIMARY KEY,
  -- where the client PUTs the file (uploads/<id>.<ext>); moved to media/<sha256>.<ext> on completion
  blob_key text NOT NULL,
  filename text NOT NULL,
  content_type text,
  size bigint,
  -- recording metadata given with the request (id, title, recorded_at, collection, language)
  meta jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed')),
  recording_id text,
  job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  completed_at timestamptz
);
CREATE INDEX IF NOT EXISTS uploads_pending ON uploads (expires_at) WHERE status = 'pending';

-- "The same file twice is one recording": media uploads look recordings up by the file's sha256.
CREATE INDEX IF NOT EXISTS recordings_checksum ON recordings (checksum);
