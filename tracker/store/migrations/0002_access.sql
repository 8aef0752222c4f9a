-- Version 2: who may do what. API tokens (only a hash is kept), a share
-- secret per campaign (rotating it revokes every share link), and failed
-- token attempts per client and minute (the client is a keyed hash, not an
-- address).

CREATE TABLE IF NOT EXISTS api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    campaign_id BIGINT REFERENCES campaigns (id),
    read_only   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    last_used   TEXT
);

CREATE TABLE IF NOT EXISTS share_secrets (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    secret      TEXT NOT NULL,
    rotated_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS auth_failures (
    client   TEXT NOT NULL,
    minute   TEXT NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (client, minute)
);
