"""What commands print, shared by all of them.

Records go to stdout: with --json as JSON (an object for one record, an
array for a list), else lists and records as tab-separated columns under a
header row (so `cut -f1` and spreadsheets read them). Notes and progress go
to stderr. An error is one line `tracker: error: …` on stderr (with --json:
one JSON object {"error": {"code", "message", "details"}}), exit status 2.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Iterable, Sequence

import click

Column = tuple[str, "str | Callable[[dict], object]"]


def note(text: str) -> None:
    """A message for the person at the terminal, on stderr."""
    click.echo(text, err=True)


def print_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table(rows: Iterable[dict], columns: Sequence[Column]) -> None:
    """Rows as tab-separated columns under a header row."""
    click.echo("\t".join(name for name, _ in columns))
    for row in rows:
        click.echo(
            "\t".join(cell(get(row) if callable(get) else row.get(get)) for _, get in columns)
        )


def emit(
    result,
    as_json: bool,
    columns: Sequence[Column] | None = None,
    human: Callable[[dict], str] | None = None,
) -> None:
    """A record or a list: JSON, a table (columns), or one line (human)."""
    if as_json:
        print_json(result)
        return
    if human is not None:
        click.echo(human(result))
        return
    assert columns is not None, "a record needs columns or human"
    rows = result if isinstance(result, list) else [result]
    table(rows, columns)
    if isinstance(result, list) and not result:
        note("(none)")


def report_changes(changed: dict) -> None:
    """What a `set` command changed, {field: [old, new]}, on stderr."""
    if not changed:
        note("nothing changed")
    for field, (old, new) in changed.items():
        note(
            f"{field} changed from {'(none)' if old is None else old} to "
            f"{'(none)' if new is None else new}"
        )


# -- errors ------------------------------------------------------------------------


def one_line(text: str) -> str:
    return " ".join(str(text).split())


FILE_ERRORS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
}


def file_error(exc: OSError) -> str:
    """An OSError in plain words: 'nope.csv: no such file', never '[Errno 2]'."""
    name = exc.filename
    if exc.errno == errno.ENOENT and name is not None:
        parent = os.path.dirname(os.fspath(name))
        if parent and not os.path.isdir(parent):
            return f"{name}: no such directory {parent!r}"
        return f"{name}: no such file"
    words = FILE_ERRORS.get(exc.errno or 0) or one_line(exc.strerror or str(exc)).lower()
    return f"{name}: {words}" if name is not None else words


def fail(message: str, as_json: bool, code: str = "invalid", details=None) -> int:
    """Print the error the one way (the shape of TrackerError.as_json) and
    return the exit status, 2."""
    if as_json:
        click.echo(
            json.dumps(
                {"error": {"code": code, "message": message, "details": details}},
                ensure_ascii=False,
            ),
            err=True,
        )
    else:
        click.echo(f"tracker: error: {message}", err=True)
    return 2
