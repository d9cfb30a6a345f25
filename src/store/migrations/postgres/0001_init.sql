-- The same tables as SQLite's 0001. Text compares and sorts byte by byte (COLLATE "C"), as
-- SQLite's does, whatever the database's locale: ids, names and RFC 3339 times order alike on
-- both engines. JSON stays text, stored as written (key order kept) and parsed by clauded.

-- Projects group sessions; a project may point at a directory.
CREATE TABLE projects (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    path        TEXT COLLATE "C",
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

-- A conversation (or an agent run): its settings and status. `seq` is the insertion order,
-- the tie-break SQLite's rowid gives between sessions active at the same millisecond.
CREATE TABLE sessions (
    id            TEXT COLLATE "C" PRIMARY KEY,
    seq           BIGINT GENERATED ALWAYS AS IDENTITY,
    project_id    TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    title         TEXT COLLATE "C" NOT NULL DEFAULT '',
    model         TEXT COLLATE "C" NOT NULL,
    system_prompt TEXT COLLATE "C",
    status        TEXT COLLATE "C" NOT NULL DEFAULT 'idle',
    source        TEXT COLLATE "C" NOT NULL DEFAULT 'cli',
    metadata      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    created_at    TEXT COLLATE "C" NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_project ON sessions(project_id);
CREATE INDEX sessions_updated ON sessions(updated_at, seq);

-- Turns of a conversation; content is the Messages API block array as JSON.
CREATE TABLE messages (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id            TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role                  TEXT COLLATE "C" NOT NULL CHECK (role IN ('user', 'assistant')),
    content               TEXT COLLATE "C" NOT NULL,
    model                 TEXT COLLATE "C",
    stop_reason           TEXT COLLATE "C",
    input_tokens          BIGINT NOT NULL DEFAULT 0,
    output_tokens         BIGINT NOT NULL DEFAULT 0,
    cache_creation_tokens BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens     BIGINT NOT NULL DEFAULT 0,
    cost_usd              DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at            TEXT COLLATE "C" NOT NULL
);
CREATE INDEX messages_session ON messages(session_id, id);

-- Append-only log of what happened in a session; the id orders replay.
CREATE TABLE events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind       TEXT COLLATE "C" NOT NULL,
    data       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX events_session ON events(session_id, id);

-- One row per exchange with the upstream API, from any front end.
CREATE TABLE request_log (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at          TEXT COLLATE "C" NOT NULL,
    source              TEXT COLLATE "C" NOT NULL,
    endpoint            TEXT COLLATE "C" NOT NULL,
    session_id          TEXT COLLATE "C",
    model               TEXT COLLATE "C",
    status              BIGINT,
    latency_ms          BIGINT NOT NULL,
    input_tokens        BIGINT NOT NULL DEFAULT 0,
    output_tokens       BIGINT NOT NULL DEFAULT 0,
    cost_usd            DOUBLE PRECISION NOT NULL DEFAULT 0,
    upstream_request_id TEXT COLLATE "C",
    error               TEXT COLLATE "C"
);
CREATE INDEX request_log_created ON request_log(created_at);

-- Small cached documents (the upstream model list).
CREATE TABLE cache (
    key        TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT COLLATE "C" NOT NULL,
    stored_at  BIGINT NOT NULL
);
