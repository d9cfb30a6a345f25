-- MCP tool servers: stdio or HTTP, or one of clauded's built-in servers.
CREATE TABLE mcp_servers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    transport   TEXT NOT NULL CHECK (transport IN ('stdio', 'http', 'builtin')),
    command     TEXT,
    args        TEXT NOT NULL DEFAULT '[]',
    env         TEXT NOT NULL DEFAULT '{}',
    url         TEXT,
    headers     TEXT NOT NULL DEFAULT '{}',
    enabled     INTEGER NOT NULL DEFAULT 1,
    scope       TEXT NOT NULL DEFAULT 'global' CHECK (scope IN ('global', 'project')),
    project_id  TEXT REFERENCES projects(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Which servers a session offers to Claude.
CREATE TABLE session_servers (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    server_id  TEXT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, server_id)
);

-- Remembered answers: allow, ask or deny, per sanitised tool name.
CREATE TABLE tool_permissions (
    tool       TEXT PRIMARY KEY,
    decision   TEXT NOT NULL CHECK (decision IN ('allow', 'ask', 'deny')),
    updated_at TEXT NOT NULL
);

INSERT INTO mcp_servers (id, name, transport, created_at, updated_at) VALUES
    ('builtin-filesystem', 'filesystem', 'builtin', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('builtin-bash', 'bash', 'builtin', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
