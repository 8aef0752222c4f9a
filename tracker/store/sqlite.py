"""SQLite through sqlite-utils: the embedded default.

One connection per process and thread, in WAL mode and autocommit, so a
single INSERT is durable when execute() returns. `synchronous=NORMAL` in WAL
survives a killed process (the commit is in the WAL file); only a power cut
can lose the last transactions. Set TRACKER_SQLITE_SYNC=FULL to fsync each
commit instead.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime, timezone

import sqlite_utils

from .base import MIGRATION_FILES, Store, read_sql, split_statements


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.url = self.path = path

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30
        )
        conn.row_factory = sqlite3.Row
        db = sqlite_utils.Database(conn)
        if self.path != ":memory:":
            db.enable_wal()
        sync = os.environ.get("TRACKER_SQLITE_SYNC", "NORMAL").upper()
        if sync not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            sync = "NORMAL"
        conn.execute(f"PRAGMA synchronous = {sync}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @contextlib.contextmanager
    def _acquire(self):
        # A connection must not cross a fork (gunicorn workers) or a thread.
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = self._local.conn = self._open()
            self._local.pid = os.getpid()
        yield conn

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

    def migrate(self) -> int:
        """Create or upgrade the schema; safe to run again and concurrently."""
        with self.transaction():
            self.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r["version"] for r in self.query("SELECT version FROM schema_migrations")}
            for version, name in sorted(MIGRATION_FILES.items()):
                if version in done:
                    continue
                for statement in split_statements(read_sql(name)):
                    self.execute(statement)
                self.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [version, datetime.now(timezone.utc).isoformat()],
                )
            return max(MIGRATION_FILES)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
