-- Ids a client chooses (sessions, projects) are its owner's alone, as SQLite's 0009: a user's
-- rows are stored as `<id>~<owner>`; users from before this (and the first user, who took the
-- local rows) keep bare ids.
ALTER TABLE users ADD COLUMN bare_ids BOOLEAN NOT NULL DEFAULT false;
UPDATE users SET bare_ids = true;
