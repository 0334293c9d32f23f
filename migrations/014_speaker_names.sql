-- Speakers as archive entities: the name an archivist gave a speaker label of one recording ("SPEAKER_00" →
-- "Margaret Hale"; two labels given one name are merged). Kept apart from the content so that a re-ingest or a
-- new diarization of the recording writes its segments, moments and speakers under the names again.
CREATE TABLE IF NOT EXISTS speaker_names (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  label text NOT NULL,
  name text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, label)
);

-- The label a segment's speaker came with (the transcript's or diarization's), while `speaker` holds what is
-- shown and searched: its name when it has one. NULL on segments written before names: the speaker is the label.
ALTER TABLE segments ADD COLUMN IF NOT EXISTS label text;

-- The archive-wide speaker list filters by prefix ("mar" → "Margaret Hale").
CREATE INDEX IF NOT EXISTS speakers_label_prefix ON speakers (lower(label) text_pattern_ops);
