-- Each recording as one document of the lexical index: the sum of its moments' term frequencies and lengths.
-- Archive-wide, meetings on one subject share the words of a question; BM25 over whole recordings tells the
-- one that keeps using them from one that uses them once, as evidence beside the moments' own scores
-- (src/retrieval/fusion.ts withDocumentEvidence). Screen text (OCR) is not talk and is left out. The
-- moments overlap a little, so a word said in an overlap counts twice: the same for every recording.
-- Document frequencies (lex_rec_terms) and the count and total length of the documents (lex_stats) are kept
-- beside them, as for moments, so that scoring reads only the question's terms and the candidates' rows.
CREATE TABLE IF NOT EXISTS lex_rec_postings (
  term text NOT NULL,
  recording_id text NOT NULL,
  tf int NOT NULL,
  PRIMARY KEY (term, recording_id)
);
-- (a recording's rows are removed by recording: a re-ingest, a deletion)
CREATE INDEX IF NOT EXISTS lex_rec_postings_recording ON lex_rec_postings (recording_id);
CREATE TABLE IF NOT EXISTS lex_rec_docs (
  recording_id text PRIMARY KEY,
  len int NOT NULL
);
CREATE TABLE IF NOT EXISTS lex_rec_terms (
  term text PRIMARY KEY,
  df int NOT NULL
);
ALTER TABLE lex_stats ADD COLUMN IF NOT EXISTS rec_n bigint NOT NULL DEFAULT 0;
ALTER TABLE lex_stats ADD COLUMN IF NOT EXISTS rec_total_len bigint NOT NULL DEFAULT 0;
INSERT INTO lex_rec_postings (term, recording_id, tf)
SELECT p.term, d.recording_id, sum(p.tf)::int
FROM lex_postings p JOIN lex_docs d USING (moment_id)
WHERE d.kind <> 'screen'
GROUP BY p.term, d.recording_id
ON CONFLICT DO NOTHING;
INSERT INTO lex_rec_docs (recording_id, len)
SELECT recording_id, sum(len)::int FROM lex_docs WHERE kind <> 'screen' GROUP BY recording_id
ON CONFLICT DO NOTHING;
INSERT INTO lex_rec_terms (term, df)
SELECT term, count(*)::int FROM lex_rec_postings GROUP BY term
ON CONFLICT (term) DO UPDATE SET df = excluded.df;
UPDATE lex_stats SET rec_n = (SELECT count(*) FROM lex_rec_docs), rec_total_len = (SELECT coalesce(sum(len), 0) FROM lex_rec_docs)
WHERE id = 1;
