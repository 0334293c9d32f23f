-- Moments are of two kinds: 'speech' (transcript windows, everything indexed before video) and 'screen' (the text
-- read off a video's keyframe, at the frame's time). The kind lives on the moment, on its lexical document and on
-- its embedding, so a search filtered by kind is answered by each index itself.
ALTER TABLE moments ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'speech';
ALTER TABLE lex_docs ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'speech';
-- Screen documents are few beside speech: a kind filter reads the screen ids by this index (kind=screen keeps
-- them, kind=speech leaves them out), never a list of every speech document.
CREATE INDEX IF NOT EXISTS lex_docs_screen ON lex_docs (moment_id) WHERE kind = 'screen';

-- The embeddings table is created by the vector index when it is first opened (its dimension is the model's).
DO $$
BEGIN
  IF to_regclass('embeddings') IS NOT NULL THEN
    ALTER TABLE embeddings ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'speech';
  END IF;
END $$;

-- A video's keyframes: when each was taken, the text read off it (after the OCR filter; '' when none), and its
-- thumbnail in the blob store. Replaced with the recording's content, removed with the recording.
CREATE TABLE IF NOT EXISTS frames (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  n integer NOT NULL,
  at_s double precision NOT NULL,
  text text NOT NULL DEFAULT '',
  thumb_key text NOT NULL,
  PRIMARY KEY (recording_id, n)
);
