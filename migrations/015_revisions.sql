-- Corrections to a recording's metadata and transcript lines, kept as revisions: who, when, and each changed
-- field's value before and after (API field names). Only appended, never updated; removed with the recording.
CREATE TABLE IF NOT EXISTS revisions (
  id bigserial PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  target text NOT NULL CHECK (target IN ('recording', 'segment')),
  -- The transcript line (segments.seq) a 'segment' revision changed.
  seq integer,
  before jsonb NOT NULL,
  after jsonb NOT NULL,
  -- The revision this one undid, when it was a revert.
  revert_of bigint
);
CREATE INDEX IF NOT EXISTS revisions_recording ON revisions (recording_id, id DESC);
