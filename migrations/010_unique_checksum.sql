-- One recording per file, whatever process stores it: several API processes on one Postgres server each look
-- a file up by its sha256 before storing it, and only the database can make that look-up and the insert one
-- step. Recordings without media (transcripts) have no checksum: NULLs do not collide.
--
-- An archive may already hold the same file twice (stored by two processes at once). The oldest recording
-- keeps the checksum (it is the one an upload of that file is answered with); the others keep everything but
-- the checksum, and each cleared checksum is written to the audit log (action recording.checksum_cleared,
-- details: the checksum and the recording that kept it), so nothing is lost.
INSERT INTO audit_log (actor, action, target, details)
SELECT 'migration 010_unique_checksum', 'recording.checksum_cleared', id, jsonb_build_object('checksum', checksum, 'kept_by', keeper)
FROM (
  SELECT id, checksum, first_value(id) OVER w AS keeper, row_number() OVER w AS n
  FROM recordings WHERE checksum IS NOT NULL
  WINDOW w AS (PARTITION BY checksum ORDER BY created_at, id)
) d
WHERE n > 1;

UPDATE recordings r SET checksum = NULL, updated_at = now()
FROM (
  SELECT id, row_number() OVER (PARTITION BY checksum ORDER BY created_at, id) AS n
  FROM recordings WHERE checksum IS NOT NULL
) d
WHERE r.id = d.id AND d.n > 1;

DROP INDEX IF EXISTS recordings_checksum;
CREATE UNIQUE INDEX IF NOT EXISTS recordings_checksum_unique ON recordings (checksum);

-- One open media job per recording: two processes given the same recording at once would otherwise both
-- start one. Open duplicates already there are settled as a newer submission settles an older one: the
-- newest stays, the others fail as superseded.
UPDATE jobs j SET status = 'failed', error = 'superseded by a newer ingest of the same recording', updated_at = now()
FROM (
  SELECT id, row_number() OVER (PARTITION BY recording_id ORDER BY created_at DESC, id DESC) AS n
  FROM jobs WHERE kind = 'ingest-media' AND recording_id IS NOT NULL AND status IN ('queued', 'running')
) d
WHERE j.id = d.id AND d.n > 1;

CREATE UNIQUE INDEX IF NOT EXISTS jobs_open_media ON jobs (recording_id) WHERE kind = 'ingest-media' AND status IN ('queued', 'running');
