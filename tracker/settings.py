"""Every TRACKER_* setting, in one place: its name, default, help and check.

Settings are read from the environment once, checked, and carried in a
frozen `Config`; CLI flags override them. A bad value stops the program with
one line that names the variable (never a traceback, never a silent
fallback). docs/configuration.md is generated from `SETTINGS`
(`make docs`), so the documentation cannot drift from the code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import BadInput

DEFAULT_DATABASE = "tracker.db"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
SQLITE_SYNC_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class SettingsError(BadInput):
    """A setting in the environment has a value the program cannot use."""


def _text(value: str) -> str:
    return value


def _base_url(value: str) -> str:
    from .validate import base_url

    return base_url(value, "base URL")


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not value.strip().isascii() or not value.strip().isdigit() or int(value) < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}")
        return int(value)

    return parse


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip().upper() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value.strip().upper()

    return parse


def _optional_whole(value: str) -> int | None:
    return _whole(1)(value) if value.strip() else None


def _optional_whole_or_zero(value: str) -> int | None:
    return _whole(0)(value) if value.strip() else None


def _seconds(value: str) -> float:
    try:
        seconds = float(value.strip())
    except ValueError:
        raise ValueError("must be a number of seconds, e.g. 2 or 0.5") from None
    if not 0 < seconds <= 3600:
        raise ValueError("must be more than 0 and at most 3600 seconds")
    return seconds


@dataclass(frozen=True)
class Setting:
    env: str
    field: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    server_only: bool = False  # read by gunicorn's configuration, not by the app


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "TRACKER_DATABASE",
        "database",
        DEFAULT_DATABASE,
        _text,
        "SQLite file, or `postgresql://user:password@host:5432/db`",
    ),
    Setting(
        "TRACKER_BASE_URL",
        "base_url",
        DEFAULT_BASE_URL,
        _base_url,
        "public URL of the server, used in short links and share links",
    ),
    Setting(
        "TRACKER_TRUSTED_PROXIES",
        "trusted_proxies",
        0,
        _whole(0),
        "reverse proxies in front that append to `X-Forwarded-For`; "
        "0 ignores the header (a client could forge it)",
    ),
    Setting(
        "TRACKER_MAX_BODY_BYTES",
        "max_body_bytes",
        10 * 1024 * 1024,
        _whole(1),
        "largest request body (413 above)",
    ),
    Setting(
        "TRACKER_MAX_IMPORT_BYTES",
        "max_import_bytes",
        50 * 1024 * 1024,
        _whole(1),
        "largest file an import reads",
    ),
    Setting(
        "TRACKER_SQLITE_SYNC",
        "sqlite_sync",
        "NORMAL",
        _one_of(*SQLITE_SYNC_MODES),
        "SQLite `synchronous`; FULL fsyncs each click (survives power loss, slower)",
    ),
    Setting(
        "TRACKER_PG_POOL",
        "pg_pool",
        8,
        _whole(1),
        "PostgreSQL connections per worker process (besides the redirect's own)",
    ),
    Setting(
        "TRACKER_PG_TIMEOUT",
        "pg_timeout",
        2.0,
        _seconds,
        "seconds a click's statement may wait on PostgreSQL (a lock, a stalled server) "
        "before the redirect answers 503: `statement_timeout` and `lock_timeout` of the "
        "redirect's connection",
    ),
    Setting(
        "TRACKER_WAL_MAX_MB",
        "wal_max_mb",
        16,
        _whole(1),
        "SQLite: past this many MB the WAL file is checkpointed and reset at once "
        "(kept at most this size after), so it stays bounded under any load",
    ),
    Setting(
        "TRACKER_HEAVY_REQUESTS",
        "heavy_requests",
        2,
        _whole(1),
        "stats, export and upload requests that run at once in each process that runs "
        "them (a report server process, or each worker with TRACKER_REPORT_WORKERS=0); "
        "a worker hands at most half its threads' worth to the report server (twice this "
        "many to its own threads) and answers more with a 503, so they never hold up a "
        "redirect",
    ),
    Setting(
        "TRACKER_REPORT_WORKERS",
        "report_workers",
        None,
        _optional_whole_or_zero,
        "processes of the report server, which runs stats pages, reports, exports and "
        "imports apart from the redirect's workers, at a lower CPU priority (default: "
        "cores, at most 4); 0 runs them on lower-priority threads of each worker instead",
        True,
    ),
    Setting(
        "TRACKER_BIND",
        "bind",
        "127.0.0.1:8000",
        _text,
        "address:port gunicorn listens on (comma-separated for several)",
        True,
    ),
    Setting(
        "TRACKER_WORKERS",
        "workers",
        None,
        _optional_whole,
        "worker processes (default: cores + 1 on SQLite, 2 x cores + 1 on PostgreSQL)",
        True,
    ),
    Setting(
        "TRACKER_THREADS",
        "threads",
        16,
        _whole(2),
        "threads per worker process (they wait on clicks' writes, not on reports)",
        True,
    ),
    Setting(
        "TRACKER_HEADER_TIMEOUT",
        "header_timeout",
        10.0,
        _seconds,
        "seconds a client has to send a request's headers before the connection is closed "
        "(slow clients cost no thread meanwhile)",
        True,
    ),
    Setting(
        "TRACKER_ACCESS_LOG",
        "access_log",
        None,
        lambda v: v or None,
        "`-` for stdout, a file path, or unset for none (never holds client addresses)",
        True,
    ),
    Setting(
        "TRACKER_CONTROL_SOCKET",
        "control_socket",
        None,
        lambda v: v or None,
        "where gunicorn >= 25.1 puts its control socket (default: none, or systemd's "
        "RuntimeDirectory)",
        True,
    ),
)
BY_ENV = {s.env: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    database: str = DEFAULT_DATABASE
    base_url: str = DEFAULT_BASE_URL
    trusted_proxies: int = 0
    max_body_bytes: int = 10 * 1024 * 1024
    max_import_bytes: int = 50 * 1024 * 1024
    sqlite_sync: str = "NORMAL"
    pg_pool: int = 8
    pg_timeout: float = 2.0
    wal_max_mb: int = 16
    heavy_requests: int = 2
    report_workers: int | None = None
    bind: str = "127.0.0.1:8000"
    workers: int | None = None
    threads: int = 16
    header_timeout: float = 10.0
    access_log: str | None = None
    control_socket: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Config:
        """Every setting from the environment, checked; overrides (CLI flags) win."""
        env = os.environ if env is None else env
        values = {s.field: read(s.env, env) for s in SETTINGS}
        values.update({k: _flag(k, v) for k, v in overrides.items() if v is not None})
        return cls(**values)


def read(name: str, env: Mapping[str, str] | None = None) -> Any:
    """One setting, checked: its default when unset or empty."""
    setting = BY_ENV[name]
    raw = (os.environ if env is None else env).get(name, "")
    if raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except (ValueError, BadInput) as exc:
        reason = exc.message if isinstance(exc, BadInput) else str(exc)
        raise SettingsError(f"{name}={raw!r}: {reason}") from None


def _flag(field: str, value: Any) -> Any:
    """A CLI flag's value, checked like the variable it overrides."""
    setting = next(s for s in SETTINGS if s.field == field)
    if not isinstance(value, str):
        return value
    try:
        return setting.parse(value)
    except (ValueError, BadInput) as exc:
        reason = exc.message if isinstance(exc, BadInput) else str(exc)
        raise SettingsError(f"--{field.replace('_', '-')} {value!r}: {reason}") from None


def markdown_table() -> str:
    """The settings as a Markdown table, for docs/configuration.md."""
    assert {s.field for s in SETTINGS} == {f.name for f in fields(Config)}
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(none)" if s.default is None else f"`{s.default}`"
        where = " *(gunicorn)*" if s.server_only else ""
        rows.append(f"| `{s.env}` | {default} | {s.help}{where} |")
    return "\n".join(rows)
