-- Version 6: per-day rollups of the click log, so that a report reads
-- days x creators rows for ended days and only the days not rolled up yet
-- (today, normally) from `clicks`. See schema.sql for why each table is
-- shaped the way it is, and tracker/store/rollups.py for when a day is rolled up.

CREATE TABLE IF NOT EXISTS rollup_days (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,      -- 'rolling' (claimed, rows not written yet) | 'done'
    token       TEXT NOT NULL,      -- who claimed it: only that roller may mark it done
    rolled_at   TEXT NOT NULL,      -- when it was claimed, then when it was done
    PRIMARY KEY (campaign_id, day)
);

CREATE TABLE IF NOT EXISTS click_rollups (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,
    link_id     BIGINT NOT NULL,
    source      TEXT NOT NULL,
    clicks      BIGINT NOT NULL,    -- human clicks
    bot_clicks  BIGINT NOT NULL,
    visitors    BIGINT NOT NULL,    -- distinct human visitors of this link and source that day
    PRIMARY KEY (campaign_id, day, creator_id, link_id, source)
);

CREATE TABLE IF NOT EXISTS visitor_rollups (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,    -- 0 = all creators
    source      TEXT NOT NULL,      -- '*' = all sources
    visitors    BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, day, creator_id, source)
);

-- The report's audience section (since version 6, with the other rollups):
-- human clicks per day, creator and value of each dimension (country,
-- device, …; "link" and "qr_link" per link id, the latter QR scans only),
-- as clicks.py's audience_summary counts them. Clicks add up over days, so
-- a window's breakdowns are sums of these rows. `value` is text whatever
-- the dimension (a link id as its digits) and NULL for a click that did
-- not say, hence no primary key: the rows of a day are unique per
-- (creator_id, dimension, value) by construction (one GROUP BY).
CREATE TABLE IF NOT EXISTS audience_rollups (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    creator_id  BIGINT NOT NULL,
    dimension   TEXT NOT NULL,
    value       TEXT,
    clicks      BIGINT NOT NULL     -- human clicks
);
CREATE INDEX IF NOT EXISTS audience_rollups_day ON audience_rollups (campaign_id, day);

-- [sqlite]
CREATE TRIGGER IF NOT EXISTS clicks_late_rollup AFTER INSERT ON clicks
WHEN EXISTS (SELECT 1 FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day)
BEGIN
    DELETE FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    DELETE FROM click_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    DELETE FROM visitor_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    DELETE FROM audience_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
END;
-- [postgresql]
CREATE OR REPLACE FUNCTION clicks_late_rollup() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    IF EXISTS (SELECT 1 FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day) THEN
        DELETE FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
        DELETE FROM click_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
        DELETE FROM visitor_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
        DELETE FROM audience_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    END IF;
    RETURN NULL;
END';
CREATE OR REPLACE TRIGGER clicks_late_rollup AFTER INSERT ON clicks
    FOR EACH ROW EXECUTE FUNCTION clicks_late_rollup();
-- [both]
