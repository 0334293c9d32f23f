-- Chapters of a recording (topic segments with short keyword titles), computed at ingest.
CREATE TABLE IF NOT EXISTS chapters (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  start_s double precision NOT NULL,
  end_s double precision NOT NULL,
  title text NOT NULL,
  keywords text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (recording_id, seq)
);
