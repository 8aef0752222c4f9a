"""Pruning the click log: the SQL of `tracker prune` (tracker/prune.py says
what is pruned and when it is refused) and the click log's partitions.

A day is pruned only once it is rolled up ('done'): its raw clicks are
deleted and its mark becomes 'pruned' in one transaction, so that readers
go on reading its rollups (rollups.ROLLED_UP) and the trigger on `clicks`
refuses a late click into it (schema.sql). The clicks that orders name are
copied to kept_clicks first: attribution reads them there (orders.py).

SQLite deletes day by day. PostgreSQL partitions `clicks` by month
(postgres.py): a month before the date goes with DROP TABLE, the rest day
by day as on SQLite.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..vocabulary import FIRST_DAY
from .base import StoreError
from .rollups import CLICK_DAYS, PRUNED_DAYS, RollupQueries, click_days_params

# What attribution reads of a click, for the clicks that orders name, before
# their days' raw clicks go (from the orders' side: orders are far fewer).
KEEP_ORDERED_CLICKS = """
INSERT INTO kept_clicks (id, link_id, campaign_id, creator_id, at, day, source, is_bot)
SELECT DISTINCT k.id, k.link_id, k.campaign_id, k.creator_id, k.at, k.day, k.source, k.is_bot
  FROM orders o JOIN clicks k ON k.id = o.click_id
 WHERE k.day < ?
ON CONFLICT (id) DO NOTHING
"""
# A 'done' day becomes 'pruned'; anything else (a late click reopened it,
# or it is being rolled up again) is left alone and the prune stops.
MARK_PRUNED = """
UPDATE rollup_days SET state = 'pruned'
 WHERE campaign_id = ? AND day = ? AND state = 'done'
"""
# The campaign's days with clicks between two days that are not pruned.
UNPRUNED_CLICK_DAYS = (
    CLICK_DAYS
    + """
SELECT click_days.day FROM click_days
 WHERE click_days.day IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM rollup_days r
     WHERE r.campaign_id = ? AND r.day = click_days.day AND r.state = 'pruned')
 ORDER BY click_days.day
"""
)
# The campaign's days with clicks before a day, with their clicks (bots
# too) as their rollups count them: exact for a rolled-up day, no scan.
CLICK_DAYS_WITH_COUNTS = (
    CLICK_DAYS
    + """
SELECT click_days.day,
       (SELECT CAST(COALESCE(SUM(r.clicks + r.bot_clicks), 0) AS BIGINT) FROM click_rollups r
         WHERE r.campaign_id = ? AND r.day = click_days.day) AS clicks
  FROM click_days WHERE click_days.day IS NOT NULL ORDER BY click_days.day
"""
)


class PruneRaced(StoreError):
    """A day changed between the plan and its prune (a late click)."""


def day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


class PruneQueries(RollupQueries):
    """Pruning rolled-up days, and (PostgreSQL) the click log's partitions."""

    def click_days_before(self, campaign_id: int, before: str) -> list[dict]:
        """The campaign's days before `before` that have raw clicks: day,
        clicks (from the rollups: meaningful for rolled-up days)."""
        return self.query(
            CLICK_DAYS_WITH_COUNTS,
            click_days_params(campaign_id, FIRST_DAY, day_before(before)) + [campaign_id],
        )

    def unpruned_click_days(self, campaign_id: int, day_from: str, day_to: str) -> list[str]:
        """Days from..to (inclusive) that have clicks and are not pruned."""
        return [
            r["day"]
            for r in self.query(
                UNPRUNED_CLICK_DAYS,
                click_days_params(campaign_id, day_from, day_to) + [campaign_id],
            )
        ]

    def max_attribution_days(self) -> int:
        """The longest attribution window of any campaign (0 without any)."""
        return int(self.value("SELECT COALESCE(MAX(attribution_days), 0) AS n FROM campaigns"))

    def pruned_click_count(self, campaign_id: int) -> int:
        """Clicks (bots too) of the campaign's pruned days, from their rollups."""
        return int(
            self.value(
                "SELECT CAST(COALESCE(SUM(r.clicks + r.bot_clicks), 0) AS BIGINT) AS n "
                f"FROM click_rollups r {PRUNED_DAYS} WHERE r.campaign_id = ?",
                [campaign_id],
            )
        )

    def keep_ordered_clicks(self, before: str) -> int:
        """Copy what attribution needs of the clicks before `before` that
        orders name to kept_clicks (idempotent: a prune that stopped half
        way leaves copies of clicks still in `clicks`, which read the same)."""
        return self.execute(KEEP_ORDERED_CLICKS, [before]).rowcount

    def _mark_pruned(self, campaign_id: int, day: str) -> None:
        """Inside the pruning transaction: 'done' -> 'pruned', or stop."""
        if self.execute(MARK_PRUNED, [campaign_id, day]).rowcount != 1:
            raise PruneRaced(
                f"campaign {campaign_id}, {day}: the day is no longer rolled up (a late click "
                "reopened it while pruning); the days before it are pruned, run prune again"
            )

    def prune_click_day(self, campaign_id: int, day: str) -> int:
        """Delete one rolled-up day's raw clicks and mark it pruned, in one
        transaction; how many clicks went. On SQLite the transaction holds
        the write lock, so no click can slip in between; on PostgreSQL the
        mark's row lock orders us with the trigger of a concurrent click
        (schema.sql): it either reopened the day first (we stop) or is
        refused after us."""
        with self.transaction():
            self._mark_pruned(campaign_id, day)
            return self.execute(
                "DELETE FROM clicks WHERE campaign_id = ? AND day = ?", [campaign_id, day]
            ).rowcount

    # -- partitions: PostgreSQL's (postgres.py); SQLite has none -------------------

    def click_partitions(self) -> list[dict]:
        """The click log's partitions: name, from, to (to excluded; both
        None for the DEFAULT partition)."""
        return []

    def drop_click_partition(self, partition: dict, days: list[tuple[int, str]]) -> None:
        """Mark the partition's days pruned and drop it, in one transaction."""
        raise NotImplementedError(f"{self.dialect} has no click partitions")

    def reclaim_space(self) -> None:
        """Give the space of deleted clicks back (VACUUM)."""
        raise NotImplementedError
