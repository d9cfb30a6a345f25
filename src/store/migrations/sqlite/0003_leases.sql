-- One turn (or run) per session across processes: whoever holds a session's lease is
-- answering it. The holder renews its heartbeat; a lease whose expiry passed, or whose
-- process is gone, may be taken over.
CREATE TABLE session_leases (
    session_id    TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    owner         TEXT NOT NULL,     -- the holding process's instance id
    pid           INTEGER NOT NULL,
    host          TEXT NOT NULL,
    acquired_at   TEXT NOT NULL,
    heartbeat_ms  INTEGER NOT NULL,  -- unix milliseconds
    expires_ms    INTEGER NOT NULL
);

-- A user message whose turn failed before any answer: kept, but left out of the history
-- sent with later turns, so one bad message does not fail every turn after it.
ALTER TABLE messages ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
