-- Version 13 (PostgreSQL): the live day counted up to a point of the click
-- log, as SQLite does since version 11 (tracker/store/partials.py says why
-- this is exact; schema.sql says what each column holds).
--
-- Click ids are random text, so the click log gets a position: `seq`, from
-- a sequence, given by its default as the click is inserted. Existing
-- clicks are numbered by the ALTER (a volatile default rewrites the click
-- log once, about as long as version 12's index rebuild: clicks wait;
-- upgrade in a quiet moment). The index on `seq` finds the newest clicks
-- of the current month's partition.
-- [postgresql]
CREATE SEQUENCE IF NOT EXISTS clicks_seq AS BIGINT CACHE 1;
ALTER TABLE clicks ADD COLUMN IF NOT EXISTS seq BIGINT NOT NULL DEFAULT nextval('clicks_seq');
CREATE INDEX IF NOT EXISTS clicks_by_seq ON clicks (seq);
CREATE TABLE IF NOT EXISTS partial_marks (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    through_seq BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day)
);
CREATE TABLE IF NOT EXISTS click_partials (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,
    source      TEXT NOT NULL,
    clicks      BIGINT NOT NULL,
    bot_clicks  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, creator_id, source)
);
CREATE TABLE IF NOT EXISTS visitor_partials (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    visitor     TEXT COLLATE "C" NOT NULL,
    creator_id  BIGINT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, day, visitor, creator_id, source)
);
CREATE TABLE IF NOT EXISTS visitor_partial_counts (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,
    source      TEXT NOT NULL,
    visitors    BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, creator_id, source)
);
CREATE TABLE IF NOT EXISTS audience_partials (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,
    dimension   TEXT NOT NULL,
    value       TEXT,
    clicks      BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS audience_partials_day ON audience_partials (campaign_id, day);
-- [both]
