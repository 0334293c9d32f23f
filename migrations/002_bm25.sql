-- Embedded Okapi BM25. Terms are Postgres' English Snowball lexemes (to_tsvector('english')), so the
-- analyser is the same on PGlite and on a server. Statistics are kept incrementally so a query reads
-- only the postings of its own terms.
CREATE TABLE IF NOT EXISTS lex_docs (
  moment_id text PRIMARY KEY,
  recording_id text NOT NULL,
  recorded_at date,
  collection text,
  speakers text[] NOT NULL DEFAULT '{}',
  len integer NOT NULL
);
CREATE INDEX IF NOT EXISTS lex_docs_recording ON lex_docs (recording_id);
CREATE INDEX IF NOT EXISTS lex_docs_recorded_at ON lex_docs (recorded_at);

CREATE TABLE IF NOT EXISTS lex_postings (
  term text NOT NULL,
  moment_id text NOT NULL,
  tf integer NOT NULL,
  -- the document length, copied here so unfiltered scoring never joins lex_docs
  len integer NOT NULL,
  PRIMARY KEY (term, moment_id)
);
CREATE INDEX IF NOT EXISTS lex_postings_moment ON lex_postings (moment_id);

CREATE TABLE IF NOT EXISTS lex_terms (
  term text PRIMARY KEY,
  df integer NOT NULL
);

CREATE TABLE IF NOT EXISTS lex_stats (
  id integer PRIMARY KEY CHECK (id = 1),
  n bigint NOT NULL,
  total_len bigint NOT NULL
);
INSERT INTO lex_stats (id, n, total_len) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING;
