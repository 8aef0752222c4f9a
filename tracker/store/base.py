"""SQL shared by both databases, and the small interface each dialect fills in.

Queries are written once, with `?` placeholders, in the subset of SQL that
SQLite and PostgreSQL read alike (`ON CONFLICT`, `RETURNING`, text dates).
A dialect supplies connections, transactions and the few statements that
truly differ.
"""
from __future__ import annotations

import contextlib
import threading
from importlib import resources
from typing import Any, Iterable, Iterator, Sequence

SCHEMA_VERSION = 1
MIGRATION_FILES = {1: "schema.sql"}   # version -> file in this package


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
INSERT_CLICK = "INSERT INTO clicks ({}) VALUES ({})".format(
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
 WHERE k.campaign_id = ? AND k.day >= ? AND k.day <= ? {bots}
 ORDER BY k.at, k.id
"""

SUMMARY_KEYS = {"creator_id", "source", "day"}


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

    def migrate(self) -> int:
        raise NotImplementedError

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

    def set_link_disabled(self, code: str, disabled: bool) -> bool:
        cur = self.execute(
            "UPDATE links SET disabled = ? WHERE code = ?", [int(disabled), code]
        )
        return cur.rowcount > 0

    # -- the hot path -------------------------------------------------------
    def link_for_redirect(self, code: str) -> dict | None:
        return self.one(LINK_FOR_REDIRECT, [code])

    def insert_click(self, click: dict) -> None:
        """One statement, committed when it returns (autocommit)."""
        self.execute(INSERT_CLICK, [click[c] for c in CLICK_COLUMNS])

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
                      include_bots: bool) -> Iterator[dict]:
        """Clicks of the campaign's local days day_from..day_to, streamed."""
        sql = EXPORT_SELECT.format(bots="" if include_bots else "AND k.is_bot = 0")
        return self.iter_query(sql, [campaign_id, day_from, day_to])

    def click_count(self, campaign_id: int | None = None) -> int:
        if campaign_id is None:
            return self.one("SELECT COUNT(*) AS n FROM clicks")["n"]
        return self.one(
            "SELECT COUNT(*) AS n FROM clicks WHERE campaign_id = ?", [campaign_id]
        )["n"]

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
