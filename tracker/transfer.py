"""`tracker migrate-data`: copy a whole install from one database to another
(usually SQLite to PostgreSQL), every row and id kept, in one transaction on
the target, and every table's count checked at the end."""

from __future__ import annotations

import sys
from collections.abc import Callable

from .errors import BadInput, TrackerError
from .store import Store
from .store.copying import COPY_ORDER

BATCH = 2000


class CountMismatch(TrackerError):
    status, code = 500, "count_mismatch"


def migrate_data(
    source: Store, target: Store, progress: Callable[[str], None] | None = None
) -> dict:
    progress = progress or (lambda text: None)
    if source.url == target.url:
        raise BadInput("--from and --to are the same database")
    source.migrate()
    target.migrate()
    busy = [t for t, _ in COPY_ORDER if t not in ("settings",) and target.count(t)]
    if busy:
        raise BadInput(
            f"the target already holds data ({', '.join(busy)}); "
            "migrate-data only copies into an empty database"
        )
    expected = {table: source.count(table) for table, _ in COPY_ORDER}
    with target.transaction():
        target.clear_settings()  # the target's fresh secrets yield to the source's
        for table, _ in COPY_ORDER:
            copied, batch = 0, []
            for row in source.table_rows(table):
                batch.append(row)
                if len(batch) == BATCH:
                    target.copy_rows(table, batch)
                    copied += len(batch)
                    batch = []
                    progress(f"{table}: {copied}/{expected[table]}")
            target.copy_rows(table, batch)
            copied += len(batch)
            progress(f"{table}: {copied} row(s) copied")
        target.reset_identities()
        got = {table: target.count(table) for table, _ in COPY_ORDER}
        if got != expected:
            wrong = ", ".join(
                f"{t}: {expected[t]} -> {got[t]}" for t in expected if got[t] != expected[t]
            )
            raise CountMismatch(f"counts differ after the copy ({wrong}); nothing was written")
    return {"tables": expected, "rows": sum(expected.values())}


def print_progress(text: str) -> None:
    print(f"migrate-data: {text}", file=sys.stderr)
