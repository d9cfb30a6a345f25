-- Usage per owner, UTC day, model and source, as SQLite's 0010: what stays when the request
-- log's rows expire. Filled from the log kept so far.
CREATE TABLE usage_daily (
    owner         TEXT COLLATE "C" NOT NULL,
    day           TEXT COLLATE "C" NOT NULL,
    model         TEXT COLLATE "C" NOT NULL,
    source        TEXT COLLATE "C" NOT NULL,
    requests      BIGINT NOT NULL,
    errors        BIGINT NOT NULL,
    input_tokens  BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cost_usd      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (owner, day, model, source)
);
CREATE INDEX usage_daily_day ON usage_daily(day);
INSERT INTO usage_daily
    SELECT owner, substr(created_at, 1, 10), COALESCE(model, ''), source, COUNT(*),
           SUM(CASE WHEN error IS NULL THEN 0 ELSE 1 END), SUM(input_tokens)::BIGINT,
           SUM(output_tokens)::BIGINT, SUM(cost_usd)
    FROM request_log GROUP BY 1, 2, 3, 4;
