-- Responses API objects kept for `GET /v1/responses/{id}` and `previous_response_id`: the
-- response as it was sent, and the input items it answered (the previous ones included), so a
-- follow-up continues from input + output without the client resending them.
CREATE TABLE responses (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    model       TEXT NOT NULL,
    input       TEXT NOT NULL,      -- JSON array of input items
    response    TEXT NOT NULL       -- JSON response object
);
CREATE INDEX responses_created ON responses(created_at);
