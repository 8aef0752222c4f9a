-- Version 5: house in order.
--
-- api_tokens.last_used is dropped: nothing ever wrote it, and a column that
-- always reads NULL misleads whoever audits the tokens.
--
-- A failed token attempt is kept with its time to the microsecond, not
-- counted per minute, so the limit is a sliding 60-second window and a 429
-- can say when to retry. The rows only ever matter for a minute: start afresh.

ALTER TABLE api_tokens DROP COLUMN last_used;

DROP TABLE IF EXISTS auth_failures;

CREATE TABLE IF NOT EXISTS auth_failures (
    client   TEXT NOT NULL,
    at       TEXT NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (client, at)
);
