-- One approval hub for every agent: clauded's own turns and runs, Claude Code's and Codex's
-- permission hooks. A request is answered once (allow, always or deny), from any instance on
-- the store; unanswered by its expiry, it counts as no answer.
CREATE TABLE approvals (
    id           TEXT COLLATE "C" PRIMARY KEY,
    session_id   TEXT COLLATE "C",              -- clauded's session, or the agent's own conversation id
    tool_use_id  TEXT COLLATE "C",
    source       TEXT COLLATE "C" NOT NULL,     -- clauded, claude-code, codex
    tool         TEXT COLLATE "C" NOT NULL,
    input        TEXT COLLATE "C" NOT NULL,     -- JSON
    cwd          TEXT COLLATE "C",
    created_at   TEXT COLLATE "C" NOT NULL,
    expires_ms   BIGINT NOT NULL,               -- unix milliseconds
    decision     TEXT COLLATE "C",              -- allow | always | deny
    message      TEXT COLLATE "C",
    decided_at   TEXT COLLATE "C"
);
CREATE INDEX approvals_pending ON approvals(decision, expires_ms);
CREATE INDEX approvals_tool_use ON approvals(session_id, tool_use_id);

-- What a phone's stream replays: each request and each answer, in order.
CREATE TABLE approval_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    approval_id  TEXT COLLATE "C" NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
    kind         TEXT COLLATE "C" NOT NULL,     -- approval_request | approval_resolved
    created_at   TEXT COLLATE "C" NOT NULL
);
