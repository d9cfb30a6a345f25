-- One turn (or run) per session across processes: whoever holds a session's lease is
-- answering it. The holder renews its heartbeat; a lease whose expiry passed, or whose
-- process is gone, may be taken over.
CREATE TABLE session_leases (
    session_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    owner         TEXT COLLATE "C" NOT NULL,     -- the holding process's instance id
    pid           BIGINT NOT NULL,
    host          TEXT COLLATE "C" NOT NULL,
    acquired_at   TEXT COLLATE "C" NOT NULL,
    heartbeat_ms  BIGINT NOT NULL,               -- unix milliseconds
    expires_ms    BIGINT NOT NULL
);
-- what a sweep for lapsed leases reads
CREATE INDEX session_leases_expires ON session_leases(expires_ms);

-- A user message whose turn failed before any answer: kept, but left out of the history
-- sent with later turns, so one bad message does not fail every turn after it.
ALTER TABLE messages ADD COLUMN unanswered BOOLEAN NOT NULL DEFAULT false;
