-- The function words of a Spanish or German question as the words-as-said space ('*|') holds them: "con", "la",
-- "die". They count toward a moment's score there (a question's own phrases, "la huelga"), but nearly every
-- moment of the language holds them, so sharing them alone does not make a moment match the question (search,
-- count and facets: src/indexes/lexical/postgres.ts). Empty for a question made of function words alone, which
-- they are all there is to read by, and for any other language (lex_query_terms reads no English stop word).
CREATE OR REPLACE FUNCTION lex_query_function_terms(q text, lang text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ WITH w AS (
      SELECT w, to_tsvector(CASE lang WHEN 'es' THEN 'spanish' ELSE 'german' END::regconfig, w) = ''::tsvector AS stop
      FROM regexp_split_to_table(q, '\s+') AS w
      WHERE lang IN ('es', 'de'))
    SELECT coalesce(array_agg(DISTINCT '*|' || t), '{}')
    FROM w CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple', w.w))) AS t
    WHERE w.stop AND EXISTS (SELECT 1 FROM w AS other WHERE NOT other.stop) $$;
