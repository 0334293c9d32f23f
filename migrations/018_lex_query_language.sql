-- A question in a known language ('en', 'es', 'de'): its own language reads all of it, as does the exact-form
-- space ('*|') when that language is Spanish or German (the words as said carry its phrases). The other
-- languages read it without its own stop words: a German question's article "die" is not the English verb, nor
-- an English question's "once" the Spanish number, while a name or a number still matches in every language.
-- A NULL language is read by every language whole, as lex_query_terms(q) does.
CREATE OR REPLACE FUNCTION lex_query_terms(q text, lang text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ WITH rest AS (
      SELECT coalesce(string_agg(w, ' '), '') AS text FROM regexp_split_to_table(q, '\s+') AS w
      WHERE lang IS NULL OR CASE lang WHEN 'es' THEN to_tsvector('spanish', w) WHEN 'de' THEN to_tsvector('german', w) ELSE to_tsvector('english', w) END <> ''::tsvector)
    SELECT tsvector_to_array(to_tsvector('english', CASE WHEN coalesce(lang, 'en') = 'en' THEN q ELSE rest.text END))
      || ARRAY(SELECT 'es|' || t FROM unnest(tsvector_to_array(to_tsvector('spanish', CASE WHEN coalesce(lang, 'es') = 'es' THEN q ELSE rest.text END))) AS t)
      || ARRAY(SELECT 'de|' || t FROM unnest(tsvector_to_array(to_tsvector('german', CASE WHEN coalesce(lang, 'de') = 'de' THEN q ELSE rest.text END))) AS t)
      || ARRAY(SELECT '*|' || t FROM unnest(tsvector_to_array(to_tsvector('simple', CASE WHEN lang = 'en' THEN rest.text ELSE q END))) AS t)
    FROM rest $$;
