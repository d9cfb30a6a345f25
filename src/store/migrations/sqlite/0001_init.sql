-- Projects group sessions; a project may point at a directory.
CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    path        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A conversation (or an agent run): its settings and status.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    title         TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL,
    system_prompt TEXT,
    status        TEXT NOT NULL DEFAULT 'idle',
    source        TEXT NOT NULL DEFAULT 'cli',
    metadata      TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX sessions_project ON sessions(project_id);
CREATE INDEX sessions_updated ON sessions(updated_at);

-- Turns of a conversation; content is the Messages API block array as JSON.
CREATE TABLE messages (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id            TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role                  TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content               TEXT NOT NULL,
    model                 TEXT,
    stop_reason           TEXT,
    input_tokens          INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
    cost_usd              REAL NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL
);
CREATE INDEX messages_session ON messages(session_id, id);

-- Append-only log of what happened in a session; the id orders replay.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX events_session ON events(session_id, id);

-- One row per exchange with the upstream API, from any front end.
CREATE TABLE request_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at        TEXT NOT NULL,
    source            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    session_id        TEXT,
    model             TEXT,
    status            INTEGER,
    latency_ms        INTEGER NOT NULL,
    input_tokens      INTEGER NOT NULL DEFAULT 0,
    output_tokens     INTEGER NOT NULL DEFAULT 0,
    cost_usd          REAL NOT NULL DEFAULT 0,
    upstream_request_id TEXT,
    error             TEXT
);
CREATE INDEX request_log_created ON request_log(created_at);

-- Small cached documents (the upstream model list).
CREATE TABLE cache (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    stored_at  INTEGER NOT NULL
);
