-- A query's postings are read from the primary key alone (an index-only scan): the key carries what scoring
-- reads (tf, len) and what a date filter reads (recorded_at). Read from the table, a term's postings are one
-- heap page each, spread over every recording's pages: most of an uncached search's time on a large archive.
-- Index-only scans need the table's pages marked all-visible, which VACUUM does (the embedded database has
-- no autovacuum: the lexical index runs it after each write, src/indexes/lexical/postgres.ts).
ALTER TABLE lex_postings DROP CONSTRAINT IF EXISTS lex_postings_pkey;
ALTER TABLE lex_postings ADD CONSTRAINT lex_postings_pkey PRIMARY KEY (term, moment_id) INCLUDE (tf, len, recorded_at);
