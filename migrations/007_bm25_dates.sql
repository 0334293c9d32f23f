-- The recording date on each posting, so a question about one year reads only that year's postings of its
-- terms (index on term, date) instead of scoring every posting and filtering afterwards: temporal routing
-- for the embedded BM25 index, as the per-decade indices are for Elasticsearch.
ALTER TABLE lex_postings ADD COLUMN IF NOT EXISTS recorded_at date;
UPDATE lex_postings p SET recorded_at = d.recorded_at
  FROM lex_docs d
  WHERE d.moment_id = p.moment_id AND d.recorded_at IS NOT NULL AND p.recorded_at IS NULL;
CREATE INDEX IF NOT EXISTS lex_postings_term_date ON lex_postings (term, recorded_at);
