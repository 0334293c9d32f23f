-- Each language's moments are analysed with its own Snowball configuration, their terms kept in a space of
-- their own: English terms as they are (so an English archive is unchanged), Spanish and German ones prefixed
-- 'es|' and 'de|', words of other languages unstemmed under '*|'. A query is analysed in every language, so
-- it matches each moment by that moment's own stems, and names and numbers across languages.
CREATE OR REPLACE FUNCTION lex_query_terms(q text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT tsvector_to_array(to_tsvector('english', q))
    || ARRAY(SELECT 'es|' || t FROM unnest(tsvector_to_array(to_tsvector('spanish', q))) AS t)
    || ARRAY(SELECT 'de|' || t FROM unnest(tsvector_to_array(to_tsvector('german', q))) AS t)
    || ARRAY(SELECT '*|' || t FROM unnest(tsvector_to_array(to_tsvector('simple', q))) AS t) $$;
