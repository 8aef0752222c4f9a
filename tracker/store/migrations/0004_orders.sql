-- Version 4: orders straight from the shop. Shops and their signing secrets,
-- orders keyed by (shop, the platform's order id), refunds each counted once
-- by their id, the webhook deliveries already handled, and per campaign the
-- attribution window and the parameter that carries the click id. The
-- redemptions of earlier versions become the orders of a shop named "csv".

ALTER TABLE campaigns ADD COLUMN attribution_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE campaigns ADD COLUMN click_param TEXT NOT NULL DEFAULT 'trk';
ALTER TABLE links ADD COLUMN click_param TEXT NOT NULL DEFAULT 'trk';

-- Where orders come from: a connected shop (shopify | woocommerce | stripe),
-- or "csv" for files someone imported. secret signs the shop's deliveries;
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

-- Earlier redemptions become orders of the shop "csv", as they were:
-- counted, unrefunded, credited to the campaign they were imported for.
INSERT INTO shops (name, platform, old_secrets, created_at, orders_received)
SELECT 'csv', 'csv', '[]', r.first_at, r.n
  FROM (SELECT MIN(imported_at) AS first_at, COUNT(*) AS n FROM redemptions) r
 WHERE r.n > 0;

INSERT INTO orders (shop_id, order_id, name, campaign_id, click_campaign_id, code, click_id,
                    gross_minor, refunded_minor, currency, created_at, status, payment_ref,
                    updated_at)
SELECT s.id, r.order_id, r.order_id, r.campaign_id, k.campaign_id, r.code, r.click_id,
       r.amount_minor, 0, r.currency, r.redeemed_at, 'counted', NULL, r.imported_at
  FROM redemptions r
  JOIN shops s ON s.name = 'csv'
  LEFT JOIN clicks k ON k.id = r.click_id;

DROP TABLE redemptions;
