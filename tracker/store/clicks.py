"""The click log: what the hot path writes (each dialect writes it its own
fastest way, from CLICK_COLUMNS and INSERT_CLICK), the visitor salts, and
the reads of reports and exports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .base import placeholders  # defined before base.py imports this module
from .readers import readers
from .rollups import (
    AUDIENCE_COLUMNS,
    CLICK_DAYS,
    MEASURES,
    NOT_ROLLED_UP,
    QR_ONLY,
    RollupQueries,
    audience_dimensions,
    audience_groups,
    audience_row,
    audience_unpivot,
    click_days_params,
)

CLICK_COLUMNS = (
    "id",
    "link_id",
    "campaign_id",
    "creator_id",
    "at",
    "day",
    "referrer",
    "referrer_host",
    "user_agent",
    "device",
    "os",
    "browser",
    "in_app",
    "source",
    "platform",
    "reason",
    "ad_click_id",
    "is_bot",
    "visitor",
    "country",
    "language",
    "qr",
)
# The click is written only while its link is enabled: the disabled check and
# the insert are one statement, so a cached link can never outlive a disable.
# (SQLite writes it its own way, with the same guarantee: sqlite.py.)
INSERT_CLICK = "INSERT INTO clicks ({}) SELECT {} FROM links WHERE id = ? AND disabled = 0".format(
    ", ".join(CLICK_COLUMNS), placeholders(CLICK_COLUMNS)
)

LINK_FOR_REDIRECT = """
SELECT l.id, l.destination, l.target_url, l.channel, l.disabled, l.campaign_id, l.creator_id,
       l.click_param, c.timezone, cr.platform AS creator_platform
  FROM links l
  JOIN campaigns c ON c.id = l.campaign_id
  JOIN creators cr ON cr.id = l.creator_id
 WHERE l.code = ?
"""


# The export's columns: what the CSV shows, in its column order
# (reports/export.py COLUMNS), and where each comes from.
EXPORT_FIELDS = (
    ("k.id", "click_id"),
    ("k.at", "clicked_at"),
    ("c.slug", "campaign"),
    ("cr.handle", "creator"),
    ("k.platform", "platform"),
    ("l.channel", "channel"),
    ("k.source", "source"),
    ("k.reason", "reason"),
    ("k.is_bot", "is_bot"),
    ("k.device", "device"),
    ("k.os", "os"),
    ("k.browser", "browser"),
    ("k.referrer_host", "referrer_host"),
    ("k.ad_click_id", "ad_click_id"),
    ("k.visitor", "visitor"),
    ("k.country", "country"),
    ("k.language", "language"),
    ("k.qr", "qr_scan"),
)
# Written true or false by export_click_cells.
EXPORT_FLAGS = frozenset({"is_bot", "qr_scan"})
# The rows an export reads, in its order.
EXPORT_FROM = """
  FROM clicks k
  JOIN links l ON l.id = k.link_id
  JOIN campaigns c ON c.id = k.campaign_id
  JOIN creators cr ON cr.id = k.creator_id
 WHERE k.campaign_id = ? AND k.day >= ? AND k.day <= ?{bots}{creator}
 ORDER BY k.day, k.at, k.id
"""


def export_from(
    campaign_id: int, day_from: str, day_to: str, include_bots: bool, creator_id: int | None
) -> tuple[str, list]:
    """EXPORT_FROM for these rows, with its parameters."""
    sql = EXPORT_FROM.format(
        bots="" if include_bots else " AND k.is_bot = 0",
        creator="" if creator_id is None else " AND k.creator_id = ?",
    )
    return sql, [campaign_id, day_from, day_to] + ([] if creator_id is None else [creator_id])


SUMMARY_KEYS = {"creator_id", "source", "day"}


def in_list(column: str, values: list) -> str:
    """`column IN (?, …)` for the values; false for none (PostgreSQL has no `IN ()`)."""
    return f"{column} IN ({placeholders(values)})" if values else "1 = 0"


@dataclass(frozen=True)
class CountedSoFar:
    """How a read of live days uses what a store counted of them so far
    (SQLite: partials.py): SQL pieces with their parameters, empty when
    the live days are read whole."""

    counted_days: tuple = ()  # live days not to read whole from the click log
    also_live: str = ""  # OR the clicks of those days still to be read (audience)
    also_live_params: list = field(default_factory=list)
    parts: str = ""  # UNION ALL parts: the counts, and the clicks to be read (summaries)
    parts_params: list = field(default_factory=list)


class ClickQueries(RollupQueries):
    """The click log, the visitor salts, and what reports and exports read
    (rolled-up days from the rollups: see RollupQueries)."""

    def visitor_salt(self, day: str, new_salt: str) -> str:
        """The salt for `day`, created by whichever server asks first."""
        self.execute(
            "INSERT INTO visitor_salts (day, salt) VALUES (?, ?) ON CONFLICT (day) DO NOTHING",
            [day, new_salt],
        )
        return self.value("SELECT salt FROM visitor_salts WHERE day = ?", [day])

    def forget_salts_before(self, day: str) -> None:
        self.execute("DELETE FROM visitor_salts WHERE day < ?", [day])

    def export_clicks(
        self,
        campaign_id: int,
        day_from: str,
        day_to: str,
        include_bots: bool,
        creator_id: int | None = None,
    ) -> Iterator[dict]:
        """Clicks of the campaign's local days day_from..day_to, streamed,
        as dicts of the export's columns with their stored values."""
        rows, params = export_from(campaign_id, day_from, day_to, include_bots, creator_id)
        columns = ", ".join(f"{expr} AS {name}" for expr, name in EXPORT_FIELDS)
        return self.iter_query(f"SELECT {columns}{rows}", params)

    def export_click_cells(
        self,
        campaign_id: int,
        day_from: str,
        day_to: str,
        include_bots: bool,
        creator_id: int | None = None,
        quote_if_starts_with: Iterable[str] = (),
        batch: int = 5000,
    ) -> Iterator[list[tuple]]:
        """The export's rows (EXPORT_FIELDS) as finished text cells, a batch
        of tuples at a time: NULL is '', is_bot is 'true' / 'false', and a
        cell that starts with one of `quote_if_starts_with` gets a leading
        quote (the caller's rule). Done in the query, it leaves Python
        nothing to do per cell."""
        risky = tuple(quote_if_starts_with)
        params: list = []

        def cell(expr):
            if not risky:
                return f"COALESCE({expr}, '')"
            test, test_params = self._starts_with_any(expr, risky)
            params.extend(test_params)
            return f"CASE WHEN {test} THEN '''' || {expr} ELSE COALESCE({expr}, '') END"

        cells = ", ".join(
            f"CASE WHEN {expr} <> 0 THEN 'true' ELSE 'false' END"
            if name in EXPORT_FLAGS
            else cell(expr)
            for expr, name in EXPORT_FIELDS
        )
        rows, row_params = export_from(campaign_id, day_from, day_to, include_bots, creator_id)
        return self.iter_batches(f"SELECT {cells}{rows}", params + row_params, batch)

    def click_count(self, campaign_id: int | None = None) -> int:
        if campaign_id is None:
            return self.value("SELECT COUNT(*) AS n FROM clicks")
        return self.value("SELECT COUNT(*) AS n FROM clicks WHERE campaign_id = ?", [campaign_id])

    def click_summaries(
        self,
        campaign_id: int,
        groupings: Mapping[str, Iterable[str]],
        day_from: str,
        day_to: str,
        rollups: bool = True,
    ) -> dict[str, list[dict]]:
        """Several click_summary groupings at once, side by side (both
        databases serve concurrent readers: about 2x faster on two cores).

        With rollups (the report's way) rolled-up days are read from the
        rollups; the report rolls up the ended days first (catch_up_rollups
        in reports/build.py), so the first report after a day ends pays for
        counting that day once. rollups=False is the full scan of the click
        log, kept for tests and benchmarks to compare with.
        """
        pool = readers()
        futures = {
            name: pool.submit(self.click_summary, campaign_id, keys, day_from, day_to, rollups)
            for name, keys in groupings.items()
        }
        return {name: future.result() for name, future in futures.items()}

    def click_summary(
        self,
        campaign_id: int,
        keys: Iterable[str],
        day_from: str,
        day_to: str,
        rollups: bool = True,
    ) -> list[dict]:
        """Human clicks, bot clicks and distinct human visitors, grouped by keys.

        Distinct visitors are counted inside each group, which always
        includes the day: the visitor hash changes every day, so a visitor is
        unique per day by construction.

        Rolled-up days come from the rollup tables, every other day from the
        click log, in one statement (one snapshot: a day that is rolled up or
        reopened meanwhile is counted once, from one side). The rows are the
        full scan's, to the row.
        """
        keys = sorted(set(keys) | {"day"})
        if not set(keys) <= SUMMARY_KEYS:
            raise ValueError(f"cannot group clicks by {keys}")
        cols = ", ".join(keys)
        if not rollups:
            return self.query(
                f"SELECT {cols}, {MEASURES} FROM clicks "
                "WHERE campaign_id = ? AND day >= ? AND day <= ? "
                f"GROUP BY {cols} ORDER BY {cols}",
                [campaign_id, day_from, day_to],
            )
        grouping = " AND ".join(
            [
                "creator_id <> 0" if "creator_id" in keys else "creator_id = 0",
                "source <> '*'" if "source" in keys else "source = '*'",
            ]
        )
        with self.read_snapshot():
            so_far = self._summary_counted_so_far(campaign_id, keys, day_from, day_to, grouping)
            live = self._live_days(campaign_id, day_from, day_to, so_far.counted_days)
            return self.query(
                f"""
SELECT {cols}, CAST(SUM(clicks) AS BIGINT) AS clicks,
       CAST(SUM(bot_clicks) AS BIGINT) AS bot_clicks, CAST(SUM(visitors) AS BIGINT) AS visitors
  FROM (SELECT {cols}, {MEASURES} FROM clicks
         WHERE campaign_id = ? AND {in_list("day", live)}
         GROUP BY {cols}
        UNION ALL
        SELECT {cols}, clicks, bot_clicks, 0 FROM click_rollups
         WHERE campaign_id = ? AND day >= ? AND day <= ?
        UNION ALL
        SELECT {cols}, 0, 0, visitors FROM visitor_rollups
         WHERE campaign_id = ? AND day >= ? AND day <= ? AND {grouping}
        {so_far.parts}) parts
 GROUP BY {cols} ORDER BY {cols}""",
                [campaign_id, *live]
                + [campaign_id, day_from, day_to, campaign_id, day_from, day_to]
                + so_far.parts_params,
            )

    def _live_days(
        self, campaign_id: int, day_from: str, day_to: str, counted: Iterable[str] = ()
    ) -> list[str]:
        """The window's days that have clicks and are not rolled up (today,
        normally), less those counted so far (SQLite: partials.py). Asked
        first, in the reader's snapshot, so that the read names its days:
        PostgreSQL then prunes partitions and estimates the rows (with the
        days as a subquery it scanned whole months)."""
        rows = self.query(
            CLICK_DAYS + f"SELECT day FROM click_days WHERE {NOT_ROLLED_UP}",
            click_days_params(campaign_id, day_from, day_to) + [campaign_id],
        )
        skip = set(counted)
        return [r["day"] for r in rows if r["day"] not in skip]

    def audience_summary(
        self,
        campaign_id: int,
        day_from: str,
        day_to: str,
        dimensions: Iterable[str],
        rollups: bool = True,
    ) -> list[dict]:
        """Human clicks per creator and value of each dimension, over the
        campaign's local days day_from..day_to: rows (creator_id, dimension,
        value, clicks); value None is a click that did not say (no country,
        no referrer…), a link's value is its id.

        Rolled-up days come from audience_rollups (written with the day's
        other rollups, rollups.py), every other day from the click log, in
        one statement (one snapshot, as click_summary). rollups=False is
        the full scan of the click log, for tests and benchmarks: one
        grouped scan over every requested column at once, folded here into
        one set of rows per dimension (the window's clicks are read once,
        not once per dimension). No index of its own: each would cost every
        click insert.
        """
        dimensions = audience_dimensions(dimensions)
        if not dimensions:
            return []
        if rollups:
            return self._audience_from_rollups(campaign_id, day_from, day_to, dimensions)
        columns = sorted(
            {AUDIENCE_COLUMNS[d] for d in dimensions}
            | ({"qr"} if QR_ONLY.intersection(dimensions) else set())
        )
        keys = ", ".join(["creator_id"] + columns)
        groups = self.query(
            f"SELECT {keys}, COUNT(*) AS clicks FROM clicks "
            "WHERE campaign_id = ? AND day >= ? AND day <= ? AND is_bot = 0 "
            f"GROUP BY {keys}",
            [campaign_id, day_from, day_to],
        )
        wanted = [(d, AUDIENCE_COLUMNS[d], d in QR_ONLY) for d in dimensions]
        totals: dict[tuple, int] = {}
        for group in groups:
            clicks = int(group["clicks"])
            for dimension, column, qr_only in wanted:
                if qr_only and not group["qr"]:
                    continue
                key = (group["creator_id"], dimension, group[column])
                totals[key] = totals.get(key, 0) + clicks
        return [
            {"creator_id": creator_id, "dimension": dimension, "value": value, "clicks": clicks}
            for (creator_id, dimension, value), clicks in totals.items()
        ]

    def _audience_from_rollups(
        self, campaign_id: int, day_from: str, day_to: str, dimensions: list[str]
    ) -> list[dict]:
        asked = placeholders(dimensions)
        with self.read_snapshot():
            so_far = self._audience_counted_so_far(campaign_id, day_from, day_to, dimensions)
            live = self._live_days(campaign_id, day_from, day_to, so_far.counted_days)
            rows = self.query(
                "WITH "
                + audience_groups(
                    f"((campaign_id = ? AND {in_list('day', live)}){so_far.also_live})",
                    dimensions,
                )
                + f"""
SELECT creator_id, dimension, value, CAST(SUM(clicks) AS BIGINT) AS clicks
  FROM ({audience_unpivot(dimensions)}
        UNION ALL
        SELECT creator_id, dimension, value, clicks FROM audience_rollups
         WHERE campaign_id = ? AND day >= ? AND day <= ? AND dimension IN ({asked})
        {so_far.parts}) parts
 GROUP BY creator_id, dimension, value""",
                [campaign_id, *live]
                + so_far.also_live_params
                + [campaign_id, day_from, day_to]
                + dimensions
                + so_far.parts_params,
            )
        return [audience_row(r) for r in rows]

    # What SQLite overrides to read live days as counted so far
    # (partials.py); elsewhere the live days are read whole.
    def _audience_counted_so_far(
        self, campaign_id: int, day_from: str, day_to: str, dimensions: list[str]
    ) -> CountedSoFar:
        return CountedSoFar()

    def _summary_counted_so_far(
        self, campaign_id: int, keys: list[str], day_from: str, day_to: str, grouping: str
    ) -> CountedSoFar:
        return CountedSoFar()
