"""Per-day rollups of the click log: which days, when, and how (tables:
schema.sql, "Per-day rollups").

When. A click's `day` is its campaign-local date, fixed by the redirect when
the click is written, and clicks are only appended: once a day has ended in
the campaign's time zone its numbers cannot change, except through a late
click. A day is rolled up once it ended at least MARGIN ago, so that clicks
in flight at midnight (stamped with the old day, not yet committed: a worker
queued on the write lock, a slow commit) are in before the day is counted.
The margin is not what keeps rollups exact, though: a click that arrives
later still (a stalled worker, `tracker demo` replaying last month, a bulk
load) reopens its day through the trigger on `clicks`, and the day is read
from the click log again until it is rolled up anew.

Who. Lazily: the first report of a campaign after a day ended rolls that day
up (one GROUP BY over the day's clicks, the cost of one day of the old full
scan), and the SQLite checkpointer thread of a server does the same for
every campaign in the background (sqlite.py). There is no command for it.

How. Three steps, so that neither database makes a redirect wait while a
day is counted:

1. claim: a short transaction marks the day 'rolling' with a fresh token.
   From its commit on, a click written into the day deletes the mark.
2. count: the day's aggregates are read with plain SELECTs, no lock held.
   (PostgreSQL first waits for the transactions that were already writing
   clicks when the claim committed: they may have looked for a mark before
   it existed and commit after this snapshot; PostgresStore._settle_writers.)
3. publish: ONE transaction inserts the aggregates and turns our 'rolling'
   mark into 'done'. If a late click deleted the mark meanwhile, the update
   finds nothing and the whole transaction is rolled back: the day stays
   live and a later report tries again. A failure anywhere leaves at most a
   'rolling' mark, which readers ignore; the roller drops it on its way out,
   and if the process died, the next roller takes it over after STALE_CLAIM.

So a day's rollup rows exist exactly when its mark is 'done' (or 'pruned':
a 'done' day whose raw clicks `tracker prune` deleted, pruning.py), and a
report (clicks.py) reads those days from the rollup tables and all other
days from the click log, in one statement.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..heavy import lower_priority
from ..vocabulary import FIRST_DAY
from .base import Database  # defined before base.py imports this module

log = logging.getLogger("tracker.rollups")

# The counting thread (start_counting): ended days are rolled up this often,
# live days counted on this often, and it rests this long between days and
# slices (more than a SQLite WAL checkpoint interval, so that the
# checkpointer finds moments with no reader).
ROLLUP_EVERY = 60.0
COUNT_EVERY = 10.0
COUNTING_PAUSE = 0.3

# A day is rolled up once it ended this long ago (see above).
MARGIN = timedelta(minutes=5)
# A 'rolling' claim this old was left by a roller that died: another takes it over.
STALE_CLAIM = timedelta(minutes=2)

# The campaign's days that have clicks, between two days (inclusive): one
# index seek per day instead of a scan of the clicks (a "loose index scan";
# neither database does it for SELECT DISTINCT on its own).
CLICK_DAYS = """
WITH RECURSIVE click_days (day) AS (
    SELECT MIN(day) FROM clicks WHERE campaign_id = ? AND day >= ? AND day <= ?
    UNION ALL
    SELECT (SELECT MIN(k.day) FROM clicks k
             WHERE k.campaign_id = ? AND k.day > click_days.day AND k.day <= ?)
      FROM click_days WHERE click_days.day IS NOT NULL
)
"""
# The states of a day whose rollups are read: 'done', and 'pruned' (rolled
# up, then its raw clicks deleted by `tracker prune`: the rollups are all
# there is of it). 'rolling' is a claim, not a rollup.
ROLLED_UP = "('done', 'pruned')"
# Joined to click_rollups r: only the rows of pruned days (whose raw clicks
# are gone, so that a count of the click log plus these is the whole count).
PRUNED_DAYS = (
    "JOIN rollup_days d ON d.campaign_id = r.campaign_id AND d.day = r.day AND d.state = 'pruned'"
)
# ... of which not rolled up (used in a WHERE over click_days).
NOT_ROLLED_UP = f"""click_days.day IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM rollup_days r
     WHERE r.campaign_id = ? AND r.day = click_days.day AND r.state IN {ROLLED_UP})"""


def click_days_params(campaign_id: int, day_from: str, day_to: str) -> list:
    return [campaign_id, day_from, day_to, campaign_id, day_to]


def measures(new_visitor: str = "") -> str:
    """What every grouping counts; visitors are distinct per group, humans
    only (and, with `new_visitor`, only those it lets through)."""
    return (
        "SUM(CASE WHEN is_bot = 0 THEN 1 ELSE 0 END) AS clicks, "
        "SUM(is_bot) AS bot_clicks, "
        f"COUNT(DISTINCT CASE WHEN is_bot = 0{new_visitor} THEN visitor END) AS visitors"
    )


MEASURES = measures()

DAY_CLICK_ROLLUPS = f"""
SELECT creator_id, link_id, source, {MEASURES}
  FROM clicks WHERE campaign_id = ? AND day = ?
 GROUP BY creator_id, link_id, source
"""
# The four groupings of the report, with 0 / '*' for "all" (schema.sql).
DAY_VISITOR_ROLLUPS = """
SELECT creator_id, source, COUNT(DISTINCT CASE WHEN is_bot = 0 THEN visitor END) AS visitors
  FROM clicks WHERE campaign_id = ? AND day = ? GROUP BY creator_id, source
UNION ALL
SELECT creator_id, '*', COUNT(DISTINCT CASE WHEN is_bot = 0 THEN visitor END)
  FROM clicks WHERE campaign_id = ? AND day = ? GROUP BY creator_id
UNION ALL
SELECT 0, source, COUNT(DISTINCT CASE WHEN is_bot = 0 THEN visitor END)
  FROM clicks WHERE campaign_id = ? AND day = ? GROUP BY source
UNION ALL
SELECT 0, '*', COUNT(DISTINCT CASE WHEN is_bot = 0 THEN visitor END)
  FROM clicks WHERE campaign_id = ? AND day = ? HAVING COUNT(*) > 0
"""

# What the report's audience section can be broken down by: dimension -> the
# column that holds it. "link" counts clicks per link, "qr_link" QR scans
# per link (the clicks with qr = 1). Human clicks only.
AUDIENCE_COLUMNS = {
    "country": "country",
    "language": "language",
    "device": "device",
    "os": "os",
    "browser": "browser",
    "in_app": "in_app",
    "referrer_host": "referrer_host",
    "link": "link_id",
    "qr_link": "link_id",
}
QR_ONLY = frozenset({"qr_link"})
# Dimensions whose value is a number (a link id), kept as text in audience_rollups.
NUMERIC_DIMENSIONS = frozenset({"link", "qr_link"})


def audience_dimensions(dimensions) -> list[str]:
    """The dimensions asked for, each once; an unknown one is a bug."""
    dimensions = list(dict.fromkeys(dimensions))
    unknown = [d for d in dimensions if d not in AUDIENCE_COLUMNS]
    if unknown:
        raise ValueError(f"cannot break clicks down by {unknown}")
    return dimensions


def audience_groups(where: str, dimensions) -> str:
    """A CTE `audience_groups`: the human clicks matching `where`, grouped by
    creator and every column the dimensions need (one scan of the clicks)."""
    columns = sorted({AUDIENCE_COLUMNS[d] for d in dimensions} | {"qr"})
    keys = ", ".join(["creator_id"] + columns)
    return (
        f"audience_groups AS (SELECT {keys}, COUNT(*) AS clicks FROM clicks "
        f"WHERE {where} AND is_bot = 0 GROUP BY {keys})\n"
    )


def audience_unpivot(dimensions) -> str:
    """audience_groups as rows (creator_id, dimension, value, clicks), one
    set per dimension; the value as text (audience_row turns it back)."""
    return "\n        UNION ALL\n".join(
        f"SELECT creator_id, '{d}' AS dimension, CAST({AUDIENCE_COLUMNS[d]} AS TEXT) AS value, "
        f"CAST(SUM(clicks) AS BIGINT) AS clicks FROM audience_groups"
        + (" WHERE qr <> 0" if d in QR_ONLY else "")
        + f" GROUP BY creator_id, {AUDIENCE_COLUMNS[d]}"
        for d in dimensions
    )


def audience_row(row) -> dict:
    """A row of audience_rollups (or audience_unpivot) as the store returns it."""
    value = row["value"]
    if value is not None and row["dimension"] in NUMERIC_DIMENSIONS:
        value = int(value)
    return {
        "creator_id": row["creator_id"],
        "dimension": row["dimension"],
        "value": value,
        "clicks": int(row["clicks"]),
    }


# Every dimension of one day, as audience_rollups holds them.
DAY_AUDIENCE_ROLLUPS = (
    "WITH "
    + audience_groups("campaign_id = ? AND day = ?", AUDIENCE_COLUMNS)
    + audience_unpivot(AUDIENCE_COLUMNS)
)

CLAIM = """
INSERT INTO rollup_days (campaign_id, day, state, token, rolled_at)
VALUES (?, ?, 'rolling', ?, ?)
ON CONFLICT (campaign_id, day) DO UPDATE
   SET token = excluded.token, rolled_at = excluded.rolled_at
 WHERE rollup_days.state = 'rolling' AND rollup_days.rolled_at < ?
RETURNING token
"""
MARK_DONE = """
UPDATE rollup_days SET state = 'done', rolled_at = ?
 WHERE campaign_id = ? AND day = ? AND token = ? AND state = 'rolling'
"""


def iso_utc(moment: datetime) -> str:
    """The database's text form of a time (as validate.iso_utc)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


class ClaimLost(Exception):
    """A click arrived in the day while it was being counted."""


def last_ended_day(now: datetime, tz: str) -> str:
    """The latest local day of `tz` that ended at least MARGIN before `now`."""
    return ((now - MARGIN).astimezone(ZoneInfo(tz)).date() - timedelta(days=1)).isoformat()


class RollupQueries(Database):
    """Rolling up ended days (the reads are in clicks.py)."""

    def _settle_writers(self) -> bool:
        """Wait until writes that began before now have ended (see
        PostgresStore); False to give up for now. SQLite runs one write at a
        time and a click's trigger commits with it: nothing to wait for."""
        return True

    def days_to_roll_up(self, campaign_id: int, last_day: str) -> list[str]:
        """Days up to last_day that have clicks and are not rolled up."""
        rows = self.query(
            CLICK_DAYS + f"SELECT day FROM click_days WHERE {NOT_ROLLED_UP} ORDER BY day",
            click_days_params(campaign_id, FIRST_DAY, last_day) + [campaign_id],
        )
        return [r["day"] for r in rows]

    def roll_up_ended_days(
        self, campaign_id: int | None = None, now: datetime | None = None, pause: float = 0.0
    ) -> list[tuple[int, str]]:
        """Roll up every ended day of one campaign (or all) that has clicks
        and is not rolled up; returns the (campaign, day) this call did.
        `pause` seconds between days: housekeeping leaves the WAL checkpoint
        a moment with no reader, or a backlog of days read back to back
        would keep the WAL from starting over for as long as it lasts."""
        now = now or self.clock()
        if campaign_id is None:
            campaigns = self.query("SELECT id, timezone FROM campaigns ORDER BY id")
        else:
            campaigns = self.query("SELECT id, timezone FROM campaigns WHERE id = ?", [campaign_id])
        done = []
        for campaign in campaigns:
            last_day = last_ended_day(now, campaign["timezone"])
            for day in self.days_to_roll_up(campaign["id"], last_day):
                if self.roll_up_day(campaign["id"], day, now):
                    done.append((campaign["id"], day))
                time.sleep(pause)
        return done

    def catch_up_rollups(self, campaign_id: int | None = None, pause: float = 0.0) -> None:
        """roll_up_ended_days for the report path and housekeeping: a
        rollup that fails only leaves its days to be read from the click
        log, so it is logged, never raised."""
        try:
            self.roll_up_ended_days(campaign_id, pause=pause)
        except Exception:
            log.warning(
                "rollup of ended days failed; they are read from the click log", exc_info=True
            )

    def start_counting(
        self,
        rollup_every: float = ROLLUP_EVERY,
        count_every: float = COUNT_EVERY,
        pause: float = COUNTING_PAUSE,
    ) -> None:
        """Keep the rollups of ended days and the counts of live days
        current from a daemon thread, so that reports rarely roll up and
        never write (idempotent).

        Run by the report server's processes (tracker/report_server.py), or
        by each worker when there is none; every process of every server
        tries, and the claim on a day (rollups) or the check of the mark
        (partials.py) lets one of them do it. The thread runs at the
        reports' lower CPU priority; a backlog of days after an upgrade or a
        bulk load takes minutes, and reports are exact meanwhile."""
        if getattr(self, "_stop_counting", None) is not None:
            return
        stop = threading.Event()
        self._stop_counting: threading.Event | None = stop

        def run():
            lower_priority()
            next_rollup = time.monotonic() + min(rollup_every, 5.0)
            next_count = time.monotonic() + min(count_every, 5.0)
            while not stop.wait(min(1.0, count_every, rollup_every)):
                if time.monotonic() >= next_rollup:
                    self.catch_up_rollups(pause=pause)
                    next_rollup = time.monotonic() + rollup_every
                if time.monotonic() >= next_count:
                    self.keep_live_counts(pause=pause)
                    next_count = time.monotonic() + count_every

        threading.Thread(target=run, name="tracker-counting", daemon=True).start()

    def stop_counting(self) -> None:
        stop, self._stop_counting = getattr(self, "_stop_counting", None), None
        if stop is not None:
            stop.set()

    def keep_live_counts(self, pause: float = 0.0) -> None:
        """count_live_days_so_far for housekeeping: a count that fails only
        leaves the live days to be read from the click log."""
        try:
            self.count_live_days_so_far(pause=pause)
        except Exception:
            log.warning(
                "counting live days failed; they are read from the click log", exc_info=True
            )

    def roll_up_day(self, campaign_id: int, day: str, now: datetime | None = None) -> bool:
        """Roll up one day (the caller knows it has ended); True if this call
        did it, False if it was done already, is being done, or a click came
        in meanwhile. Idempotent."""
        now = now or self.clock()
        token = secrets.token_hex(8)
        claimed = self.one(
            CLAIM, [campaign_id, day, token, iso_utc(now), iso_utc(now - STALE_CLAIM)]
        )
        if not claimed or claimed["token"] != token:
            return False
        try:
            if not self._settle_writers():
                raise ClaimLost("writers did not settle")
            clicks = self.query(DAY_CLICK_ROLLUPS, [campaign_id, day])
            visitors = self.query(DAY_VISITOR_ROLLUPS, [campaign_id, day] * 4)
            audience = self.query(DAY_AUDIENCE_ROLLUPS, [campaign_id, day])
            with self.transaction():
                self.execute(
                    "DELETE FROM click_rollups WHERE campaign_id = ? AND day = ?",
                    [campaign_id, day],
                )
                self.execute(
                    "DELETE FROM visitor_rollups WHERE campaign_id = ? AND day = ?",
                    [campaign_id, day],
                )
                self.execute(
                    "DELETE FROM audience_rollups WHERE campaign_id = ? AND day = ?",
                    [campaign_id, day],
                )
                self.execute_many(
                    "INSERT INTO click_rollups (campaign_id, day, creator_id, link_id, source, "
                    "clicks, bot_clicks, visitors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            campaign_id,
                            day,
                            r["creator_id"],
                            r["link_id"],
                            r["source"],
                            r["clicks"],
                            r["bot_clicks"],
                            r["visitors"],
                        )
                        for r in clicks
                    ],
                )
                self.execute_many(
                    "INSERT INTO visitor_rollups (campaign_id, day, creator_id, source, visitors) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (campaign_id, day, r["creator_id"], r["source"], r["visitors"])
                        for r in visitors
                    ],
                )
                self.execute_many(
                    "INSERT INTO audience_rollups (campaign_id, day, creator_id, dimension, "
                    "value, clicks) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (campaign_id, day, r["creator_id"], r["dimension"], r["value"], r["clicks"])
                        for r in audience
                    ],
                )
                self._drop_partials(campaign_id, day)
                self._mark_done(campaign_id, day, token, now)
        except ClaimLost:
            self._release(campaign_id, day, token)
            return False
        except BaseException:
            self._release(campaign_id, day, token)
            raise
        return True

    def _drop_partials(self, campaign_id: int, day: str) -> None:
        """What a store keeps of a live day besides the click log (SQLite:
        partials.py) goes when the day is rolled up."""

    def count_live_days_so_far(
        self, campaign_id: int | None = None, pause: float = 0.0
    ) -> list[tuple[int, str]]:
        """Keep a store's running counts of live days (SQLite: partials.py)."""
        return []

    def _mark_done(self, campaign_id: int, day: str, token: str, now: datetime) -> None:
        """The last statement of the publishing transaction."""
        if self.execute(MARK_DONE, [iso_utc(now), campaign_id, day, token]).rowcount != 1:
            raise ClaimLost(f"campaign {campaign_id} {day}: a click came in while counting")

    def _release(self, campaign_id: int, day: str, token: str) -> None:
        """Drop our claim so the next roller need not wait for it to go stale."""
        try:
            self.execute(
                "DELETE FROM rollup_days WHERE campaign_id = ? AND day = ? "
                "AND token = ? AND state = 'rolling'",
                [campaign_id, day, token],
            )
        except Exception:
            log.warning(
                "could not release a rollup claim; it goes stale in %s", STALE_CLAIM, exc_info=True
            )

    def rolled_up_days(self, campaign_id: int) -> list[str]:
        """The days whose numbers are read from the rollups (pruned ones too)."""
        return [
            r["day"]
            for r in self.query(
                f"SELECT day FROM rollup_days WHERE campaign_id = ? AND state IN {ROLLED_UP} "
                "ORDER BY day",
                [campaign_id],
            )
        ]
