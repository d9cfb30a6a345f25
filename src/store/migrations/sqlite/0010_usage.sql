-- Usage per owner, UTC day, model and source, added to as each exchange is logged: what stays
-- when the request log's rows expire (`request_log_days`). Filled from the log kept so far.
CREATE TABLE usage_daily (
    owner         TEXT NOT NULL,
    day           TEXT NOT NULL,
    model         TEXT NOT NULL,
    source        TEXT NOT NULL,
    requests      INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    input_tokens  INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd      REAL NOT NULL,
    PRIMARY KEY (owner, day, model, source)
);
CREATE INDEX usage_daily_day ON usage_daily(day);
INSERT INTO usage_daily
    SELECT owner, substr(created_at, 1, 10), COALESCE(model, ''), source, COUNT(*),
           SUM(CASE WHEN error IS NULL THEN 0 ELSE 1 END), SUM(input_tokens), SUM(output_tokens),
           SUM(cost_usd)
    FROM request_log GROUP BY 1, 2, 3, 4;
