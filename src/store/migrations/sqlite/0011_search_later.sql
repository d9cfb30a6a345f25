-- Messages are indexed for search in batches instead of by a trigger in every insert (the
-- trigger cost about 90 µs of each message's write transaction: FTS5 writes a segment per
-- transaction). `search_progress.upto` is the last message id indexed; search catches up
-- before it reads, and the server catches up every second. Ids never come back
-- (AUTOINCREMENT), so every message above `upto` is waiting and none below is.
CREATE TABLE search_progress (upto INTEGER NOT NULL);
INSERT INTO search_progress (upto) SELECT COALESCE(MAX(id), 0) FROM messages;

DROP TRIGGER messages_fts_insert;

-- only what was indexed is taken out of the index (a row it never had would corrupt it)
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages
WHEN old.id <= (SELECT upto FROM search_progress) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', id, text FROM message_text WHERE id = old.id;
END;
DROP TRIGGER messages_fts_update_old;
CREATE TRIGGER messages_fts_update_old BEFORE UPDATE OF content ON messages
WHEN old.id <= (SELECT upto FROM search_progress) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', id, text FROM message_text WHERE id = old.id;
END;
DROP TRIGGER messages_fts_update_new;
CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF content ON messages
WHEN new.id <= (SELECT upto FROM search_progress) BEGIN
    INSERT INTO messages_fts (rowid, text) SELECT id, text FROM message_text WHERE id = new.id;
END;
