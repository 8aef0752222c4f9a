-- Version 11 (SQLite only): the live day counted up to a point of the click
-- log, so that a report reads only the clicks after it
-- (tracker/store/partials.py; schema.sql says what each column holds).
-- [sqlite]
CREATE TABLE IF NOT EXISTS partial_marks (
    campaign_id   BIGINT NOT NULL,
    day           TEXT NOT NULL,
    through_rowid BIGINT NOT NULL,
    through_id    TEXT NOT NULL,
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
-- Each human visitor counted so far, once per creator and source: visitor
-- first, so that "seen before, with this creator / source / at all" is a
-- seek for every grouping of visitor_partial_counts.
CREATE TABLE IF NOT EXISTS visitor_partials (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    visitor     TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, day, visitor, creator_id, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS visitor_partial_counts (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,    -- 0 = all creators
    source      TEXT NOT NULL,      -- '*' = all sources
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
