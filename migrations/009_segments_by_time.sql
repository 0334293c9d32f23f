-- A search reads the cues around each result's best moment to find the sentence its link opens on: the cues
-- of one recording that start in a short time range, by index rather than every cue of the recording.
CREATE INDEX IF NOT EXISTS segments_recording_start ON segments (recording_id, start_s);
