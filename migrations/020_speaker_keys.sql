-- A moment's speaker labels in lower case, for the vector index's speaker index (src/indexes/vector/pgvector.ts):
-- a speaker filter matches a label whatever its case.
CREATE OR REPLACE FUNCTION speaker_keys(labels text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(lower(l)), '{}') FROM unnest(labels) AS l $$;
