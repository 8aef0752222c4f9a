"""Live days, counted as they go (SQLite).

A report reads the ended days from the rollups (rollups.py) and the days
that are not rolled up, today normally, from the click log. On a viral day
that read was most of a report: 120k clicks of today cost about 500 ms of a
10 M-click report on the 2-core bench machine, the audience's columns read
from the table (no index has them; one that did would cost every click
insert some 40 µs on the redirect's path) and distinct visitors sorted four
times from the clicks index.

Instead a live day is counted up to a point of the click log and kept, in
tables shaped as the rollups (schema.sql): clicks and bot clicks per
creator and source, each human visitor once per creator and source (so
that distinct visitors, which do not add up over parts of a day, can be
counted on), distinct visitors at the four groupings of visitor_rollups,
and the audience. The point is a rowid (`partial_marks.through_rowid`); a
report reads the counts plus the clicks after it, a visitor of those
counted only if not seen before in the same group.

This is exact because SQLite gives a new row the largest rowid plus one and
runs one writer at a time: every click committed after a snapshot whose
largest rowid was R has a rowid above R. The mark also names the click at R
(`through_id`): when that row is gone or another has its rowid (VACUUM
renumbers the rowids of a table without an INTEGER PRIMARY KEY; deleting
the last row lets its rowid be reused) the mark and its counts are ignored,
the day is read whole as before, and the next count starts over.

Counting on (count_live_days_so_far, from the server's housekeeping thread
every 10 s; a report only reads): a slice of at most CHUNK rows of the click log after
the mark is read in a snapshot, no lock held; then one short write
transaction checks that the mark has not moved and the day is not rolled
up, adds the slice's counts and moves the mark. A lost race or a crash
changes nothing. Rolling a day up deletes its counts in the transaction
that publishes the day's rollups (RollupQueries._drop_partials).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..vocabulary import FIRST_DAY, LAST_DAY
from .base import placeholders
from .clicks import ClickQueries, CountedSoFar
from .rollups import (
    AUDIENCE_COLUMNS,
    ROLLED_UP,
    audience_groups,
    audience_unpivot,
    measures,
)

# A live day is counted on once this many of its clicks are past the mark:
# fewer are cheaper to read at each report than to count and write.
COUNT_ON_AFTER = 1000
# Rows of the click log counted in one step: bounds the write transaction
# (about 10 ms), which clicks queue behind.
CHUNK = 10_000

TABLES = (
    "partial_marks",
    "click_partials",
    "visitor_partials",
    "visitor_partial_counts",
    "audience_partials",
)

# The marks that still point at the click they name (see above).
VALID_MARKS = """
SELECT m.day, m.through_rowid FROM partial_marks m
 WHERE m.campaign_id = ? AND m.day >= ? AND m.day <= ?
   AND m.through_id = (SELECT k.id FROM clicks k WHERE k.rowid = m.through_rowid)
"""

# A slice of a day: its clicks between two rowids, found by rowid (the `+`
# keeps SQLite off the clicks index, which would walk the whole day). A
# marked day's clicks after its mark are the slice up to the last rowid:
# the few rows at the end of the table.
IN_SLICE = "+campaign_id = ? AND +day = ? AND rowid > ? AND rowid <= ?"
LAST_ROWID = 2**63 - 1


def after_mark_params(campaign_id: int, mark: dict) -> list:
    """IN_SLICE's parameters for the clicks after a mark."""
    return [campaign_id, mark["day"], mark["through_rowid"], LAST_ROWID]


SLICE_AUDIENCE = (
    "WITH " + audience_groups(IN_SLICE, AUDIENCE_COLUMNS) + audience_unpivot(AUDIENCE_COLUMNS)
)
SLICE_CLICKS = f"""
SELECT creator_id, source, SUM(CASE WHEN is_bot = 0 THEN 1 ELSE 0 END) AS clicks,
       SUM(is_bot) AS bot_clicks
  FROM clicks WHERE {IN_SLICE} GROUP BY creator_id, source
"""
SLICE_VISITORS = (
    f"SELECT DISTINCT visitor, creator_id, source FROM clicks WHERE {IN_SLICE} AND is_bot = 0"
)


# The groupings of visitor_rollups: (creator, source) as the click has them
# or 0 / '*' for all.
GROUPINGS = ((True, True), (True, False), (False, True), (False, False))


def seen_before(by_creator: bool, by_source: bool, outer: str = "clicks") -> str:
    """A condition on a click of `outer`: its visitor was counted already in
    the click's group (by creator and/or source, or at all)."""
    return (
        "EXISTS (SELECT 1 FROM visitor_partials p WHERE p.campaign_id = {o}.campaign_id "
        "AND p.day = {o}.day AND p.visitor = {o}.visitor{c}{s})"
    ).format(
        o=outer,
        c=f" AND p.creator_id = {outer}.creator_id" if by_creator else "",
        s=f" AND p.source = {outer}.source" if by_source else "",
    )


def new_visitor_counts(by_creator: bool, by_source: bool) -> str:
    """Visitors of a slice not counted before, for one grouping."""
    creator = "creator_id" if by_creator else "0"
    source = "source" if by_source else "'*'"
    return (
        f"SELECT {creator} AS creator_id, {source} AS source, COUNT(DISTINCT visitor) AS visitors "
        f"FROM clicks WHERE {IN_SLICE} AND is_bot = 0 "
        f"AND NOT {seen_before(by_creator, by_source)} GROUP BY 1, 2"
    )


class LivePartials(ClickQueries):
    """SQLite's running counts of live days; other stores read them whole."""

    def writing(self):
        """The click write lock (SQLiteStore.writing)."""
        raise NotImplementedError

    def _marks(self, campaign_id: int, day_from: str, day_to: str) -> list[dict]:
        """The window's valid marks, in the caller's snapshot."""
        return self.query(VALID_MARKS, [campaign_id, day_from, day_to])

    def _audience_counted_so_far(self, campaign_id, day_from, day_to, dimensions):
        marks = self._marks(campaign_id, day_from, day_to)
        if not marks:
            return CountedSoFar()
        days = [m["day"] for m in marks]
        return CountedSoFar(
            counted_days=tuple(days),
            also_live="".join(f" OR ({IN_SLICE})" for _ in marks),
            also_live_params=[x for m in marks for x in after_mark_params(campaign_id, m)],
            parts="UNION ALL SELECT creator_id, dimension, value, clicks FROM audience_partials "
            f"WHERE campaign_id = ? AND day IN ({placeholders(days)}) "
            f"AND dimension IN ({placeholders(dimensions)})",
            parts_params=[campaign_id, *days, *dimensions],
        )

    def _summary_counted_so_far(self, campaign_id, keys, day_from, day_to, grouping):
        marks = self._marks(campaign_id, day_from, day_to)
        if not marks:
            return CountedSoFar()
        days = [m["day"] for m in marks]
        cols = ", ".join(keys)
        in_days = f"campaign_id = ? AND day IN ({placeholders(days)})"
        # The clicks after each mark; a visitor counts if not seen before in its group.
        new_visitor = " AND NOT " + seen_before("creator_id" in keys, "source" in keys)
        after = "".join(
            f" UNION ALL SELECT {cols}, {measures(new_visitor)} FROM clicks "
            f"WHERE {IN_SLICE} GROUP BY {cols}"
            for _ in marks
        )
        return CountedSoFar(
            counted_days=tuple(days),
            parts=f"UNION ALL SELECT {cols}, clicks, bot_clicks, 0 FROM click_partials "
            f"WHERE {in_days} UNION ALL SELECT {cols}, 0, 0, visitors "
            f"FROM visitor_partial_counts WHERE {in_days} AND {grouping}" + after,
            parts_params=[campaign_id, *days] * 2
            + [x for m in marks for x in after_mark_params(campaign_id, m)],
        )

    def _drop_partials(self, campaign_id: int, day: str) -> None:
        for table in TABLES:
            self.execute(
                f"DELETE FROM {table} WHERE campaign_id = ? AND day = ?", [campaign_id, day]
            )

    def count_live_days_so_far(
        self, campaign_id: int | None = None, pause: float = 0.0
    ) -> list[tuple[int, str]]:
        """Count on the live days of one campaign (or all) that have at least
        COUNT_ON_AFTER clicks past their mark; the (campaign, day) moved.
        `pause` seconds between slices (as RollupQueries.roll_up_ended_days)."""
        if campaign_id is None:
            ids: Iterable[int] = [r["id"] for r in self.query("SELECT id FROM campaigns")]
        else:
            ids = [campaign_id]
        done = []
        for cid in ids:
            for day in self._live_days(cid, FIRST_DAY, LAST_DAY):
                if self.count_day_so_far(cid, day, pause=pause):
                    done.append((cid, day))
        return done

    def count_day_so_far(
        self, campaign_id: int, day: str, at_least: int | None = None, pause: float = 0.0
    ) -> bool:
        """Count on one day, a CHUNK at a time, once at least `at_least`
        (default COUNT_ON_AFTER) of its clicks are past the mark; True if
        the mark moved."""
        at_least = COUNT_ON_AFTER if at_least is None else at_least
        moved = False
        while self._count_chunk(campaign_id, day, at_least):
            moved, at_least = True, 1
            time.sleep(pause)
        return moved

    def _mark_rowid(self, campaign_id: int, day: str) -> int | None:
        """The day's mark as it is, valid or not."""
        row = self.one(
            "SELECT through_rowid FROM partial_marks WHERE campaign_id = ? AND day = ?",
            [campaign_id, day],
        )
        return None if row is None else row["through_rowid"]

    def _count_chunk(self, campaign_id: int, day: str, at_least: int) -> bool:
        slice_ = counts = None
        with self.read_snapshot():
            seen = self._mark_rowid(campaign_id, day)
            mark = self.one(VALID_MARKS, [campaign_id, day, day])
            if seen is not None and mark is None:
                stale = seen  # its click is no longer at its rowid
            else:
                stale = None
                start = mark["through_rowid"] if mark else 0
                slice_ = self._next_slice(campaign_id, day, start, at_least)
                if slice_:
                    counts = self._slice_counts(campaign_id, day, slice_[0], slice_[1])
        if stale is not None:
            return self._start_over(campaign_id, day, stale)
        if slice_ is None or counts is None:
            return False
        return self._add_counts(campaign_id, day, seen, slice_[1], slice_[2], counts)

    def _next_slice(
        self, campaign_id: int, day: str, start: int, at_least: int
    ) -> tuple[int, int, str] | None:
        """(after, through, id of through): the next CHUNK rows of the click
        log from the day's first click past `start`; None when fewer than
        `at_least` of the day's clicks are past it."""
        last = self.one("SELECT rowid AS r FROM clicks ORDER BY rowid DESC LIMIT 1")
        if last is None or last["r"] - start < at_least:
            return None
        first = self.value(
            "SELECT MIN(rowid) FROM clicks WHERE campaign_id = ? AND day = ? AND rowid > ?",
            [campaign_id, day, start],
        )
        if first is None:
            return None
        if at_least > 1:
            pending = self.value(
                "SELECT COUNT(*) FROM clicks WHERE campaign_id = ? AND day = ? AND rowid >= ?",
                [campaign_id, day, first],
            )
            if pending < at_least:
                return None
        top = self.one(
            "SELECT rowid AS r, id FROM clicks WHERE rowid < ? ORDER BY rowid DESC LIMIT 1",
            [first + CHUNK],
        )
        assert top is not None  # `first` itself is such a row
        return first - 1, top["r"], top["id"]

    def _slice_counts(self, campaign_id: int, day: str, start: int, end: int) -> dict:
        """What one slice adds, read in the caller's snapshot."""
        params = [campaign_id, day, start, end]
        clicks = self.query(SLICE_CLICKS, params)
        return {
            "click_rows": clicks,
            "visitors": self.query(SLICE_VISITORS, params),
            "visitor_counts": [
                r for g in GROUPINGS for r in self.query(new_visitor_counts(*g), params)
            ],
            "audience": self.query(SLICE_AUDIENCE, params),
            "kept_audience": self.query(
                "SELECT creator_id, dimension, value, clicks FROM audience_partials "
                "WHERE campaign_id = ? AND day = ?",
                [campaign_id, day],
            ),
        }

    def _add_counts(self, campaign_id, day, seen, through, through_id, counts) -> bool:
        """Publish one slice, unless the day moved on meanwhile."""
        audience: dict[tuple, int] = {}
        for r in counts["kept_audience"] + counts["audience"]:
            key = (r["creator_id"], r["dimension"], r["value"])
            audience[key] = audience.get(key, 0) + int(r["clicks"])
        with self.writing(), self.transaction():
            if self._mark_rowid(campaign_id, day) != seen or self._rolled_up(campaign_id, day):
                return False  # counted on by someone else, or rolled up, meanwhile
            self.execute_many(
                "INSERT INTO click_partials (campaign_id, day, creator_id, source, clicks, "
                "bot_clicks) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, day, creator_id, "
                "source) DO UPDATE SET clicks = clicks + excluded.clicks, "
                "bot_clicks = bot_clicks + excluded.bot_clicks",
                [
                    (campaign_id, day, r["creator_id"], r["source"], r["clicks"], r["bot_clicks"])
                    for r in counts["click_rows"]
                ],
            )
            self.execute_many(
                "INSERT OR IGNORE INTO visitor_partials (campaign_id, day, visitor, creator_id, "
                "source) VALUES (?, ?, ?, ?, ?)",
                [
                    (campaign_id, day, r["visitor"], r["creator_id"], r["source"])
                    for r in counts["visitors"]
                ],
            )
            self.execute_many(
                "INSERT INTO visitor_partial_counts (campaign_id, day, creator_id, source, "
                "visitors) VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id, day, creator_id, "
                "source) DO UPDATE SET visitors = visitors + excluded.visitors",
                [
                    (campaign_id, day, r["creator_id"], r["source"], r["visitors"])
                    for r in counts["visitor_counts"]
                ],
            )
            self.execute(
                "DELETE FROM audience_partials WHERE campaign_id = ? AND day = ?",
                [campaign_id, day],
            )
            self.execute_many(
                "INSERT INTO audience_partials (campaign_id, day, creator_id, dimension, "
                "value, clicks) VALUES (?, ?, ?, ?, ?, ?)",
                [(campaign_id, day, *key, n) for key, n in audience.items()],
            )
            self.execute(
                "INSERT INTO partial_marks (campaign_id, day, through_rowid, through_id) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, day) DO UPDATE "
                "SET through_rowid = excluded.through_rowid, through_id = excluded.through_id",
                [campaign_id, day, through, through_id],
            )
        return True

    def _rolled_up(self, campaign_id: int, day: str) -> bool:
        return bool(
            self.query(
                "SELECT 1 FROM rollup_days WHERE campaign_id = ? AND day = ? "
                f"AND state IN {ROLLED_UP}",
                [campaign_id, day],
            )
        )

    def _start_over(self, campaign_id: int, day: str, seen: int) -> bool:
        """A mark that names a click no longer at its rowid: its counts go."""
        with self.writing(), self.transaction():
            if self._mark_rowid(campaign_id, day) != seen:
                return False
            self._drop_partials(campaign_id, day)
        return True
