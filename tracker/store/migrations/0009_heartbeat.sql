-- Version 9: a one-row table that /healthz writes (at most once a second per
-- process) to learn whether clicks can be written: a full disk, a read-only
-- database or a read-only PostgreSQL role fail this write as they fail a click.
CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);
