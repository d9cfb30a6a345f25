-- Accounts. With no user, every row belongs to the built-in local owner ('local'); the first
-- account made takes those rows and is an admin. WebEDT's `users`, with its settings as columns.
CREATE TABLE users (
    id                          TEXT PRIMARY KEY,      -- 16 base32 characters
    email                       TEXT NOT NULL UNIQUE,  -- trimmed, lowercased
    display_name                TEXT,
    password_hash               TEXT NOT NULL,         -- PHC Argon2id (or an imported bcrypt)
    is_admin                    INTEGER NOT NULL DEFAULT 0,
    github_id                   TEXT UNIQUE,
    preferred_provider          TEXT NOT NULL DEFAULT 'claude',
    preferred_model             TEXT NOT NULL DEFAULT '',
    chat_verbosity_level        TEXT NOT NULL DEFAULT 'verbose',
    image_resize_max_dimension  INTEGER NOT NULL DEFAULT 1024,
    voice_command_keywords      TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    default_landing_page        TEXT NOT NULL DEFAULT 'store',
    -- credentials, sealed (AES-256-GCM under the server key): never in the clear here
    anthropic_key               TEXT,
    claude_auth                 TEXT,
    github_token                TEXT,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL
);

-- Cookie logins: the id is the SHA-256 of the cookie's token (the token is never stored).
CREATE TABLE logins (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL     -- unix milliseconds; slides while in use
);
CREATE INDEX logins_user ON logins(user_id);

-- API keys for programs and the iOS app: stored as the SHA-256 of the key.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,     -- the key's first characters, to tell keys apart
    hash          TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Every row has an owner: a user's id, or 'local'.
ALTER TABLE projects ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';
ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';
CREATE INDEX sessions_owner ON sessions(owner, updated_at);
ALTER TABLE approvals ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';
ALTER TABLE responses ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';

-- A remembered "always allow" is its owner's alone.
-- (owner last, as PostgreSQL's ALTER TABLE puts it: `db copy` compares the columns)
CREATE TABLE tool_permissions_owned (
    tool       TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('allow', 'ask', 'deny')),
    updated_at TEXT NOT NULL,
    owner      TEXT NOT NULL DEFAULT 'local',
    PRIMARY KEY (owner, tool)
);
INSERT INTO tool_permissions_owned (tool, decision, updated_at, owner)
    SELECT tool, decision, updated_at, 'local' FROM tool_permissions;
DROP TABLE tool_permissions;
ALTER TABLE tool_permissions_owned RENAME TO tool_permissions;
