"""SQL shared by both databases, and the small interface each dialect fills in.

Queries are written once, with `?` placeholders, in the subset of SQL that
SQLite and PostgreSQL read alike (`ON CONFLICT`, `RETURNING`, text dates).
A dialect supplies connections, transactions and the few statements that
truly differ.
"""
from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from importlib import resources
from typing import Any, Iterable, Iterator, Sequence

# Versioned migrations: version -> file in this package. A new database gets
# schema.sql, which always holds every table, and is marked with every
# version; an older one gets the versions it lacks, in order.
MIGRATION_FILES = {1: "migrations/0001_initial.sql", 2: "migrations/0002_access.sql",
                   3: "migrations/0003_report_index.sql"}
SCHEMA_VERSION = max(MIGRATION_FILES)


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


CLICK_COLUMNS = (
    "id", "link_id", "campaign_id", "creator_id", "at", "day", "referrer",
    "referrer_host", "user_agent", "device", "os", "browser", "in_app",
    "source", "platform", "reason", "ad_click_id", "is_bot", "visitor",
)
# The click is written only while its link is enabled: the disabled check and
# the insert are one statement, so a cached link can never outlive a disable.
INSERT_CLICK = "INSERT INTO clicks ({}) SELECT {} FROM links WHERE id = ? AND disabled = 0".format(
    ", ".join(CLICK_COLUMNS), ", ".join("?" * len(CLICK_COLUMNS))
)

LINK_FOR_REDIRECT = """
SELECT l.id, l.destination, l.target_url, l.channel, l.disabled, l.campaign_id, l.creator_id,
       c.timezone, cr.platform AS creator_platform
  FROM links l
  JOIN campaigns c ON c.id = l.campaign_id
  JOIN creators cr ON cr.id = l.creator_id
 WHERE l.code = ?
"""

LINK_SELECT = """
SELECT l.id, l.code, l.channel, l.destination, l.target_url, l.disabled,
       l.created_at, c.slug AS campaign, cr.handle AS creator,
       cr.platform AS creator_platform
  FROM links l
  JOIN campaigns c ON c.id = l.campaign_id
  JOIN creators cr ON cr.id = l.creator_id
"""

EXPORT_SELECT = """
SELECT k.id AS click_id, k.at AS clicked_at, c.slug AS campaign,
       cr.handle AS creator, k.platform, l.channel, k.source, k.reason,
       k.is_bot, k.device, k.os, k.browser, k.referrer_host, k.ad_click_id,
       k.visitor
  FROM clicks k
  JOIN links l ON l.id = k.link_id
  JOIN campaigns c ON c.id = k.campaign_id
  JOIN creators cr ON cr.id = k.creator_id
 WHERE k.campaign_id = ? AND k.day >= ? AND k.day <= ? {bots} {creator}
 ORDER BY k.day, k.at, k.id
"""

SUMMARY_KEYS = {"creator_id", "source", "day"}

# What the edit commands may change, and the tables whose rows hang on a campaign.
EDITABLE = {"campaigns": {"name", "destination", "starts_on", "timezone", "currency",
                          "budget_minor"},
            "creators": {"platform", "name"}}
ON_CAMPAIGN = ("links", "promo_codes", "metrics", "clicks", "redemptions")

# Every table worth copying to another database, parents before children,
# with the columns that order its rows. auth_failures is transient.
COPY_ORDER = (
    ("settings", "key"), ("campaigns", "id"), ("creators", "id"),
    ("campaign_creators", "campaign_id, creator_id"), ("links", "id"), ("clicks", "id"),
    ("visitor_salts", "day"), ("promo_codes", "code"), ("redemptions", "order_id"),
    ("metrics", "campaign_id, creator_id, source, day"), ("api_tokens", "id"),
    ("share_secrets", "campaign_id"),
)
IDENTITY_TABLES = ("campaigns", "creators", "links", "api_tokens")

ORDERS_FOR_REPORT = """
SELECT r.order_id, r.amount_minor, r.redeemed_at,
       k.creator_id AS click_creator_id, k.source AS click_source,
       p.creator_id AS code_creator_id, p.source AS code_source
  FROM redemptions r
  LEFT JOIN clicks k ON k.id = r.click_id
  LEFT JOIN promo_codes p ON p.code = r.code
 WHERE r.campaign_id = ?
 ORDER BY r.redeemed_at, r.order_id
"""

METRIC_COLUMNS = ("impressions", "views", "reach", "likes", "comments", "shares", "saves",
                  "followers_gained", "spend_minor")


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


_reader_pool: tuple[int, ThreadPoolExecutor] | None = None


def _readers() -> ThreadPoolExecutor:
    """Threads for parallel read queries, one set per process (not shared
    across a fork); each thread keeps its own connection."""
    global _reader_pool
    if _reader_pool is None or _reader_pool[0] != os.getpid():
        _reader_pool = (os.getpid(), ThreadPoolExecutor(4, thread_name_prefix="tracker-read"))
    return _reader_pool[1]


class Store:
    """Methods every part of the product uses; SQL lives only here."""

    url: str
    dialect: str

    def __init__(self) -> None:
        self._local = threading.local()

    # -- what a dialect provides -------------------------------------------
    def _acquire(self) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def _begin(self, conn) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql

    def _is_conflict(self, exc: Exception) -> bool:
        raise NotImplementedError

    def _lock_migrations(self) -> None:
        """Keep other processes out while migrating (SQLite: the transaction
        is BEGIN IMMEDIATE, which already holds the write lock)."""

    def _ddl(self, script: str) -> str:
        """The schema text in this dialect."""
        return script

    def iter_query(self, sql: str, params: Sequence = ()) -> Iterator[dict]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    # -- plumbing ----------------------------------------------------------
    @contextlib.contextmanager
    def _connection(self):
        conn = getattr(self._local, "txn", None)
        if conn is not None:
            yield conn
            return
        with self._acquire() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self):
        """All or nothing: statements inside commit together or not at all."""
        if getattr(self._local, "txn", None) is not None:
            yield self
            return
        with self._acquire() as conn, self._begin(conn):
            self._local.txn = conn
            try:
                yield self
            finally:
                self._local.txn = None

    def execute(self, sql: str, params: Sequence = ()) -> Any:
        with self._connection() as conn:
            try:
                return conn.execute(self._sql(sql), params)
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

    def insert(self, table: str, row: dict, returning: str | None = None):
        cols = ", ".join(row)
        marks = ", ".join("?" * len(row))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        if returning:
            sql += f" RETURNING {returning}"
            with self._connection() as conn:
                try:
                    cur = conn.execute(self._sql(sql), list(row.values()))
                    return dict(cur.fetchone())[returning]
                except Exception as exc:
                    if self._is_conflict(exc):
                        raise Conflict(str(exc)) from exc
                    raise
        self.execute(sql, list(row.values()))
        return None

    def migrate(self) -> int:
        """Create or upgrade the schema; idempotent, and safe when several
        processes or app servers start at once."""
        with self.transaction():
            self._lock_migrations()
            self.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                         "(version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {r["version"] for r in self.query("SELECT version FROM schema_migrations")}
            for version, name in pending_migrations(done):
                for statement in split_statements(self._ddl(read_sql(name))):
                    with self._connection() as conn:
                        conn.execute(statement)     # DDL: no parameters, no placeholders
                # A new database got schema.sql: it is at every version at once.
                for v in range(1, version + 1) if not done else [version]:
                    self.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?) "
                        "ON CONFLICT (version) DO NOTHING",
                        [v, datetime.now(timezone.utc).isoformat()])
        return SCHEMA_VERSION

    def ping(self) -> bool:
        try:
            return self.one("SELECT 1 AS ok")["ok"] == 1
        except Exception:
            return False

    # -- settings and secrets ----------------------------------------------
    def setting(self, key: str) -> str | None:
        row = self.one("SELECT value FROM settings WHERE key = ?", [key])
        return row["value"] if row else None

    def ensure_setting(self, key: str, value: str) -> str:
        """Store value under key unless one is there; return the stored one."""
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            [key, value],
        )
        return self.setting(key)

    def set_setting(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # -- campaigns, creators, links -----------------------------------------
    def campaign(self, slug: str) -> dict | None:
        return self.one("SELECT * FROM campaigns WHERE slug = ?", [slug])

    def campaign_by_id(self, campaign_id: int) -> dict | None:
        return self.one("SELECT * FROM campaigns WHERE id = ?", [campaign_id])

    def campaigns(self) -> list[dict]:
        return self.query("SELECT * FROM campaigns ORDER BY created_at, id")

    def creator(self, handle: str) -> dict | None:
        return self.one("SELECT * FROM creators WHERE handle = ?", [handle])

    def creators(self) -> list[dict]:
        return self.query("SELECT * FROM creators ORDER BY handle")

    def enroll(self, campaign_id: int, creator_id: int, fee_minor: int) -> None:
        self.execute(
            "INSERT INTO campaign_creators (campaign_id, creator_id, fee_minor) "
            "VALUES (?, ?, ?) ON CONFLICT (campaign_id, creator_id) "
            "DO UPDATE SET fee_minor = excluded.fee_minor",
            [campaign_id, creator_id, fee_minor],
        )

    def ensure_enrolled(self, campaign_id: int, creator_id: int) -> bool:
        """Enrol with no fee unless enrolled already (a link or promo code
        puts its creator on the campaign). True if this enrolled them."""
        cur = self.execute(
            "INSERT INTO campaign_creators (campaign_id, creator_id, fee_minor) VALUES (?, ?, 0) "
            "ON CONFLICT (campaign_id, creator_id) DO NOTHING", [campaign_id, creator_id])
        return cur.rowcount == 1

    def unenroll(self, campaign_id: int, creator_id: int) -> bool:
        return self.execute(
            "DELETE FROM campaign_creators WHERE campaign_id = ? AND creator_id = ?",
            [campaign_id, creator_id]).rowcount > 0

    def _update(self, table: str, row_id: int, fields: dict) -> None:
        """UPDATE table SET fields WHERE id = row_id (column names are ours)."""
        assert table in EDITABLE and set(fields) <= EDITABLE[table], (table, fields)
        if fields:
            self.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in fields)} "
                         "WHERE id = ?", [*fields.values(), row_id])

    def update_campaign(self, campaign_id: int, fields: dict) -> None:
        self._update("campaigns", campaign_id, fields)

    def update_creator(self, creator_id: int, fields: dict) -> None:
        self._update("creators", creator_id, fields)

    def rows_on_campaign(self, table: str, campaign_id: int, creator_id: int | None = None) -> int:
        """How many rows of `table` belong to a campaign (or to one creator on it)."""
        assert table in ON_CAMPAIGN and (creator_id is None or table != "redemptions"), table
        sql = f"SELECT COUNT(*) AS n FROM {table} WHERE campaign_id = ?"
        params = [campaign_id]
        if creator_id is not None:
            sql += " AND creator_id = ?"
            params.append(creator_id)
        return int(self.one(sql, params)["n"])

    def enrolment(self, campaign_id: int, creator_id: int) -> dict | None:
        return self.one(
            "SELECT * FROM campaign_creators WHERE campaign_id = ? AND creator_id = ?",
            [campaign_id, creator_id],
        )

    def campaign_creators(self, campaign_id: int) -> list[dict]:
        return self.query(
            "SELECT cr.id, cr.handle, cr.platform, cr.name, cc.fee_minor "
            "FROM campaign_creators cc JOIN creators cr ON cr.id = cc.creator_id "
            "WHERE cc.campaign_id = ? ORDER BY cr.handle",
            [campaign_id],
        )

    def link(self, code: str) -> dict | None:
        return self.one(LINK_SELECT + " WHERE l.code = ?", [code])

    def links(self, campaign_id: int) -> list[dict]:
        return self.query(
            LINK_SELECT + " WHERE l.campaign_id = ? ORDER BY l.created_at, l.id",
            [campaign_id],
        )

    def creator_links(self, creator_id: int) -> list[dict]:
        return self.query(LINK_SELECT + " WHERE l.creator_id = ? ORDER BY l.created_at, l.id",
                          [creator_id])

    def set_link_target(self, link_id: int, destination: str, target_url: str) -> None:
        self.execute("UPDATE links SET destination = ?, target_url = ? WHERE id = ?",
                     [destination, target_url, link_id])

    def set_link_disabled(self, code: str, disabled: bool) -> bool:
        cur = self.execute(
            "UPDATE links SET disabled = ? WHERE code = ?", [int(disabled), code]
        )
        return cur.rowcount > 0

    # -- the hot path -------------------------------------------------------
    def link_for_redirect(self, code: str) -> dict | None:
        return self.one(LINK_FOR_REDIRECT, [code])

    def insert_click(self, click: dict) -> bool:
        """One statement, committed when it returns (autocommit).
        False when the link is disabled (nothing was written)."""
        cur = self.execute(INSERT_CLICK, [click[c] for c in CLICK_COLUMNS] + [click["link_id"]])
        return cur.rowcount == 1

    def visitor_salt(self, day: str, new_salt: str) -> str:
        """The salt for `day`, created by whichever server asks first."""
        self.execute(
            "INSERT INTO visitor_salts (day, salt) VALUES (?, ?) ON CONFLICT (day) DO NOTHING",
            [day, new_salt],
        )
        return self.one("SELECT salt FROM visitor_salts WHERE day = ?", [day])["salt"]

    def forget_salts_before(self, day: str) -> None:
        self.execute("DELETE FROM visitor_salts WHERE day < ?", [day])

    # -- reading clicks -----------------------------------------------------
    def export_clicks(self, campaign_id: int, day_from: str, day_to: str,
                      include_bots: bool, creator_id: int | None = None) -> Iterator[dict]:
        """Clicks of the campaign's local days day_from..day_to, streamed."""
        sql = EXPORT_SELECT.format(bots="" if include_bots else "AND k.is_bot = 0",
                                   creator="" if creator_id is None else "AND k.creator_id = ?")
        params = [campaign_id, day_from, day_to] + ([] if creator_id is None else [creator_id])
        return self.iter_query(sql, params)

    def click_count(self, campaign_id: int | None = None) -> int:
        if campaign_id is None:
            return self.one("SELECT COUNT(*) AS n FROM clicks")["n"]
        return self.one(
            "SELECT COUNT(*) AS n FROM clicks WHERE campaign_id = ?", [campaign_id]
        )["n"]

    def click_summaries(self, campaign_id: int, groupings: dict[str, Iterable[str]],
                        day_from: str, day_to: str) -> dict[str, list[dict]]:
        """Several click_summary groupings at once. Each is a scan of the
        campaign's clicks; both databases serve concurrent readers, so they
        run side by side (about 2x faster on two cores)."""
        pool = _readers()
        futures = {name: pool.submit(self.click_summary, campaign_id, keys, day_from, day_to)
                   for name, keys in groupings.items()}
        return {name: future.result() for name, future in futures.items()}

    def click_summary(self, campaign_id: int, keys: Iterable[str],
                      day_from: str, day_to: str) -> list[dict]:
        """Human clicks, bot clicks and distinct human visitors, grouped by keys.

        Distinct visitors are counted inside each group, which always
        includes the day: the visitor hash changes every day, so a visitor is
        unique per day by construction.
        """
        keys = sorted(set(keys) | {"day"})
        if not set(keys) <= SUMMARY_KEYS:
            raise ValueError(f"cannot group clicks by {keys}")
        cols = ", ".join(keys)
        return self.query(
            f"SELECT {cols}, "
            "SUM(CASE WHEN is_bot = 0 THEN 1 ELSE 0 END) AS clicks, "
            "SUM(is_bot) AS bot_clicks, "
            "COUNT(DISTINCT CASE WHEN is_bot = 0 THEN visitor END) AS visitors "
            "FROM clicks WHERE campaign_id = ? AND day >= ? AND day <= ? "
            f"GROUP BY {cols} ORDER BY {cols}",
            [campaign_id, day_from, day_to],
        )


    # -- conversions and platform metrics -------------------------------------
    def promo_code(self, code: str) -> dict | None:
        return self.one("SELECT * FROM promo_codes WHERE code = ?", [code.lower()])

    def promo_codes(self, campaign_id: int) -> list[dict]:
        return self.query(
            "SELECT p.code, p.source, cr.handle AS creator FROM promo_codes p "
            "JOIN creators cr ON cr.id = p.creator_id WHERE p.campaign_id = ? ORDER BY p.code",
            [campaign_id])

    def promo_code_owner(self, code: str) -> dict | None:
        """A promo code with its campaign's slug and its creator's handle."""
        return self.one(
            "SELECT p.code, p.source, c.slug AS campaign, cr.handle AS creator "
            "FROM promo_codes p JOIN campaigns c ON c.id = p.campaign_id "
            "JOIN creators cr ON cr.id = p.creator_id WHERE p.code = ?", [code.lower()])

    def orders_with_code(self, code: str) -> int:
        return int(self.one("SELECT COUNT(*) AS n FROM redemptions WHERE code = ?",
                            [code.lower()])["n"])

    def delete_promo_code(self, code: str) -> bool:
        return self.execute("DELETE FROM promo_codes WHERE code = ?", [code.lower()]).rowcount > 0

    def click_owner(self, click_id: str) -> dict | None:
        return self.one("SELECT campaign_id, creator_id, source FROM clicks WHERE id = ?",
                        [click_id])

    def insert_redemptions(self, rows: list[dict]) -> int:
        """Insert orders not seen before; return how many were new."""
        new = 0
        with self.transaction():
            for row in rows:
                cur = self.execute(
                    "INSERT INTO redemptions (order_id, campaign_id, code, click_id, amount_minor, "
                    "currency, redeemed_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (order_id) DO NOTHING",
                    [row["order_id"], row["campaign_id"], row["code"], row["click_id"],
                     row["amount_minor"], row["currency"], row["redeemed_at"], row["imported_at"]])
                new += cur.rowcount
        return new

    def upsert_metrics(self, rows: list[dict]) -> None:
        cols = ("campaign_id", "creator_id", "source", "day") + METRIC_COLUMNS
        updates = ", ".join(f"{c} = excluded.{c}" for c in METRIC_COLUMNS)
        sql = (f"INSERT INTO metrics ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
               f"ON CONFLICT (campaign_id, creator_id, source, day) DO UPDATE SET {updates}")
        with self.transaction():
            for row in rows:
                self.execute(sql, [row.get(c) for c in cols])

    def report_orders(self, campaign_id: int) -> list[dict]:
        return self.query(ORDERS_FOR_REPORT, [campaign_id])

    def report_metrics(self, campaign_id: int) -> list[dict]:
        return self.query(
            f"SELECT creator_id, source, day, {', '.join(METRIC_COLUMNS)} "
            "FROM metrics WHERE campaign_id = ? ORDER BY day", [campaign_id])

    # -- access: tokens, share secrets, failed attempts --------------------------
    def token_by_hash(self, token_hash: str) -> dict | None:
        return self.one(
            "SELECT t.*, c.slug AS campaign FROM api_tokens t "
            "LEFT JOIN campaigns c ON c.id = t.campaign_id WHERE t.token_hash = ?", [token_hash])

    def tokens(self) -> list[dict]:
        return self.query(
            "SELECT t.name, t.read_only, t.created_at, c.slug AS campaign FROM api_tokens t "
            "LEFT JOIN campaigns c ON c.id = t.campaign_id ORDER BY t.name")

    def delete_token(self, name: str) -> bool:
        return self.execute("DELETE FROM api_tokens WHERE name = ?", [name]).rowcount > 0

    def share_secret(self, campaign_id: int) -> str | None:
        row = self.one("SELECT secret FROM share_secrets WHERE campaign_id = ?", [campaign_id])
        return row["secret"] if row else None

    def set_share_secret(self, campaign_id: int, secret: str, now: str,
                         replace: bool = True) -> str:
        action = "UPDATE SET secret = excluded.secret, rotated_at = excluded.rotated_at" \
            if replace else "NOTHING"
        self.execute(
            "INSERT INTO share_secrets (campaign_id, secret, rotated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT (campaign_id) DO {action}", [campaign_id, secret, now])
        return self.share_secret(campaign_id)

    def add_auth_failure(self, client: str, minute: str) -> None:
        self.execute(
            "INSERT INTO auth_failures (client, minute, failures) VALUES (?, ?, 1) "
            "ON CONFLICT (client, minute) DO UPDATE SET failures = auth_failures.failures + 1",
            [client, minute])

    def auth_failures_since(self, client: str, minute: str) -> int:
        row = self.one("SELECT COALESCE(SUM(failures), 0) AS n FROM auth_failures "
                       "WHERE client = ? AND minute >= ?", [client, minute])
        return int(row["n"])

    def forget_auth_failures_before(self, minute: str) -> None:
        self.execute("DELETE FROM auth_failures WHERE minute < ?", [minute])

    # -- copying a whole install (tracker migrate-data) ------------------------------
    def count(self, table: str) -> int:
        assert table in dict(COPY_ORDER), table
        return int(self.one(f"SELECT COUNT(*) AS n FROM {table}")["n"])

    def table_rows(self, table: str) -> Iterator[dict]:
        return self.iter_query(f"SELECT * FROM {table} ORDER BY {dict(COPY_ORDER)[table]}")

    def copy_rows(self, table: str, rows: list[dict]) -> None:
        """Insert rows as they are, ids included (inside a transaction)."""
        if not rows:
            return
        cols = list(rows[0])
        sql = self._sql(f"INSERT INTO {table} ({', '.join(cols)}) "
                        f"VALUES ({', '.join('?' * len(cols))})")
        with self._connection() as conn:
            conn.cursor().executemany(sql, [[row[c] for c in cols] for row in rows])

    def reset_identities(self) -> None:
        """After rows were copied with their ids, new ids must follow them."""
