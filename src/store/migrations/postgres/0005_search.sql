-- Full-text search over every stored message. What is searched is a message's text: its text
-- blocks, the names and inputs of its tool calls, and the text of tool results, as SQLite's
-- message_text view takes them out of the JSON blocks.
--
-- jsonb refuses the escape \u0000 (a NUL in a tool's output, say), so before parsing, each such
-- escape (one not itself preceded by an escaping backslash) reads as U+FFFD; only the search
-- text sees this, the stored content is untouched.
CREATE FUNCTION clauded_message_text(content TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT string_agg(t, chr(10) ORDER BY n) FROM (
    SELECT n, CASE b->>'type'
        WHEN 'text' THEN b->>'text'
        WHEN 'tool_use' THEN (b->>'name') || ' ' || (b->'input')::text
        WHEN 'tool_result' THEN CASE jsonb_typeof(b->'content')
            WHEN 'string' THEN b->>'content'
            WHEN 'array' THEN (SELECT string_agg(c->>'text', chr(10) ORDER BY i)
                               FROM jsonb_array_elements(b->'content') WITH ORDINALITY AS r(c, i)
                               WHERE c->>'type' = 'text')
        END
    END AS t
    FROM jsonb_array_elements(
        regexp_replace(content, '(?<!\\)((?:\\\\)*)\\u0000', '\1\\ufffd', 'g')::jsonb
    ) WITH ORDINALITY AS e(b, n)
) blocks
$$;

-- English stemming ("tests" finds "test", "blocks" finds "blocking") without English stop
-- words, as SQLite's porter tokenizer, which drops no word: "the" and "or" are found too.
CREATE TEXT SEARCH DICTIONARY clauded_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION clauded_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION clauded_english
    ALTER MAPPING REPLACE english_stem WITH clauded_english_stem;

-- Filled for the rows already there when the column is added, then kept in step by PostgreSQL.
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('clauded_english'::regconfig, coalesce(clauded_message_text(content), ''))) STORED;
CREATE INDEX messages_search ON messages USING gin (search);
