-- Ids a client chooses (sessions, projects) are its owner's alone: a user's rows are stored
-- as `<id>~<owner>`, so two users may pick the same id and neither learns of the other's.
-- Users from before this keep bare ids (as does the first user, who took the local rows).
ALTER TABLE users ADD COLUMN bare_ids INTEGER NOT NULL DEFAULT 0;
UPDATE users SET bare_ids = 1;
