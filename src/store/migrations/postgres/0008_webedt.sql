-- WebEDT's trash, as SQLite's 0008: a deleted session leaves every list until it is restored
-- or purged.
ALTER TABLE sessions ADD COLUMN deleted_at TEXT COLLATE "C";
CREATE INDEX sessions_deleted ON sessions(owner, deleted_at);

-- Each exchange with the upstream is its user's (their tokens and cost).
ALTER TABLE request_log ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'local';
CREATE INDEX request_log_owner ON request_log(owner, id);

-- GitHub OAuth: each authorization's state, kept server-side (single use, minutes long) and
-- bound to the login that asked; the PKCE verifier sealed.
CREATE TABLE oauth_states (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    login_id    TEXT COLLATE "C",
    verifier    TEXT COLLATE "C" NOT NULL,
    return_to   TEXT COLLATE "C" NOT NULL,
    expires_ms  BIGINT NOT NULL
);

-- Login and registration attempts, per client address and per email, in fixed windows: kept
-- in the store so that every instance counts the same attempts.
CREATE TABLE login_attempts (
    key         TEXT COLLATE "C" PRIMARY KEY,     -- `ip ADDRESS` or `email EMAIL`
    window_ms   BIGINT NOT NULL,        -- unix milliseconds the window began
    count       BIGINT NOT NULL
);
