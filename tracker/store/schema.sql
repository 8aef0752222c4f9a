-- The schema: the one source of truth for tables, on SQLite and PostgreSQL.
-- It always holds every table; migrations/ holds the steps that take an
-- older database to the same place (tests/test_store.py checks they agree).
--
-- Written in the subset both databases read the same way. Where they
-- differ: identity columns are spelled the SQLite way (`INTEGER PRIMARY KEY`)
-- and rewritten by the PostgreSQL store; a trigger is written once per
-- database, in blocks headed `-- [sqlite]` / `-- [postgresql]` (until
-- `-- [both]`) that the store keeps or drops (base.for_dialect). Times are
-- ISO 8601 UTC text ('2026-11-25T12:00:00.000000Z'), dates are 'YYYY-MM-DD'
-- text: both sort correctly as text and read the same everywhere. Money is
-- integer minor units.

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS campaigns (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    destination  TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    budget_minor BIGINT,
    created_at   TEXT NOT NULL,
    -- since version 4: a click credits orders this many days (codes know no
    -- window); the destination parameter that carries the click id
    attribution_days INTEGER NOT NULL DEFAULT 30,
    click_param      TEXT NOT NULL DEFAULT 'trk',
    archived_at  TEXT,           -- set: left the console's list, links keep working (since version 7)
    target_countries TEXT       -- 'DE,AT,CH' (ISO 3166 alpha-2) or NULL: none named (since version 8)
);

CREATE TABLE IF NOT EXISTS creators (
    id         INTEGER PRIMARY KEY,
    handle     TEXT NOT NULL UNIQUE,
    platform   TEXT NOT NULL,
    name       TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS campaign_creators (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    creator_id  BIGINT NOT NULL REFERENCES creators (id),
    fee_minor   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, creator_id)
);

CREATE TABLE IF NOT EXISTS links (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    creator_id  BIGINT NOT NULL REFERENCES creators (id),
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,   -- what the user gave
    target_url  TEXT NOT NULL,   -- destination with the UTMs: where the redirect goes
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    click_param TEXT NOT NULL DEFAULT 'trk'   -- the parameter carrying the click id (version 4)
);
CREATE INDEX IF NOT EXISTS links_campaign ON links (campaign_id);

-- One row per answered click. campaign_id and creator_id repeat the link's
-- (which never change) so that reports scan one index; day is the click's
-- date in the campaign's time zone, fixed when the click is recorded.
--
-- On PostgreSQL (since version 10) the table is partitioned by RANGE on
-- `day`, one partition per calendar month (clicks_2026_11 holds
-- ['2026-11-01', '2026-12-01')), so that `tracker prune` drops a month as a
-- table and the index a click insert updates stays the size of a month. The
-- store creates the current and the next two months ahead
-- (PostgresStore.ensure_click_partitions); clicks_default catches a day no
-- partition covers, and the store moves them to their month's partition.
-- A partitioned table's primary key holds the partition key: (id, day).
--
-- `seq` (PostgreSQL, since version 13) is the click's position in the log,
-- given by its default as the click is inserted (ids are random text): a
-- live day is counted up to a position and a report reads only the clicks
-- after it (partials.py). No path writes it: copies number their clicks
-- anew, and moving a month's rows between partitions keeps it. SQLite's
-- position is the rowid.
-- [sqlite]
CREATE TABLE IF NOT EXISTS clicks (
    id            TEXT PRIMARY KEY,
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
    -- Since version 8: the client address's country (offline lookup; the
    -- address is never stored), Accept-Language's primary language, QR scan.
    country       TEXT,
    language      TEXT,
    qr            INTEGER NOT NULL DEFAULT 0
);
-- [postgresql]
CREATE SEQUENCE IF NOT EXISTS clicks_seq AS BIGINT CACHE 1;
CREATE TABLE IF NOT EXISTS clicks (
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
    -- Since version 12: compared byte by byte (distinct visitors are
    -- counted by sorting them; the hash needs no language's rules).
    visitor       TEXT COLLATE "C" NOT NULL,
    -- Since version 8: the client address's country (offline lookup; the
    -- address is never stored), Accept-Language's primary language, QR scan.
    country       TEXT,
    language      TEXT,
    qr            INTEGER NOT NULL DEFAULT 0,
    seq           BIGINT NOT NULL DEFAULT nextval('clicks_seq'),
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE TABLE IF NOT EXISTS clicks_default PARTITION OF clicks DEFAULT;
-- [both]
-- Each index costs every click insert (docs/benchmarks.md), so there are few.
-- clicks_report covers the report's grouping queries (they never read the
-- table). On SQLite, clicks_export (since version 14) is the CSV export's
-- order, so the export never sorts and reads the table in time order, which
-- is the order clicks were written in; PostgreSQL sorts each day instead.
CREATE INDEX IF NOT EXISTS clicks_report ON clicks (campaign_id, day, creator_id, source, is_bot, visitor);
-- PostgreSQL (since version 13): the newest clicks, after a live day's mark
-- (partials.py). Always appended at its right edge.
-- [postgresql]
CREATE INDEX IF NOT EXISTS clicks_by_seq ON clicks (seq);
-- [sqlite]
CREATE INDEX IF NOT EXISTS clicks_export ON clicks (campaign_id, day, at, id);
-- [both]

-- Daily random salts for the visitor hash. Old ones are deleted, so a
-- visitor hash cannot be linked across days or reversed to an address.
CREATE TABLE IF NOT EXISTS visitor_salts (
    day  TEXT PRIMARY KEY,
    salt TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS promo_codes (
    code        TEXT PRIMARY KEY,  -- lower-cased: codes are case-insensitive
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    creator_id  BIGINT NOT NULL REFERENCES creators (id),
    source      TEXT,              -- organic | sponsored | NULL (not said)
    created_at  TEXT NOT NULL
);

-- Where orders come from (since version 4): a connected shop (shopify |
-- woocommerce | stripe), or "csv" for files someone imported. secret signs the shop's deliveries;
-- old_secrets (a JSON list) are earlier secrets kept valid by
-- `shop connect --secret NEW --keep-old` until `shop forget-old-secrets`.
-- A disconnected shop keeps its orders (they still count) and takes no
-- deliveries. orders_received counts orders stored for the first time.
CREATE TABLE IF NOT EXISTS shops (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    platform         TEXT NOT NULL,
    secret           TEXT,
    old_secrets      TEXT NOT NULL DEFAULT '[]',
    created_at       TEXT NOT NULL,
    disconnected_at  TEXT,
    last_delivery_at TEXT,
    orders_received  BIGINT NOT NULL DEFAULT 0
);

-- One row per order of a shop, whether or not a campaign gets it: a minimal
-- row (ids, code, click id, money, status, times: no customer data). The
-- shop's daily totals (day, orders, net revenue) are derived from these rows
-- by a query, not kept as counters: a retried delivery, an order that turns
-- up again as create, paid and updated, or a refund arriving before its
-- order can then never count twice, and a promo code added later still
-- finds the orders that used it.
--
-- campaign_id is the campaign the attribution function credited when the
-- order was last written (NULL: nobody's). Reports decide again, with the
-- same function, when they are made. click_campaign_id is the campaign of
-- the click the order names (a click never moves), so a report finds the
-- orders of its clicks and of its codes through two indexes.
-- status only moves forward: pending -> counted -> cancelled. refunded_minor
-- is derived from the order's refunds in the same transaction that changes them.
CREATE TABLE IF NOT EXISTS orders (
    shop_id           BIGINT NOT NULL REFERENCES shops (id),
    order_id          TEXT NOT NULL,
    name              TEXT,
    campaign_id       BIGINT REFERENCES campaigns (id),
    click_campaign_id BIGINT,
    code              TEXT,
    click_id          TEXT,
    gross_minor       BIGINT NOT NULL,
    refunded_minor    BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    status            TEXT NOT NULL,
    payment_ref       TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (shop_id, order_id)
);
CREATE INDEX IF NOT EXISTS orders_campaign ON orders (campaign_id);
CREATE INDEX IF NOT EXISTS orders_click_campaign ON orders (click_campaign_id);
CREATE INDEX IF NOT EXISTS orders_code ON orders (code);
CREATE INDEX IF NOT EXISTS orders_shop_time ON orders (shop_id, created_at);
CREATE INDEX IF NOT EXISTS orders_payment ON orders (shop_id, payment_ref);

-- Money given back, each refund once by (shop, refund id). A refund may
-- arrive before its order (order_id is then already known, or, for Stripe,
-- only payment_ref): it is kept and applied when the order arrives. kind
-- "refund" is one refund; "total" is an export's refunded amount, all
-- refunds so far: an order's refunded_minor is the larger of the sum of its
-- refunds and its total, so an export and webhooks never count one twice.
CREATE TABLE IF NOT EXISTS refunds (
    shop_id      BIGINT NOT NULL REFERENCES shops (id),
    refund_id    TEXT NOT NULL,
    order_id     TEXT,
    payment_ref  TEXT,
    kind         TEXT NOT NULL DEFAULT 'refund',
    amount_minor BIGINT NOT NULL,
    refunded_at  TEXT,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (shop_id, refund_id)
);
CREATE INDEX IF NOT EXISTS refunds_order ON refunds (shop_id, order_id);
CREATE INDEX IF NOT EXISTS refunds_payment ON refunds (shop_id, payment_ref);

-- Deliveries already handled (Shopify's X-Shopify-Webhook-Id, WooCommerce's
-- delivery id, Stripe's event id): a retried delivery is recognised and
-- answered without writing again. Rows older than 30 days are dropped.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    shop_id     BIGINT NOT NULL REFERENCES shops (id),
    delivery_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (shop_id, delivery_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_received ON webhook_deliveries (received_at);

-- Platform metrics, one row per creator, source and day; NULL = not reported.
CREATE TABLE IF NOT EXISTS metrics (
    campaign_id      BIGINT NOT NULL REFERENCES campaigns (id),
    creator_id       BIGINT NOT NULL REFERENCES creators (id),
    source           TEXT NOT NULL,
    day              TEXT NOT NULL,
    impressions      BIGINT,
    views            BIGINT,
    reach            BIGINT,
    likes            BIGINT,
    comments         BIGINT,
    shares           BIGINT,
    saves            BIGINT,
    followers_gained BIGINT,
    spend_minor      BIGINT,
    PRIMARY KEY (campaign_id, creator_id, source, day)
);

-- Who may do what (since version 2). Only a hash of each API token is kept;
-- rotating a campaign's share secret revokes its share links.
CREATE TABLE IF NOT EXISTS api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    campaign_id BIGINT REFERENCES campaigns (id),
    read_only   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS share_secrets (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    secret      TEXT NOT NULL,
    rotated_at  TEXT NOT NULL
);

-- Failed token attempts per client (a keyed hash, never the address) and
-- time (UTC ISO 8601 with microseconds); kept for the 60-second window only.
CREATE TABLE IF NOT EXISTS auth_failures (
    client   TEXT NOT NULL,
    at       TEXT NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (client, at)
);

-- Per-day rollups of the click log (since version 6). A click's `day` is
-- fixed when it is written and clicks are only appended, so a day that has
-- ended never changes: its numbers are computed once and a report reads
-- days x creators rows for it instead of its clicks. Days not rolled up
-- (today; a day that ended under 5 minutes ago; a day a late click just
-- reopened) are read from `clicks`, so a report always equals the full scan
-- of the click log. tracker/store/rollups.py says when and how a day is rolled up.
--
-- rollup_days says which (campaign, day) are rolled up: only 'done' and
-- 'pruned' days are read from the rollup tables, and their rows exist exactly
-- when the day is 'done' or 'pruned' (they are written together with the
-- 'done' mark, in one transaction, and deleted together with it). 'rolling'
-- is a claim taken before the day's clicks are counted: a click written into
-- the day after the claim deletes it (see the trigger below), so the count
-- can never be published incomplete. 'pruned' (since version 10) is a 'done'
-- day whose raw clicks `tracker prune` deleted: its rollups are all there is
-- of it, and a click into it is refused (the trigger below).
CREATE TABLE IF NOT EXISTS rollup_days (
    campaign_id BIGINT NOT NULL,
    day         TEXT NOT NULL,
    state       TEXT NOT NULL,      -- 'rolling' (claimed, rows not written yet) | 'done' | 'pruned'
    token       TEXT NOT NULL,      -- who claimed it: only that roller may mark it done
    rolled_at   TEXT NOT NULL,      -- when it was claimed, then when it was done
    PRIMARY KEY (campaign_id, day)
);

-- The finest grain: per day, creator, link and source. Clicks and bot
-- clicks add up to any coarser grouping; visitors here are distinct per
-- link and source, and distinct counts do NOT add up (a person who opened
-- two links is one visitor of the creator that day), hence visitor_rollups.
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

-- Distinct human visitors at each coarser grouping the report reads, counted
-- from the clicks themselves: per day (creator 0, source '*'), per day and
-- source (creator 0), per day and creator (source '*'), per day, creator
-- and source. With these every visitor number of the report is exact, and a
-- day costs 1 + sources + creators x (1 + sources) rows. (Creator ids start
-- at 1 and '*' is no source, so the two markers never meet a real key.)
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

-- What attribution reads of a click (orders.py), for the clicks that orders
-- name whose day `tracker prune` pruned (since version 10): an order made
-- before the prune keeps its credit, and the report stays what it was. A
-- click is in `clicks` or here, never in both once its day is pruned.
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

-- A click written into a day that is rolled up (or claimed) reopens that
-- day: its mark and rows go, in the click's own transaction, and the day is
-- read from `clicks` again until it is rolled up anew. This keeps every
-- write path exact (the redirect, `tracker demo` replaying old days,
-- migrate-data, a bulk load) without any of them knowing about rollups. Its
-- cost is one primary-key probe of the small rollup_days per click (SQLite:
-- not measurable; PostgreSQL: a PL/pgSQL call, some µs). A click into a
-- 'pruned' day is refused instead (since version 10): reopening it would
-- drop the rollups that are all that is left of its pruned clicks. The
-- trigger must be written per database: the blocks below are picked by the store.
-- [sqlite]
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


-- People who sign in to the console (since version 7): the e-mail address
-- (lower-cased), werkzeug's scrypt hash of the password, admin | viewer.
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Written by /healthz, at most once a second per process (since version 9): a
-- full disk, a read-only database or a read-only role fail it as they fail a
-- click.
CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);

-- Since version 11 on SQLite, 13 on PostgreSQL: a day that is not rolled up
-- yet (today, normally) counted up to a point of the click log, so that a
-- report reads only the clicks after it (partials.py says why this is
-- exact). SQLite: `through_rowid` is the last click counted, `through_id`
-- that click's id, so that a renumbered table (VACUUM) is noticed and the
-- mark ignored. PostgreSQL: `through_seq`, every click of the day with a
-- `seq` up to it is counted. The counts are shaped as the rollups' and
-- deleted when the day is rolled up.
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
-- [postgresql]
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
