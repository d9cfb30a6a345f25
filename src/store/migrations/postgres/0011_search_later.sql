-- SQLite's 0011 moves its message indexing out of each insert. PostgreSQL's index is a stored
-- tsvector column maintained by the row's own write (0005), so nothing changes here; the
-- migration exists so both engines carry the same numbers.
SELECT 1;
