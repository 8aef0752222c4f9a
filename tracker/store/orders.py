"""Orders, refunds and webhook deliveries, and what reports read of them.

Writers hold their shop's row first (ShopQueries.lock_shop) and then read,
decide and write one shop's orders inside one transaction, so concurrent
retries of the same order never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from .base import Database, placeholders  # defined before base.py imports this module

CHUNK = 500  # ids per IN (...) list

ORDER_COLUMNS = (
    "shop_id",
    "order_id",
    "name",
    "campaign_id",
    "click_campaign_id",
    "code",
    "click_id",
    "gross_minor",
    "currency",
    "created_at",
    "status",
    "payment_ref",
    "updated_at",
)
ORDER_FIELDS = ORDER_COLUMNS[2:]  # what an update may change
REFUND_COLUMNS = (
    "shop_id",
    "refund_id",
    "order_id",
    "payment_ref",
    "kind",
    "amount_minor",
    "refunded_at",
    "received_at",
)

# A click is in `clicks`, or in kept_clicks once `tracker prune` deleted its
# day and an order named it (schema.sql): attribution reads either.
CLICK_FACTS = """
SELECT k.id, k.campaign_id, k.creator_id, k.source, k.is_bot, k.at, c.attribution_days
  FROM clicks k JOIN campaigns c ON c.id = k.campaign_id
 WHERE k.id IN ({marks})
UNION ALL
SELECT k.id, k.campaign_id, k.creator_id, k.source, k.is_bot, k.at, c.attribution_days
  FROM kept_clicks k JOIN campaigns c ON c.id = k.campaign_id
 WHERE k.id IN ({marks})
"""

# An order with what attribution needs of its click (from `clicks` or, for
# a pruned one, kept_clicks: two index probes, no union) and its code.
ORDER_FACTS = """
SELECT s.name AS shop, s.platform AS shop_platform, o.order_id, o.name, o.campaign_id,
       o.code, o.click_id, o.gross_minor, o.refunded_minor, o.currency, o.created_at,
       o.status, o.updated_at,
       COALESCE(k.campaign_id, kk.campaign_id) AS click_campaign_id,
       COALESCE(k.creator_id, kk.creator_id) AS click_creator_id,
       COALESCE(k.source, kk.source) AS click_source,
       COALESCE(k.is_bot, kk.is_bot) AS click_is_bot, COALESCE(k.at, kk.at) AS click_at,
       kc.attribution_days AS click_attribution_days,
       p.campaign_id AS code_campaign_id, p.creator_id AS code_creator_id,
       p.source AS code_source
  FROM orders o
  JOIN shops s ON s.id = o.shop_id
  LEFT JOIN clicks k ON k.id = o.click_id
  LEFT JOIN kept_clicks kk ON kk.id = o.click_id
  LEFT JOIN campaigns kc ON kc.id = COALESCE(k.campaign_id, kk.campaign_id)
  LEFT JOIN promo_codes p ON p.code = o.code
"""

# The orders a campaign's report looks at: those of its clicks and of its
# codes. Attribution then decides, order by order, which are its own.
ORDERS_FOR_REPORT = (
    ORDER_FACTS
    + """
 WHERE o.click_campaign_id = ?
    OR o.code IN (SELECT code FROM promo_codes WHERE campaign_id = ?)
 ORDER BY o.created_at, s.name, o.order_id
"""
)

# refunded_minor from the refunds: their sum, or an export's total when that
# is larger (the total already holds every refund made before the export).
SETTLE_REFUNDS = """
UPDATE orders SET refunded_minor = (
    SELECT CASE WHEN COALESCE(SUM(CASE WHEN r.kind = 'refund' THEN r.amount_minor END), 0)
                     >= COALESCE(MAX(CASE WHEN r.kind = 'total' THEN r.amount_minor END), 0)
                THEN COALESCE(SUM(CASE WHEN r.kind = 'refund' THEN r.amount_minor END), 0)
                ELSE MAX(CASE WHEN r.kind = 'total' THEN r.amount_minor END) END
      FROM refunds r WHERE r.shop_id = orders.shop_id AND r.order_id = orders.order_id)
 WHERE shop_id = ? AND order_id = ?
"""

# A refund counts once by its id; a later delivery of the same refund can
# only tell of more money given back (Stripe reports a charge's running total).
UPSERT_REFUND = """
INSERT INTO refunds ({cols}) VALUES ({marks})
ON CONFLICT (shop_id, refund_id) DO UPDATE SET
    amount_minor = CASE WHEN excluded.amount_minor > refunds.amount_minor
                        THEN excluded.amount_minor ELSE refunds.amount_minor END,
    order_id = COALESCE(refunds.order_id, excluded.order_id),
    payment_ref = COALESCE(refunds.payment_ref, excluded.payment_ref),
    refunded_at = COALESCE(excluded.refunded_at, refunds.refunded_at)
""".format(cols=", ".join(REFUND_COLUMNS), marks=placeholders(REFUND_COLUMNS))

# Net revenue and orders of a shop per UTC minute (a time zone turns minutes
# into its own days exactly): counted orders, a fully refunded one adds no
# order, refunds are taken off, never below zero.
SHOP_MINUTES = """
SELECT substr(created_at, 1, 16) AS minute,
       SUM(CASE WHEN refunded_minor > 0 AND refunded_minor >= gross_minor THEN 0 ELSE 1 END)
           AS orders,
       SUM(gross_minor - CASE WHEN refunded_minor > gross_minor THEN gross_minor
                              ELSE refunded_minor END) AS net
  FROM orders
 WHERE shop_id = ? AND status = 'counted' {nobody}
 GROUP BY substr(created_at, 1, 16)
 ORDER BY 1
"""


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class OrderQueries(Database):
    """Orders, refunds, deliveries, and the clicks and codes orders name."""

    def click_owner(self, click_id: str) -> dict | None:
        """The click's campaign, creator and source (a pruned one's too)."""
        for table in ("clicks", "kept_clicks"):
            row = self.one(
                f"SELECT campaign_id, creator_id, source FROM {table} WHERE id = ?", [click_id]
            )
            if row is not None:
                return row
        return None

    def click_facts(self, click_ids: Iterable[str]) -> dict[str, dict]:
        """What attribution needs of each click: campaign, creator, source,
        bot flag, time and its campaign's window; unknown ids are absent."""
        found = {}
        for part in chunks(sorted(set(click_ids))):
            sql = CLICK_FACTS.format(marks=placeholders(part))
            for row in self.query(sql, part + part):
                found[row.pop("id")] = row
        return found

    def orders_by_id(self, shop_id: int, order_ids: Iterable[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for part in chunks(sorted(set(order_ids))):
            rows = self.query(
                f"SELECT * FROM orders WHERE shop_id = ? AND order_id IN "
                f"({', '.join('?' * len(part))})",
                [shop_id, *part],
            )
            found.update((row["order_id"], row) for row in rows)
        return found

    def order_for_payment(self, shop_id: int, payment_ref: str) -> str | None:
        row = self.one(
            "SELECT order_id FROM orders WHERE shop_id = ? AND payment_ref = ? "
            "ORDER BY created_at LIMIT 1",
            [shop_id, payment_ref],
        )
        return row["order_id"] if row else None

    def insert_orders(self, rows: list[dict]) -> None:
        """New orders (the caller holds the shop and knows they are new)."""
        sql = (
            f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(ORDER_COLUMNS))}) "
            "ON CONFLICT (shop_id, order_id) DO NOTHING"
        )
        self.execute_many(sql, [[row[c] for c in ORDER_COLUMNS] for row in rows])

    def update_orders(self, rows: list[dict]) -> None:
        sql = (
            f"UPDATE orders SET {', '.join(f'{c} = ?' for c in ORDER_FIELDS)} "
            "WHERE shop_id = ? AND order_id = ?"
        )
        self.execute_many(
            sql,
            [[row[c] for c in ORDER_FIELDS] + [row["shop_id"], row["order_id"]] for row in rows],
        )

    def upsert_refunds(self, rows: list[dict]) -> None:
        self.execute_many(UPSERT_REFUND, [[row.get(c) for c in REFUND_COLUMNS] for row in rows])

    def link_refunds(self, shop_id: int, order_id: str, payment_ref: str) -> None:
        """Refunds that arrived naming only the payment now know their order."""
        self.execute(
            "UPDATE refunds SET order_id = ? "
            "WHERE shop_id = ? AND order_id IS NULL AND payment_ref = ?",
            [order_id, shop_id, payment_ref],
        )

    def orders_with_refunds(self, shop_id: int, order_ids: Iterable[str]) -> set[str]:
        """Which of these orders have refunds (that may have come first)."""
        found = set()
        for part in chunks(sorted(set(order_ids))):
            found |= {
                r["order_id"]
                for r in self.query(
                    f"SELECT DISTINCT order_id FROM refunds WHERE shop_id = ? AND order_id IN "
                    f"({', '.join('?' * len(part))})",
                    [shop_id, *part],
                )
            }
        return found

    def settle_refunds(self, shop_id: int, order_ids: Iterable[str]) -> None:
        self.execute_many(SETTLE_REFUNDS, [[shop_id, o] for o in sorted(set(order_ids))])

    def refunded(self, shop_id: int, order_ids: Iterable[str]) -> dict[str, int]:
        return {
            o: int(r["refunded_minor"]) for o, r in self.orders_by_id(shop_id, order_ids).items()
        }

    def record_delivery(self, shop_id: int, delivery_id: str, now: str) -> bool:
        """True the first time a delivery id is seen for the shop."""
        cur = self.execute(
            "INSERT INTO webhook_deliveries (shop_id, delivery_id, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT (shop_id, delivery_id) DO NOTHING",
            [shop_id, delivery_id, now],
        )
        return cur.rowcount == 1

    def forget_deliveries_before(self, moment: str) -> None:
        self.execute("DELETE FROM webhook_deliveries WHERE received_at < ?", [moment])

    def report_orders(self, campaign_id: int) -> list[dict]:
        return self.query(ORDERS_FOR_REPORT, [campaign_id, campaign_id])

    def order_facts(self, shop_id: int, order_id: str) -> dict | None:
        return self.one(
            ORDER_FACTS + " WHERE o.shop_id = ? AND o.order_id = ?", [shop_id, order_id]
        )

    def shop_minutes(self, shop_id: int, nobodys_only: bool = False) -> list[dict]:
        sql = SHOP_MINUTES.format(nobody="AND campaign_id IS NULL" if nobodys_only else "")
        return [
            {"minute": r["minute"], "orders": int(r["orders"]), "net": int(r["net"])}
            for r in self.query(sql, [shop_id])
        ]

    def orders_with_code(self, code: str) -> int:
        """Orders of any shop that used a code (a promo code they carry
        cannot be removed: it may be what credits them)."""
        return int(self.value("SELECT COUNT(*) AS n FROM orders WHERE code = ?", [code.lower()]))
