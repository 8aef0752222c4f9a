-- Version 10: a click log that can be kept for a year and pruned.
--
-- On PostgreSQL `clicks` becomes a table partitioned by RANGE on `day` (the
-- campaign-local 'YYYY-MM-DD'), one partition per calendar month
-- (clicks_2026_11 holds ['2026-11-01', '2026-12-01')) and a DEFAULT
-- partition as a safety net; the store creates the partitions of the
-- current and the next two months ahead (PostgresStore.ensure_click_partitions).
-- A partitioned table's primary key must hold the partition key: it is
-- (id, day) now. Existing rows are moved: the old table is renamed, the
-- partitioned one created with a partition for every month that has clicks,
-- the rows copied, the old table dropped; the index and the trigger are
-- made anew on the partitioned table (after the copy: the copy must not
-- reopen rolled-up days). This rewrites the whole click log in one
-- transaction, and clicks wait for it: upgrade in a quiet moment.
--
-- On both databases: `tracker prune` may mark a rolled-up day 'pruned'
-- (its raw clicks deleted, its rollups kept). The trigger refuses a click
-- into such a day, which would otherwise reopen it and lose the pruned
-- clicks from its numbers. kept_clicks holds what attribution reads of the
-- pruned clicks that orders name.

CREATE TABLE IF NOT EXISTS kept_clicks (
    id          TEXT PRIMARY KEY,
    link_id     BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    creator_id  BIGINT NOT NULL,
    at          TEXT NOT NULL,
    day         TEXT NOT NULL,
    source      TEXT NOT NULL,
    is_bot      INTEGER NOT NULL
);

-- [sqlite]
DROP TRIGGER IF EXISTS clicks_late_rollup;
CREATE TRIGGER IF NOT EXISTS clicks_late_rollup AFTER INSERT ON clicks
WHEN EXISTS (SELECT 1 FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day)
BEGIN
    SELECT RAISE(ABORT, 'this click''s day was pruned (tracker prune): a click into it is refused, it would be lost from the report')
     WHERE EXISTS (SELECT 1 FROM rollup_days
                    WHERE campaign_id = NEW.campaign_id AND day = NEW.day AND state = 'pruned');
    DELETE FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    DELETE FROM click_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    DELETE FROM visitor_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    DELETE FROM audience_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
END;
-- [postgresql]
ALTER TABLE clicks RENAME TO clicks_unpartitioned;
DROP TRIGGER IF EXISTS clicks_late_rollup ON clicks_unpartitioned;
DROP INDEX IF EXISTS clicks_report;
ALTER TABLE clicks_unpartitioned DROP CONSTRAINT IF EXISTS clicks_pkey;
ALTER TABLE clicks_unpartitioned DROP CONSTRAINT IF EXISTS clicks_link_id_fkey;

CREATE TABLE clicks (
    id            TEXT NOT NULL,
    link_id       BIGINT NOT NULL REFERENCES links (id),
    campaign_id   BIGINT NOT NULL,
    creator_id    BIGINT NOT NULL,
    at            TEXT NOT NULL,
    day           TEXT NOT NULL,
    referrer      TEXT,
    referrer_host TEXT,
    user_agent    TEXT,
    device        TEXT,
    os            TEXT,
    browser       TEXT,
    in_app        TEXT,
    source        TEXT NOT NULL,
    platform      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    ad_click_id   TEXT,
    is_bot        INTEGER NOT NULL,
    visitor       TEXT NOT NULL,
    country       TEXT,
    language      TEXT,
    qr            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE TABLE clicks_default PARTITION OF clicks DEFAULT;

DO '
DECLARE
    month TEXT;
BEGIN
    FOR month IN SELECT DISTINCT substr(day, 1, 7) FROM clicks_unpartitioned ORDER BY 1 LOOP
        EXECUTE format(''CREATE TABLE %I PARTITION OF clicks FOR VALUES FROM (%L) TO (%L)'',
                       ''clicks_'' || replace(month, ''-'', ''_''), month || ''-01'',
                       to_char(to_date(month || ''-01'', ''YYYY-MM-DD'') + interval ''1 month'',
                               ''YYYY-MM-DD''));
    END LOOP;
END';

INSERT INTO clicks (id, link_id, campaign_id, creator_id, at, day, referrer, referrer_host,
                    user_agent, device, os, browser, in_app, source, platform, reason,
                    ad_click_id, is_bot, visitor, country, language, qr)
SELECT id, link_id, campaign_id, creator_id, at, day, referrer, referrer_host,
       user_agent, device, os, browser, in_app, source, platform, reason,
       ad_click_id, is_bot, visitor, country, language, qr
  FROM clicks_unpartitioned;
DROP TABLE clicks_unpartitioned;

CREATE INDEX IF NOT EXISTS clicks_report ON clicks (campaign_id, day, creator_id, source, is_bot, visitor);

CREATE OR REPLACE FUNCTION clicks_late_rollup() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    IF EXISTS (SELECT 1 FROM rollup_days WHERE campaign_id = NEW.campaign_id AND day = NEW.day) THEN
        DELETE FROM rollup_days
         WHERE campaign_id = NEW.campaign_id AND day = NEW.day AND state <> ''pruned'';
        IF NOT FOUND AND EXISTS (SELECT 1 FROM rollup_days WHERE campaign_id = NEW.campaign_id
                                    AND day = NEW.day AND state = ''pruned'') THEN
            RAISE EXCEPTION ''campaign % day % was pruned (tracker prune): a click into it is refused, it would be lost from the report'',
                NEW.campaign_id, NEW.day;
        END IF;
        DELETE FROM click_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
        DELETE FROM visitor_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
        DELETE FROM audience_rollups WHERE campaign_id = NEW.campaign_id AND day = NEW.day;
    END IF;
    RETURN NULL;
END';
CREATE TRIGGER clicks_late_rollup AFTER INSERT ON clicks
    FOR EACH ROW EXECUTE FUNCTION clicks_late_rollup();
-- [both]
