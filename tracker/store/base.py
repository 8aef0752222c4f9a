"""The plumbing both databases share: transactions, statements, migrations,
and the small interface each dialect fills in.

Queries are written once, with `?` placeholders, in the subset of SQL that
SQLite and PostgreSQL read alike (`ON CONFLICT`, `RETURNING`, text dates),
in one module per area (campaigns, clicks, orders, shops, metrics, access,
copying); `Store` puts them together. A dialect supplies connections,
transactions and the few statements that truly differ.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator, Sequence, Sized
from datetime import UTC, datetime
from importlib import resources
from typing import Any

# Versioned migrations: version -> file in this package. A new database gets
# schema.sql, which always holds every table, and is marked with every
# version; an older one gets the versions it lacks, in order.
MIGRATION_FILES = {
    1: "migrations/0001_initial.sql",
    2: "migrations/0002_access.sql",
    3: "migrations/0003_report_index.sql",
    4: "migrations/0004_orders.sql",
    5: "migrations/0005_house_in_order.sql",
    6: "migrations/0006_rollups.sql",
    7: "migrations/0007_users.sql",
    8: "migrations/0008_audience.sql",
    9: "migrations/0009_heartbeat.sql",
    10: "migrations/0010_partitions.sql",
    11: "migrations/0011_partials.sql",
    12: "migrations/0012_visitor_bytes.sql",
    13: "migrations/0013_live_counts_postgres.sql",
    14: "migrations/0014_export_index.sql",
}
SCHEMA_VERSION = max(MIGRATION_FILES)
HEARTBEAT = (
    "INSERT INTO heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at"
)


def placeholders(values: Sized) -> str:
    """One `?` per value, comma-separated: `IN (…)` and `VALUES (…)` lists."""
    return ", ".join("?" * len(values))


def pending_migrations(done: set[int]) -> list[tuple[int, str]]:
    """What to run: all of schema.sql on a new database, else what is missing."""
    if not done:
        return [(SCHEMA_VERSION, "schema.sql")]
    return [(v, name) for v, name in sorted(MIGRATION_FILES.items()) if v not in done]


class StoreError(Exception):
    """A database problem worth one clear line to the user."""


class Conflict(StoreError):
    """A unique key already holds a row (duplicate slug, code, order…)."""


def read_sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


DIALECT_BLOCK = re.compile(r"^--\s*\[(sqlite|postgresql|both)\]\s*$")


def for_dialect(script: str, dialect: str) -> str:
    """The schema text without the blocks written for the other database:
    a line `-- [sqlite]` or `-- [postgresql]` starts a block for that one,
    `-- [both]` ends it."""
    out, keep = [], True
    for line in script.splitlines(keepends=True):
        marker = DIALECT_BLOCK.match(line.strip())
        if marker:
            keep = marker.group(1) in ("both", dialect)
            continue
        if keep:
            out.append(line)
    return "".join(out)


def split_statements(script: str) -> list[str]:
    """Split a schema file into statements (sqlite3 knows where they end)."""
    import sqlite3

    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


class Database:
    """Connections, transactions and migrations; the queries are mixed in by Store."""

    url: str
    dialect: str

    def __init__(self) -> None:
        self._local = threading.local()
        self._health_lock = threading.Lock()
        self._health: tuple[float | None, tuple[bool, str | None]] = (None, (False, None))
        # "Now", for deciding which days have ended (rollups.py); tests set it.
        self.clock = lambda: datetime.now(UTC)

    def _acquire(self) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def _begin(self, conn) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql

    def _is_conflict(self, exc: Exception) -> bool:
        raise NotImplementedError

    def _starts_with_any(self, expr: str, chars: Sequence[str]) -> tuple[str, list]:
        """A condition (and its parameters): the text starts with one of chars."""
        return f"substr({expr}, 1, 1) IN ({placeholders(chars)})", list(chars)

    def _lock_migrations(self) -> None:
        """Keep other processes out while migrating (SQLite: the transaction
        is BEGIN IMMEDIATE, which already holds the write lock)."""

    def _ddl(self, script: str) -> str:
        """The schema text in this dialect."""
        return for_dialect(script, self.dialect)

    def iter_query(self, sql: str, params: Sequence = ()) -> Iterator[dict]:
        raise NotImplementedError

    def iter_batches(
        self, sql: str, params: Sequence = (), size: int = 5000
    ) -> Iterator[list[tuple]]:
        raise NotImplementedError

    # The hot path: each dialect writes it its own fastest way (clicks.py has the SQL).
    def link_for_redirect(self, code: str) -> dict | None:
        raise NotImplementedError

    def insert_click(self, click: dict) -> bool:
        """One committed row, or False when the link is disabled."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    @contextlib.contextmanager
    def _connection(self):
        conn = getattr(self._local, "txn", None)
        if conn is not None:
            yield conn
            return
        with self._acquire() as conn:
            yield conn

    def transaction(self):
        """All or nothing: statements inside commit together or not at all."""
        return self._bound(self._begin)

    # How a read-only transaction with one snapshot begins (read_snapshot).
    SNAPSHOT = "BEGIN"

    def read_snapshot(self):
        """The statements inside see one state of the database, so that a
        read in several statements (the days to read, then the read) agrees
        with itself. Inside a transaction, that transaction's."""
        return self._bound(self._begin_snapshot)

    @contextlib.contextmanager
    def _bound(self, begin):
        """This thread's statements inside run on one connection, in the
        transaction `begin(conn)` opens (or in the one already open)."""
        if getattr(self._local, "txn", None) is not None:
            yield self
            return
        with self._acquire() as conn, begin(conn):
            self._local.txn = conn
            try:
                yield self
            finally:
                self._local.txn = None

    @contextlib.contextmanager
    def _begin_snapshot(self, conn):
        conn.execute(self.SNAPSHOT)
        try:
            yield
        finally:
            conn.execute("COMMIT")  # nothing was written: this ends the snapshot

    def execute(self, sql: str, params: Sequence = ()) -> Any:
        with self._connection() as conn:
            try:
                return conn.execute(self._sql(sql), params)
            except Exception as exc:
                if self._is_conflict(exc):
                    raise Conflict(str(exc)) from exc
                raise

    def execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        """One statement for many parameter rows (pipelined on PostgreSQL)."""
        if not rows:
            return
        with self._connection() as conn:
            try:
                conn.cursor().executemany(self._sql(sql), rows)
            except Exception as exc:
                if self._is_conflict(exc):
                    raise Conflict(str(exc)) from exc
                raise

    def query(self, sql: str, params: Sequence = ()) -> list[dict]:
        with self._connection() as conn:
            cur = conn.execute(self._sql(sql), params)
            return [dict(row) for row in cur.fetchall()]

    def one(self, sql: str, params: Sequence = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def value(self, sql: str, params: Sequence = ()) -> Any:
        """The first column of the row a query always returns (a COUNT, a
        value just written); a query that returns no row is a bug here."""
        row = self.one(sql, params)
        if row is None:
            raise StoreError(f"no row from: {sql.split()[0]} …")
        return next(iter(row.values()))

    def insert(self, table: str, row: dict) -> None:
        cols = ", ".join(row)
        self.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({placeholders(row)})", list(row.values())
        )

    def migrate(self) -> int:
        """Create or upgrade the schema; idempotent, and safe when several
        processes or app servers start at once."""
        with self.transaction():
            self._lock_migrations()
            self.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r["version"] for r in self.query("SELECT version FROM schema_migrations")}
            for version, name in pending_migrations(done):
                for statement in split_statements(self._ddl(read_sql(name))):
                    with self._connection() as conn:
                        conn.execute(statement)  # DDL: no parameters, no placeholders
                # A new database got schema.sql: it is at every version at once,
                # and only at those that exist (numbers may have gaps while
                # changes that took them are merged one by one).
                for v in sorted(MIGRATION_FILES) if not done else [version]:
                    self.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?) "
                        "ON CONFLICT (version) DO NOTHING",
                        [v, datetime.now(UTC).isoformat()],
                    )
        # The click log's partitions for now and the next months (PostgreSQL;
        # housekeeping keeps them ahead on a running server: redirect.py).
        self.ensure_click_partitions(datetime.now(UTC))
        return SCHEMA_VERSION

    def ensure_click_partitions(self, now: datetime | None = None) -> list[str]:
        """Create the click log's partitions a click may need soon (pruning.py)."""
        return []

    def ping(self) -> bool:
        try:
            return self.value("SELECT 1 AS ok") == 1
        except Exception:
            return False

    def write_heartbeat(self) -> None:
        """One committed write, the way a click is written: raises when
        clicks cannot be written (disk full, read-only file or role, the
        database gone). A rolled-back write would not notice a full disk."""
        self.execute(HEARTBEAT, [datetime.now(UTC).isoformat()])

    def writable(self, max_age: float = 1.0) -> tuple[bool, str | None]:
        """(True, None) if a heartbeat write succeeded, or (False, why).

        At most one write per `max_age` seconds per process: /healthz may be
        asked often (load balancers, containers) and is answered from the
        last result meanwhile; a click never waits for it."""
        lock = self._health_lock
        with lock:
            checked, result = self._health
            now = time.monotonic()
            if checked is not None and now - checked < max_age:
                return result
            try:
                self.write_heartbeat()
                result = (True, None)
            except Exception as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                result = (False, f"{type(exc).__name__}: {reason}"[:200])
            self._health = (time.monotonic(), result)
            return result


from .access import AccessQueries  # noqa: E402  (each mixin subclasses Database, above)
from .campaigns import CampaignQueries  # noqa: E402
from .clicks import ClickQueries  # noqa: E402
from .copying import CopyQueries  # noqa: E402
from .metrics import MetricQueries  # noqa: E402
from .orders import OrderQueries  # noqa: E402
from .pruning import PruneQueries  # noqa: E402
from .rollups import RollupQueries  # noqa: E402
from .shops import ShopQueries  # noqa: E402
from .users import UserQueries  # noqa: E402


class Store(
    CampaignQueries,
    ClickQueries,
    PruneQueries,
    RollupQueries,
    OrderQueries,
    ShopQueries,
    MetricQueries,
    AccessQueries,
    UserQueries,
    CopyQueries,
    Database,
):
    """Every query the product makes, on one object; SQL lives only in this package."""
