"""Platform metrics per creator, source and day."""

from __future__ import annotations

from ..vocabulary import METRIC_COLUMNS
from .base import Database  # defined before base.py imports this module


class MetricQueries(Database):
    """Platform metrics rows."""

    def upsert_metrics(self, rows: list[dict]) -> None:
        cols = ("campaign_id", "creator_id", "source", "day") + METRIC_COLUMNS
        updates = ", ".join(f"{c} = excluded.{c}" for c in METRIC_COLUMNS)
        sql = (
            f"INSERT INTO metrics ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT (campaign_id, creator_id, source, day) DO UPDATE SET {updates}"
        )
        with self.transaction():
            for row in rows:
                self.execute(sql, [row.get(c) for c in cols])

    def metric_keys(self, campaign_id: int) -> set[tuple]:
        """(creator_id, source, day) of every metrics row of a campaign."""
        return {
            (r["creator_id"], r["source"], r["day"])
            for r in self.query(
                "SELECT creator_id, source, day FROM metrics WHERE campaign_id = ?", [campaign_id]
            )
        }

    def report_metrics(self, campaign_id: int) -> list[dict]:
        return self.query(
            f"SELECT creator_id, source, day, {', '.join(METRIC_COLUMNS)} "
            "FROM metrics WHERE campaign_id = ? ORDER BY day",
            [campaign_id],
        )
