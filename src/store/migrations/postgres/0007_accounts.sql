-- Accounts, as SQLite's 0007. With no user, every row belongs to the built-in local owner
-- ('local'); the first account made takes those rows and is an admin.
CREATE TABLE users (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    email                       TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name                TEXT COLLATE "C",
    password_hash               TEXT COLLATE "C" NOT NULL,
    is_admin                    BOOLEAN NOT NULL DEFAULT false,
    github_id                   TEXT COLLATE "C" UNIQUE,
    preferred_provider          TEXT COLLATE "C" NOT NULL DEFAULT 'claude',
    preferred_model             TEXT COLLATE "C" NOT NULL DEFAULT '',
    chat_verbosity_level        TEXT COLLATE "C" NOT NULL DEFAULT 'verbose',
    image_resize_max_dimension  BIGINT NOT NULL DEFAULT 1024,
    voice_command_keywords      TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    default_landing_page        TEXT COLLATE "C" NOT NULL DEFAULT 'store',
    -- credentials, sealed (AES-256-GCM under the server key): never in the clear here
    anthropic_key               TEXT COLLATE "C",
    claude_auth                 TEXT COLLATE "C",
    github_token                TEXT COLLATE "C",
    created_at                  TEXT COLLATE "C" NOT NULL,
    updated_at                  TEXT COLLATE "C" NOT NULL
);

-- Cookie logins: the id is the SHA-256 of the cookie's token (the token is never stored).
CREATE TABLE logins (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT COLLATE "C" NOT NULL,
    expires_ms  BIGINT NOT NULL
);
CREATE INDEX logins_user ON logins(user_id);

-- API keys for programs and the iOS app: stored as the SHA-256 of the key.
CREATE TABLE api_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT COLLATE "C" NOT NULL,
    prefix        TEXT COLLATE "C" NOT NULL,
    hash          TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at    TEXT COLLATE "C" NOT NULL,
    last_used_at  TEXT COLLATE "C"
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Every row has an owner: a user's id, or 'local'.
ALTER TABLE projects ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'local';
ALTER TABLE sessions ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'local';
CREATE INDEX sessions_owner ON sessions(owner, updated_at);
ALTER TABLE approvals ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'local';
ALTER TABLE responses ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'local';

-- A remembered "always allow" is its owner's alone.
ALTER TABLE tool_permissions ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'local';
ALTER TABLE tool_permissions DROP CONSTRAINT tool_permissions_pkey;
ALTER TABLE tool_permissions ADD PRIMARY KEY (owner, tool);
