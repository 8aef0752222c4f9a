"""The only code that speaks SQL.

`open_store(url)` gives a `Store` for either database: a file path (or
`sqlite:///path`) opens SQLite, `postgresql://…` opens PostgreSQL. Everything
above this package calls the same methods and never sees a dialect.
"""

from .base import Conflict, Store, StoreError

__all__ = ["Conflict", "Store", "StoreError", "open_store", "is_postgres_url", "redact"]


def redact(url: str) -> str:
    """The database URL without its password, for messages and logs."""
    import re

    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_store(url: str) -> Store:
    if is_postgres_url(url):
        from .postgres import PostgresStore

        return PostgresStore(url)
    from .sqlite import SQLiteStore

    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///") :]
    return SQLiteStore(url)
