-- MCP tool servers: stdio or HTTP, or one of clauded's built-in servers.
CREATE TABLE mcp_servers (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    transport   TEXT COLLATE "C" NOT NULL CHECK (transport IN ('stdio', 'http', 'builtin')),
    command     TEXT COLLATE "C",
    args        TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    env         TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    url         TEXT COLLATE "C",
    headers     TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    enabled     BOOLEAN NOT NULL DEFAULT true,
    scope       TEXT COLLATE "C" NOT NULL DEFAULT 'global' CHECK (scope IN ('global', 'project')),
    project_id  TEXT COLLATE "C" REFERENCES projects(id) ON DELETE CASCADE,
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

-- Which servers a session offers to Claude.
CREATE TABLE session_servers (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    server_id  TEXT COLLATE "C" NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, server_id)
);

-- Remembered answers: allow, ask or deny, per sanitised tool name.
CREATE TABLE tool_permissions (
    tool       TEXT COLLATE "C" PRIMARY KEY,
    decision   TEXT COLLATE "C" NOT NULL CHECK (decision IN ('allow', 'ask', 'deny')),
    updated_at TEXT COLLATE "C" NOT NULL
);

INSERT INTO mcp_servers (id, name, transport, created_at, updated_at) VALUES
    ('builtin-filesystem', 'filesystem', 'builtin',
     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    ('builtin-bash', 'bash', 'builtin',
     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
