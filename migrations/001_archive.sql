-- Recordings, their transcript segments, moments (the unit of retrieval) and speakers.
CREATE TABLE IF NOT EXISTS recordings (
  id text PRIMARY KEY,
  title text NOT NULL,
  recorded_at date,
  collection text,
  language text,
  source text,
  duration_s double precision,
  -- sha256 of the media file (audio ingest) and of transcript+metadata+moment settings (idempotent re-ingest)
  checksum text,
  content_hash text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS recordings_recorded_at ON recordings (recorded_at);
CREATE INDEX IF NOT EXISTS recordings_collection ON recordings (collection);

CREATE TABLE IF NOT EXISTS segments (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  start_s double precision NOT NULL,
  end_s double precision NOT NULL,
  speaker text,
  text text NOT NULL,
  words jsonb,
  PRIMARY KEY (recording_id, seq)
);

CREATE TABLE IF NOT EXISTS moments (
  id text PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  start_s double precision NOT NULL,
  end_s double precision NOT NULL,
  speakers text[] NOT NULL DEFAULT '{}',
  text text NOT NULL
);
CREATE INDEX IF NOT EXISTS moments_recording ON moments (recording_id, seq);

CREATE TABLE IF NOT EXISTS speakers (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  label text NOT NULL,
  seconds double precision NOT NULL DEFAULT 0,
  turns integer NOT NULL DEFAULT 0,
  PRIMARY KEY (recording_id, label)
);
CREATE INDEX IF NOT EXISTS speakers_label ON speakers (lower(label));

CREATE TABLE IF NOT EXISTS jobs (
  id text PRIMARY KEY,
  kind text NOT NULL,
  recording_id text,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  stage text,
  progress real NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  error text,
  payload jsonb,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created_at);

-- Small settings the archive must remember: the embedding model, the index generation.
CREATE TABLE IF NOT EXISTS archive_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);
