-- WebEDT's trash: a deleted session leaves every list until it is restored or purged.
ALTER TABLE sessions ADD COLUMN deleted_at TEXT;
CREATE INDEX sessions_deleted ON sessions(owner, deleted_at);

-- Each exchange with the upstream is its user's (their tokens and cost).
ALTER TABLE request_log ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';
CREATE INDEX request_log_owner ON request_log(owner, id);

-- GitHub OAuth: each authorization's state, kept server-side (single use, minutes long) and
-- bound to the login that asked; the PKCE verifier sealed.
CREATE TABLE oauth_states (
    id          TEXT PRIMARY KEY,     -- SHA-256 of the state sent to GitHub
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    login_id    TEXT,                 -- the cookie login that asked (NULL for an API key)
    verifier    TEXT NOT NULL,        -- sealed
    return_to   TEXT NOT NULL,        -- origin + hash path to send the browser back to
    expires_ms  INTEGER NOT NULL
);

-- Login and registration attempts, per client address and per email, in fixed windows: kept
-- in the store so that every instance counts the same attempts.
CREATE TABLE login_attempts (
    key         TEXT PRIMARY KEY,     -- `ip ADDRESS` or `email EMAIL`
    window_ms   INTEGER NOT NULL,        -- unix milliseconds the window began
    count       INTEGER NOT NULL
);
