"""SQLite through sqlite-utils: the embedded default.

One connection per process and thread, in WAL mode and autocommit, so a
single INSERT is durable when execute() returns. `synchronous=NORMAL` in WAL
survives a killed process (the commit is in the WAL file); only a power cut
can lose the last transactions. Set TRACKER_SQLITE_SYNC=FULL to fsync each
commit instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading

import sqlite_utils

from .. import settings
from . import partials
from .base import Store
from .clicks import CLICK_COLUMNS, LINK_FOR_REDIRECT
from .partials import LivePartials

# The click row, written only while its link is enabled, in one statement
# (as clicks.INSERT_CLICK): the link id is a subquery that is NULL for a
# disabled link, and link_id is NOT NULL. Not INSERT ... SELECT: SQLite runs
# that through an ephemeral table whenever the target has a row trigger
# (clicks_late_rollup), about 40,000 instructions a click, a quarter of the
# insert (callgrind); VALUES needs none.
INSERT_CLICK = "INSERT INTO clicks ({}) VALUES ({})".format(
    ", ".join(CLICK_COLUMNS),
    ", ".join(
        "(SELECT id FROM links WHERE id = ? AND disabled = 0)" if c == "link_id" else "?"
        for c in CLICK_COLUMNS
    ),
)
LINK_DISABLED = "NOT NULL constraint failed: clicks.link_id"


# A live day's marks that still name the click at their rowid (partials.py):
# VACUUM renumbers the rowids of a table without an INTEGER PRIMARY KEY, and
# deleting the last row lets its rowid be reused.
USABLE_MARKS = """
SELECT m.day, m.through_rowid AS through FROM partial_marks m
 WHERE m.campaign_id = ? AND m.day >= ? AND m.day <= ?
   AND m.through_id = (SELECT k.id FROM clicks k WHERE k.rowid = m.through_rowid)
"""
# A slice of a day: its clicks between two rowids, found by rowid (the `+`
# keeps SQLite off the clicks index, which would walk the whole day). A
# marked day's clicks after its mark are the slice up to the last rowid:
# the few rows at the end of the table.
IN_SLICE = "+campaign_id = ? AND +day = ? AND rowid > ? AND rowid <= ?"


class SQLiteStore(LivePartials, Store):
    dialect = "sqlite"
    # The click log's position is the rowid (partials.py says why a mark is exact).
    POSITION = "rowid"
    MARK_COLUMN = "through_rowid"
    USABLE_MARKS = USABLE_MARKS
    IN_SLICE = IN_SLICE

    def __init__(self, path: str) -> None:
        super().__init__()
        self.url = self.path = path
        self._checkpointing = False
        self._last_frames = -1
        self._frame_bytes = 0
        self._writer = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid() or local.conn is None:
            local.conn = self._open()
            local.pid = os.getpid()
            local.lock = open(self.path + "-writelock", "a") if self.path != ":memory:" else None
        return local.conn

    def link_for_redirect(self, code):
        row = self._conn().execute(LINK_FOR_REDIRECT, (code,)).fetchone()
        return None if row is None else dict(row)

    def insert_click(self, click):
        """One autocommitted INSERT. Writers from several gunicorn workers
        queue on an flock first: the kernel wakes the next one the moment the
        lock is free, where SQLite's own busy handler would sleep >= 1 ms.
        False when the link is disabled (or gone): no row is written."""
        conn = self._conn()
        lock = self._local.lock
        values = [click[c] for c in CLICK_COLUMNS]
        try:
            if lock is None:
                return conn.execute(INSERT_CLICK, values).rowcount == 1
            # One writer per process at the flock (the process's threads queue
            # on a lock of their own first): the kernel does not wake flock
            # waiters in order, and 16 threads x every worker at it made a
            # long tail. writing() inline: its generator costs a click 1 µs.
            with self._writer:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    return conn.execute(INSERT_CLICK, values).rowcount == 1
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        except sqlite3.IntegrityError as exc:
            if str(exc) == LINK_DISABLED:
                return False
            raise

    @contextlib.contextmanager
    def writing(self):
        """Hold the write lock as a click does (this process's writer lock,
        then the flock): clicks queue behind it at the flock and are woken
        the moment it is released, not by SQLite's sleeping busy handler."""
        self._conn()  # opens this thread's connection and its lock file
        lock = self._local.lock
        if lock is None:
            yield
            return
        with self._writer:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- live days counted so far (partials.py) -------------------------------------

    def _last_final_position(self) -> int | None:
        """The largest rowid: one writer at a time, so every rowid up to it
        is committed, and a later click gets a larger one."""
        row = self.one("SELECT rowid AS r FROM clicks ORDER BY rowid DESC LIMIT 1")
        return None if row is None else row["r"]

    def _mark_at(self, first: int, final: int) -> dict:
        """The last click of the slice, by rowid and id (USABLE_MARKS)."""
        top = self.one(
            "SELECT rowid AS r, id FROM clicks WHERE rowid < ? AND rowid <= ? "
            "ORDER BY rowid DESC LIMIT 1",
            [first + partials.CHUNK, final],
        )
        assert top is not None  # `first` itself is such a row
        return {"through_rowid": top["r"], "through_id": top["id"]}

    @contextlib.contextmanager
    def _publishing(self):
        """Under the click write lock: counts are published as a click is written."""
        with self.writing(), self.transaction():
            yield

    def write_heartbeat(self) -> None:
        """The heartbeat queues for the write lock like a click does."""
        with self.writing():
            super().write_heartbeat()

    def export_click_cells(
        self,
        campaign_id,
        day_from,
        day_to,
        include_bots,
        creator_id=None,
        quote_if_starts_with=(),
        batch=5000,
    ):
        """The export's cells, one local day per read.

        A read holds its snapshot, and while any reader holds one the WAL
        cannot be reset: under a stream of clicks it would grow for as long
        as a million-row export runs. Read day by day, each day's rows are
        one snapshot and the checkpointer gets its chance between days. The
        rows and their order are the same (the export is ordered by day
        first); a click that arrives during the export appears in it if its
        day has not been read yet."""
        base = super().export_click_cells
        for day in self._export_days(campaign_id, day_from, day_to):
            yield from base(
                campaign_id, day, day, include_bots, creator_id, quote_if_starts_with, batch
            )

    def _export_days(self, campaign_id, day_from, day_to):
        sql = "SELECT MIN(day) AS day FROM clicks WHERE campaign_id = ? AND day >= ? AND day <= ?"
        day = self.value(sql, [campaign_id, day_from, day_to])
        while day is not None:
            yield day
            day = self.value(sql.replace("day >= ?", "day > ?"), [campaign_id, day, day_to])

    def wal_bytes(self) -> int:
        try:
            return os.stat(self.path + "-wal").st_size
        except OSError:
            return 0

    def checkpoint(self, conn: sqlite3.Connection, lock, limit: int) -> str:
        """One round of the checkpointer; what it did, for tests and logs.

        PASSIVE copies what it can without blocking anyone. But under a
        steady stream of clicks the WAL is never copied to its end, so it is
        never started over and grows without bound (398 MB in 11 s was
        measured). So once the log holds `limit` bytes of frames: clicks
        are held at the flock for a moment (they queue there, not in
        SQLite's sleeping busy handler) and RESTART copies the few pages
        left, so that the next click starts the log over from its first
        frame. A reader still inside the WAL (a long report) makes it give
        up at once, degrading to PASSIVE; the next round tries again.

        RESTART, not TRUNCATE: the next clicks then overwrite the file's
        pages in place, where after a TRUNCATE every frame is appended to an
        empty file, and the kernel allocates, zeroes and charges a new page
        for each (ext4: about a tenth of the kernel time of a redirect, in
        py-spy/perf profiles of `bench/redirect.py`). The file stays at most
        `limit` plus one round of clicks (journal_size_limit cuts it back to
        `limit` when the log starts over). When no click came since the last
        round the WAL is truncated to nothing, so that it is back to zero
        bytes after a burst."""
        try:
            _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            return "busy"
        idle = frames == copied and frames == self._last_frames and self.wal_bytes() > 0
        self._last_frames = frames
        if not self._frame_bytes:
            self._frame_bytes = conn.execute("PRAGMA page_size").fetchone()[0] + 24
        if not idle and frames * self._frame_bytes < limit:
            return "passive"
        mode = "TRUNCATE" if idle else "RESTART"
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            busy, _, _ = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error:
            busy = 1
        finally:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
        done = "truncated" if idle else "restarted"
        return f"{mode.lower()}-busy" if busy else done

    def start_checkpointer(self, interval: float = 0.2) -> None:
        """Move WAL checkpoints (and their fsync) off the request path, and
        keep the WAL under TRACKER_WAL_MAX_MB (see checkpoint).

        By default the connection whose commit crosses 1000 WAL pages copies
        them back into the database, a stall of milliseconds for one unlucky
        click. A server turns that off and checkpoints from a thread of each
        worker instead. (Rollups and live counts have a thread of their
        own, start_counting, so that checkpoints never wait for them.)
        """
        if self.path == ":memory:" or self._checkpointing:
            return
        self._checkpointing = True
        self._stop_checkpointer = stop = threading.Event()
        self.close()  # reopen without autocheckpoint
        limit = settings.read("TRACKER_WAL_MAX_MB") * 1024 * 1024

        def checkpoints():
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=5)
            # Wait a few ms for readers that are about to finish, no longer:
            # clicks queue behind a TRUNCATE that waits.
            conn.execute("PRAGMA busy_timeout = 5")
            lock = open(self.path + "-writelock", "a")
            while not stop.wait(interval):
                self.checkpoint(conn, lock, limit)

        threading.Thread(target=checkpoints, name="tracker-wal-checkpoint", daemon=True).start()

    def stop_checkpointer(self) -> None:
        stop = getattr(self, "_stop_checkpointer", None)
        if stop is not None:
            stop.set()

    def _open(self) -> sqlite3.Connection:
        new_file = self.path != ":memory:" and not os.path.exists(self.path)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        if new_file:
            # The database holds the install's secrets: owner only. SQLite
            # gives its -wal and -shm files the same permissions.
            os.chmod(self.path, 0o600)
        conn.row_factory = sqlite3.Row
        db = sqlite_utils.Database(conn)
        if self.path != ":memory:":
            db.enable_wal()
        conn.execute(f"PRAGMA synchronous = {settings.read('TRACKER_SQLITE_SYNC')}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        if self._checkpointing:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        # When the WAL is started over, its file is cut back to this size.
        conn.execute(
            f"PRAGMA journal_size_limit = {settings.read('TRACKER_WAL_MAX_MB') * 1024 * 1024}"
        )
        return conn

    @contextlib.contextmanager
    def _acquire(self):
        # A connection must not cross a fork (gunicorn workers) or a thread.
        yield self._conn()

    @contextlib.contextmanager
    def _begin(self, conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _is_conflict(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def iter_query(self, sql, params=()):
        with self._connection() as conn:
            cur = conn.execute(sql, params)
            while True:
                rows = cur.fetchmany(1000)
                if not rows:
                    return
                for row in rows:
                    yield dict(row)

    def _starts_with_any(self, expr, chars):
        """GLOB with a character class: 0.6 µs a row cheaper than substr() IN
        (...) for the export's 14 cells (IN is kept for ] and ^, which a
        class would read as syntax)."""
        if any(len(c) != 1 or c in "]^" for c in chars):
            return super()._starts_with_any(expr, chars)
        ordered = sorted(chars, key=lambda c: c != "-")  # a leading - is literal
        return f"{expr} GLOB ?", ["[" + "".join(ordered) + "]*"]

    def iter_batches(self, sql, params=(), size=5000):
        """Rows as plain tuples, `size` at a time (no dict per row)."""
        with self._connection() as conn:
            cur = conn.cursor()
            cur.row_factory = None
            cur.execute(sql, params)
            while True:
                rows = cur.fetchmany(size)
                if not rows:
                    return
                yield rows

    def reclaim_space(self) -> None:
        """VACUUM: rewrites the file without the deleted clicks' pages (it
        needs as much free disk as the file, and holds the write lock while
        it runs: clicks wait)."""
        with self._acquire() as conn:
            conn.execute("VACUUM")

    def table_names(self) -> list[str]:
        with self._acquire() as conn:
            return sqlite_utils.Database(conn).table_names()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
            if self._local.lock is not None:
                self._local.lock.close()
        self._local.conn = None
