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
import time

import sqlite_utils

from .. import settings
from .base import Store
from .clicks import CLICK_COLUMNS, INSERT_CLICK, LINK_FOR_REDIRECT


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.url = self.path = path
        self._checkpointing = False

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
        lock is free, where SQLite's own busy handler would sleep >= 1 ms."""
        conn = self._conn()
        lock = self._local.lock
        values = [click[c] for c in CLICK_COLUMNS] + [click["link_id"]]
        if lock is None:
            return conn.execute(INSERT_CLICK, values).rowcount == 1
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return conn.execute(INSERT_CLICK, values).rowcount == 1
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    def start_checkpointer(self, interval: float = 0.5) -> None:
        """Move WAL checkpoints (and their fsync) off the request path.

        By default the connection whose commit crosses 1000 WAL pages copies
        them back into the database, a stall of milliseconds for one unlucky
        click. A server turns that off and checkpoints from a thread instead;
        PASSIVE never blocks readers or writers.
        """
        if self.path == ":memory:" or self._checkpointing:
            return
        self._checkpointing = True
        self.close()      # reopen without autocheckpoint

        def run():
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=5)
            while True:
                time.sleep(interval)
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    pass    # busy or gone: the next round tries again

        threading.Thread(target=run, name="tracker-wal-checkpoint", daemon=True).start()

    def _open(self) -> sqlite3.Connection:
        new_file = self.path != ":memory:" and not os.path.exists(self.path)
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30
        )
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
