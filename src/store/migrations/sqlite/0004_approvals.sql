-- One approval hub for every agent: clauded's own turns and runs, Claude Code's and Codex's
-- permission hooks. A request is answered once (allow, always or deny), from any instance on
-- the store; unanswered by its expiry, it counts as no answer.
CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    session_id   TEXT,              -- clauded's session, or the agent's own conversation id
    tool_use_id  TEXT,
    source       TEXT NOT NULL,     -- clauded, claude-code, codex
    tool         TEXT NOT NULL,
    input        TEXT NOT NULL,     -- JSON
    cwd          TEXT,
    created_at   TEXT NOT NULL,
    expires_ms   INTEGER NOT NULL,  -- unix milliseconds
    decision     TEXT,              -- allow | always | deny
    message      TEXT,
    decided_at   TEXT
);
CREATE INDEX approvals_pending ON approvals(decision, expires_ms);
CREATE INDEX approvals_tool_use ON approvals(session_id, tool_use_id);

-- What a phone's stream replays: each request and each answer, in order.
CREATE TABLE approval_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    approval_id  TEXT NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,     -- approval_request | approval_resolved
    created_at   TEXT NOT NULL
);
