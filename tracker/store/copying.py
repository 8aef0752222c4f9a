"""Copying a whole install to another database (`tracker migrate-data`)."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Database  # defined before base.py imports this module

# Every table worth copying to another database, parents before children,
# with the columns that order its rows. auth_failures is transient. The
# rollups come after the clicks: a click copied into a day already marked
# rolled up would reopen that day (the trigger on clicks). The running
# counts of live days (partials.py) stay behind: they name positions in this
# database's click log (PostgreSQL's `clicks.seq` is not copied either:
# PostgresStore.table_rows), and the target counts its live days anew.
COPY_ORDER = (
    ("settings", "key"),
    ("campaigns", "id"),
    ("creators", "id"),
    ("campaign_creators", "campaign_id, creator_id"),
    ("links", "id"),
    ("clicks", "id"),
    ("kept_clicks", "id"),
    ("rollup_days", "campaign_id, day"),
    ("click_rollups", "campaign_id, day, creator_id, link_id, source"),
    ("visitor_rollups", "campaign_id, day, creator_id, source"),
    ("audience_rollups", "campaign_id, day, creator_id, dimension, value"),
    ("visitor_salts", "day"),
    ("promo_codes", "code"),
    ("shops", "id"),
    ("orders", "shop_id, order_id"),
    ("refunds", "shop_id, refund_id"),
    ("webhook_deliveries", "shop_id, delivery_id"),
    ("metrics", "campaign_id, creator_id, source, day"),
    ("api_tokens", "id"),
    ("share_secrets", "campaign_id"),
    ("users", "id"),
)
IDENTITY_TABLES = ("campaigns", "creators", "links", "api_tokens", "shops", "users")


class CopyQueries(Database):
    """Whole tables, for copying an install."""

    def clear_settings(self) -> None:
        self.execute("DELETE FROM settings")

    def count(self, table: str) -> int:
        assert table in dict(COPY_ORDER), table
        return int(self.value(f"SELECT COUNT(*) AS n FROM {table}"))

    def table_rows(self, table: str) -> Iterator[dict]:
        return self.iter_query(f"SELECT * FROM {table} ORDER BY {dict(COPY_ORDER)[table]}")

    def copy_rows(self, table: str, rows: list[dict]) -> None:
        """Insert rows as they are, ids included (inside a transaction)."""
        if not rows:
            return
        cols = list(rows[0])
        sql = self._sql(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        )
        with self._connection() as conn:
            conn.cursor().executemany(sql, [[row[c] for c in cols] for row in rows])

    def reset_identities(self) -> None:
        """After rows were copied with their ids, new ids must follow them."""
