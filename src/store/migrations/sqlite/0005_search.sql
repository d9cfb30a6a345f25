-- Full-text search over every stored message. What is searched is a message's text: its text
-- blocks, the names and inputs of its tool calls, and the text of tool results; the view
-- says how it comes out of the JSON blocks.
CREATE VIEW message_text AS
SELECT m.id AS id,
       (SELECT group_concat(t, char(10)) FROM (
            SELECT CASE json_extract(b.value, '$.type')
                WHEN 'text' THEN json_extract(b.value, '$.text')
                WHEN 'tool_use' THEN json_extract(b.value, '$.name') || ' ' || json_extract(b.value, '$.input')
                WHEN 'tool_result' THEN CASE json_type(b.value, '$.content')
                    WHEN 'text' THEN json_extract(b.value, '$.content')
                    WHEN 'array' THEN (SELECT group_concat(json_extract(c.value, '$.text'), char(10))
                                       FROM json_each(b.value, '$.content') c
                                       WHERE json_extract(c.value, '$.type') = 'text')
                END
            END AS t
            FROM json_each(m.content) b)) AS text
FROM messages m;

-- The index reads its text from the view (external content), so the text is not stored twice;
-- porter stems English words ("tests" finds "test"), unicode61 folds case and accents.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text,
    content = 'message_text',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Kept in step with the messages (deleting a session deletes its messages, and these fire).
-- An external-content index is told what it indexed when a row goes: before it goes.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) SELECT id, text FROM message_text WHERE id = new.id;
END;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', id, text FROM message_text WHERE id = old.id;
END;
CREATE TRIGGER messages_fts_update_old BEFORE UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', id, text FROM message_text WHERE id = old.id;
END;
CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) SELECT id, text FROM message_text WHERE id = new.id;
END;

-- the messages stored before this migration
INSERT INTO messages_fts (rowid, text) SELECT id, text FROM message_text;
