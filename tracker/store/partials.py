"""Live days, counted as they go (SQLite and PostgreSQL).

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
and the audience. The point is a position in the click log (the mark, in
`partial_marks`); a report reads the counts plus the clicks after it, a
visitor of those counted only if not seen before in the same group.

The mark is exact when every click at or below it is final (committed, or
never to be) before the snapshot that counts up to it is taken, and no
click gets a position at or below a mark later. What a position is, and
why that holds, is each database's part (the rest of this module is
shared):

SQLite: the rowid. SQLite gives a new row the largest rowid plus one and
runs one writer at a time: every click committed after a snapshot whose
largest rowid was R has a rowid above R. The mark also names the click at
R (`through_id`): when that row is gone or another has its rowid (VACUUM
renumbers the rowids of a table without an INTEGER PRIMARY KEY; deleting
the last row lets its rowid be reused) the mark and its counts are ignored,
the day is read whole as before, and the next count starts over
(sqlite.py).

PostgreSQL: `clicks.seq`, from a sequence (CACHE 1), given by its default
while the INSERT holds its row-write lock on `clicks`; click ids are random
text. Positions are handed out in order but commit in any order, so the
last one handed out, M0, is read first: every click at or below M0 got
its position before that read, inside a transaction that had begun by
then and holds that lock until it ends (committed, or not at all).
PostgresStore._settle_writers then waits until every transaction that
began before then and holds the lock has ended (the wait rollups use); a
snapshot taken after that sees every click at or below M0 that will ever
exist, and every position handed out later is above M0 (a sequence never
goes back; CACHE 1, so no session holds a block of older values). The
lock looked for is the one on `clicks` itself: an INSERT straight into a
month's partition would take only the partition's, and no path does that.
When the wait times out (a long bulk load) the mark does not move and the
day is read as it stood. No path writes `seq` itself: migrate-data copies
the click columns only and the target numbers them anew (a click with an
explicit id gets a fresh position, above every mark), and moving a month
between partitions moves each click with its position (postgres.py). So
no trigger has to look for marks on every click.

Counting on (count_live_days_so_far, from the servers' counting threads,
rollups.start_counting, every 10 s; a report only reads): the last final
position is found, then a slice of at most CHUNK positions of the click log
after the mark is read in a snapshot, no lock held; then one short write transaction, one
publisher at a time (SQLite: the write lock; PostgreSQL: an advisory
lock), checks that the mark has not moved and the day is not rolled up,
adds the slice's counts and moves the mark. A lost race or a crash changes
nothing. Rolling a day up deletes its counts in the transaction that
publishes the day's rollups (RollupQueries._drop_partials), under the same
one-publisher rule.
"""

from __future__ import annotations

import contextlib
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
# Positions of the click log counted in one step: bounds the write
# transaction (about 10 ms), which clicks queue behind on SQLite.
CHUNK = 10_000

TABLES = (
    "partial_marks",
    "click_partials",
    "visitor_partials",
    "visitor_partial_counts",
    "audience_partials",
)

# Beyond every position: a marked day's clicks after its mark are the
# slice up to it.
LAST_POSITION = 2**63 - 1


def after_mark_params(campaign_id: int, mark: dict) -> list:
    """The slice condition's parameters for the clicks after a mark."""
    return [campaign_id, mark["day"], mark["through"], LAST_POSITION]


def slice_audience(in_slice: str) -> str:
    return (
        "WITH " + audience_groups(in_slice, AUDIENCE_COLUMNS) + audience_unpivot(AUDIENCE_COLUMNS)
    )


def slice_clicks(in_slice: str) -> str:
    return f"""
SELECT creator_id, source, SUM(CASE WHEN is_bot = 0 THEN 1 ELSE 0 END) AS clicks,
       SUM(is_bot) AS bot_clicks
  FROM clicks WHERE {in_slice} GROUP BY creator_id, source
"""


def slice_visitors(in_slice: str) -> str:
    return (
        f"SELECT DISTINCT visitor, creator_id, source FROM clicks WHERE {in_slice} AND is_bot = 0"
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


def new_visitor_counts(in_slice: str, by_creator: bool, by_source: bool) -> str:
    """Visitors of a slice not counted before, for one grouping (0 for a
    group with none). "Not seen before" is inside the count, as in the
    report's read: in the WHERE clause PostgreSQL made it an anti join and,
    knowing nothing yet of today's visitor_partials, read them all once per
    click of the slice (9.7 s for 10,000 clicks); here it is one index
    probe per click."""
    creator = "creator_id" if by_creator else "0"
    source = "source" if by_source else "'*'"
    new = f"CASE WHEN NOT {seen_before(by_creator, by_source)} THEN visitor END"
    return (
        f"SELECT {creator} AS creator_id, {source} AS source, COUNT(DISTINCT {new}) AS visitors "
        f"FROM clicks WHERE {in_slice} AND is_bot = 0 GROUP BY 1, 2"
    )


class LivePartials(ClickQueries):
    """Running counts of live days. The store says what a position of its
    click log is (sqlite.py, postgres.py); the rest is shared."""

    # The click log's position column, and the mark's column that holds one.
    POSITION = ""
    MARK_COLUMN = ""
    # A window's marks that can be used, the position as `through`; parameters
    # campaign, first day, last day.
    USABLE_MARKS = ""
    # A day's clicks in a slice of positions; parameters campaign, day,
    # after, through. Found by position, not by the day's index.
    IN_SLICE = ""

    def _last_final_position(self) -> int | None:
        """The position up to which every click is final for any snapshot
        taken from now on; None when it cannot be known now."""
        raise NotImplementedError

    def _mark_at(self, first: int, final: int) -> dict:
        """The mark that ends the slice from `first` on (at most CHUNK
        positions, none after `final`), read in the counting snapshot:
        the mark's columns with their values, the position as MARK_COLUMN."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _publishing(self):
        """A write transaction, one publisher of counts at a time."""
        raise NotImplementedError
        yield

    def _marks(self, campaign_id: int, day_from: str, day_to: str) -> list[dict]:
        """The window's usable marks, in the caller's snapshot."""
        return self.query(self.USABLE_MARKS, [campaign_id, day_from, day_to])

    def _audience_counted_so_far(self, campaign_id, day_from, day_to, dimensions):
        marks = self._marks(campaign_id, day_from, day_to)
        if not marks:
            return CountedSoFar()
        days = [m["day"] for m in marks]
        return CountedSoFar(
            counted_days=tuple(days),
            also_live="".join(f" OR ({self.IN_SLICE})" for _ in marks),
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
            f"WHERE {self.IN_SLICE} GROUP BY {cols}"
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

    def _mark_position(self, campaign_id: int, day: str) -> int | None:
        """The day's mark as it is, usable or not."""
        row = self.one(
            f"SELECT {self.MARK_COLUMN} AS through FROM partial_marks "
            "WHERE campaign_id = ? AND day = ?",
            [campaign_id, day],
        )
        return None if row is None else row["through"]

    def _count_chunk(self, campaign_id: int, day: str, at_least: int) -> bool:
        final = self._last_final_position()  # before the snapshot below
        if final is None:
            return False
        mark = counts = None
        with self.read_snapshot():
            seen = self._mark_position(campaign_id, day)
            usable = self.one(self.USABLE_MARKS, [campaign_id, day, day])
            if seen is not None and usable is None:
                stale = seen  # its click is no longer at its position
            else:
                stale = None
                start = usable["through"] if usable else 0
                first = self._next_slice_start(campaign_id, day, start, final, at_least)
                if first is not None:
                    mark = self._mark_at(first, final)
                    counts = self._slice_counts(campaign_id, day, first - 1, mark[self.MARK_COLUMN])
        if stale is not None:
            return self._start_over(campaign_id, day, stale)
        if mark is None or counts is None:
            return False
        return self._add_counts(campaign_id, day, seen, mark, counts)

    def _next_slice_start(
        self, campaign_id: int, day: str, start: int, final: int, at_least: int
    ) -> int | None:
        """The position of the day's first click past `start` (and not past
        `final`); None when fewer than `at_least` of the day's clicks are."""
        if final - start < at_least:
            return None
        # By the day's index or by position, as the database finds cheaper
        # (a day counted for the first time starts at 0). MIN(position + 0):
        # for MIN(seq) PostgreSQL walks the position index from the start of
        # the log until it meets the day (1 M clicks: 3.6 s).
        in_day = f"campaign_id = ? AND day = ? AND {self.POSITION} > ? AND {self.POSITION} <= ?"
        first = self.value(
            f"SELECT MIN({self.POSITION} + 0) FROM clicks WHERE {in_day}",
            [campaign_id, day, start, final],
        )
        if first is None:
            return None
        if at_least > 1:
            pending = self.value(
                f"SELECT COUNT(*) FROM clicks WHERE {in_day}", [campaign_id, day, first - 1, final]
            )
            if pending < at_least:
                return None
        return first

    def _slice_counts(self, campaign_id: int, day: str, start: int, end: int) -> dict:
        """What one slice adds, read in the caller's snapshot."""
        params = [campaign_id, day, start, end]
        in_slice = self.IN_SLICE
        return {
            "click_rows": self.query(slice_clicks(in_slice), params),
            "visitors": self.query(slice_visitors(in_slice), params),
            "visitor_counts": [
                r
                for g in GROUPINGS
                for r in self.query(new_visitor_counts(in_slice, *g), params)
                if r["visitors"]
            ],
            "audience": self.query(slice_audience(in_slice), params),
            "kept_audience": self.query(
                "SELECT creator_id, dimension, value, clicks FROM audience_partials "
                "WHERE campaign_id = ? AND day = ?",
                [campaign_id, day],
            ),
        }

    def _add_counts(self, campaign_id, day, seen, mark, counts) -> bool:
        """Publish one slice, unless the day moved on meanwhile."""
        audience: dict[tuple, int] = {}
        for r in counts["kept_audience"] + counts["audience"]:
            key = (r["creator_id"], r["dimension"], r["value"])
            audience[key] = audience.get(key, 0) + int(r["clicks"])
        with self._publishing():
            if self._mark_position(campaign_id, day) != seen or self._rolled_up(campaign_id, day):
                return False  # counted on by someone else, or rolled up, meanwhile
            self.execute_many(
                "INSERT INTO click_partials (campaign_id, day, creator_id, source, clicks, "
                "bot_clicks) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, day, creator_id, "
                "source) DO UPDATE SET clicks = click_partials.clicks + excluded.clicks, "
                "bot_clicks = click_partials.bot_clicks + excluded.bot_clicks",
                [
                    (campaign_id, day, r["creator_id"], r["source"], r["clicks"], r["bot_clicks"])
                    for r in counts["click_rows"]
                ],
            )
            self.execute_many(
                "INSERT INTO visitor_partials (campaign_id, day, visitor, creator_id, source) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    (campaign_id, day, r["visitor"], r["creator_id"], r["source"])
                    for r in counts["visitors"]
                ],
            )
            self.execute_many(
                "INSERT INTO visitor_partial_counts (campaign_id, day, creator_id, source, "
                "visitors) VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id, day, creator_id, "
                "source) DO UPDATE SET visitors = visitor_partial_counts.visitors "
                "+ excluded.visitors",
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
            self._save_mark(campaign_id, day, mark)
        return True

    def _save_mark(self, campaign_id: int, day: str, mark: dict) -> None:
        """The day's mark becomes `mark` (columns and values), last of a publish."""
        cols = list(mark)
        self.execute(
            f"INSERT INTO partial_marks (campaign_id, day, {', '.join(cols)}) "
            f"VALUES (?, ?, {placeholders(cols)}) ON CONFLICT (campaign_id, day) DO UPDATE "
            "SET " + ", ".join(f"{c} = excluded.{c}" for c in cols),
            [campaign_id, day, *mark.values()],
        )

    def _rolled_up(self, campaign_id: int, day: str) -> bool:
        return bool(
            self.query(
                "SELECT 1 FROM rollup_days WHERE campaign_id = ? AND day = ? "
                f"AND state IN {ROLLED_UP}",
                [campaign_id, day],
            )
        )

    def _start_over(self, campaign_id: int, day: str, seen: int) -> bool:
        """A mark that names a click no longer at its position: its counts go."""
        with self._publishing():
            if self._mark_position(campaign_id, day) != seen:
                return False
            self._drop_partials(campaign_id, day)
        return True
