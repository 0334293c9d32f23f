-- Completing a presigned upload is claimed in the database ('completing'), so that two API processes
-- asked to complete one upload at once do not both check, move and submit its file.
ALTER TABLE uploads DROP CONSTRAINT IF EXISTS uploads_status_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_status_check CHECK (status IN ('pending', 'completing', 'completed'));
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS claimed_at timestamptz;
