"""Orders (redemptions) and what the report reads of them."""
from __future__ import annotations


ORDERS_FOR_REPORT = """
SELECT r.order_id, r.amount_minor, r.redeemed_at,
       k.creator_id AS click_creator_id, k.source AS click_source,
       p.creator_id AS code_creator_id, p.source AS code_source
  FROM redemptions r
  LEFT JOIN clicks k ON k.id = r.click_id
  LEFT JOIN promo_codes p ON p.code = r.code
 WHERE r.campaign_id = ?
 ORDER BY r.redeemed_at, r.order_id
"""


class OrderQueries:
    """Orders and the clicks they name."""

    def orders_with_code(self, code: str) -> int:
        return int(self.one("SELECT COUNT(*) AS n FROM redemptions WHERE code = ?",
                            [code.lower()])["n"])

    def click_owner(self, click_id: str) -> dict | None:
        return self.one("SELECT campaign_id, creator_id, source FROM clicks WHERE id = ?",
                        [click_id])

    def insert_redemptions(self, rows: list[dict]) -> int:
        """Insert orders not seen before; return how many were new."""
        new = 0
        with self.transaction():
            for row in rows:
                cur = self.execute(
                    "INSERT INTO redemptions (order_id, campaign_id, code, click_id, amount_minor, "
                    "currency, redeemed_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (order_id) DO NOTHING",
                    [row["order_id"], row["campaign_id"], row["code"], row["click_id"],
                     row["amount_minor"], row["currency"], row["redeemed_at"], row["imported_at"]])
                new += cur.rowcount
        return new

    def report_orders(self, campaign_id: int) -> list[dict]:
        return self.query(ORDERS_FOR_REPORT, [campaign_id])

