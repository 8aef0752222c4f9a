"""`tracker init`, `serve`, `demo`, `migrate-data` and `prune`: running an install."""

from __future__ import annotations

import os
import sys

import click

from .. import access, demo, transfer
from .. import prune as pruning
from ..errors import BadInput
from ..store import is_postgres_url, open_store, redact
from .base import Command, json_option, pass_state
from .output import emit, note

# `serve` imports gunicorn (about 80 ms) only when it runs: see serve() below.


@click.command(cls=Command)
@pass_state
def init(state):
    """create or migrate the database and its secrets (idempotent)"""
    store = state.store(migrate=False)
    version = store.migrate()
    access.ensure_secrets(store)
    note(f"database ready: {redact(store.url)} ({store.dialect}, schema version {version})")
    note("next: tracker demo   (sample data)   or   tracker campaign create --help")


@click.command(cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=int, default=8000, show_default=True, help="port to listen on")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="worker processes (default: cores + 1 on SQLite, where every click "
    "waits for the one write lock, at most 9; 2 x cores + 1 on "
    "PostgreSQL, at most 17)",
)
@click.option("--access-log", is_flag=True, help="log requests to stdout (no IPs)")
@pass_state
def serve(state, host, port, workers, access_log):
    """serve the redirect, stats and API with gunicorn"""
    from ..serve import serve as run_gunicorn

    base_url = state.base_url()
    state.store()  # create or migrate the schema before the workers start
    state.close()  # the workers open their own connections
    note(f"tracker serving {state.db_shown} on http://{host}:{port}  (Ctrl-C stops)")
    run_gunicorn(state.db, base_url, host, port, workers, access_log)


@click.command("demo", cls=Command)
@click.option("--slug", default="demo-launch", show_default=True, help="the demo campaign")
@click.option(
    "--clicks",
    type=click.IntRange(min=0),
    default=3000,
    show_default=True,
    help="how many clicks to replay",
)
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="random seed (the same seed makes the same month)",
)
@pass_state
def demo_(state, slug, clicks, seed):
    """fill a demo campaign with a month of realistic clicks"""
    demo.fill_demo(state.store(), state.base_url(), slug, clicks, seed=seed)


@click.command("migrate-data", cls=Command)
@click.option(
    "--from",
    "source",
    required=True,
    metavar="DATABASE",
    help="source: SQLite file or postgresql:// URL",
)
@click.option(
    "--to", "target", required=True, metavar="URL", help="target: an empty postgresql:// URL"
)
@json_option
def migrate_data_(source, target, as_json):
    """copy every row of one install into another (SQLite to PostgreSQL)"""
    if not is_postgres_url(source) and not os.path.exists(source):
        raise BadInput(f"--from {source}: no such database file")
    source_store = open_store(source)
    try:
        target_store = open_store(target)
        try:
            result = transfer.migrate_data(source_store, target_store, transfer.print_progress)
        finally:
            target_store.close()
    finally:
        source_store.close()
    emit(result, as_json, human=lambda r: f"copied {r['rows']} rows; every table's count matches")


@click.command("prune", cls=Command)
@click.option(
    "--before",
    required=True,
    metavar="YYYY-MM-DD",
    help="delete the raw clicks of the campaigns' local days before this date (it stays); "
    "at least the longest attribution window plus one day ago",
)
@click.option("--dry-run", is_flag=True, help="print what would be removed; change nothing")
@click.option("--yes", is_flag=True, help="do not ask before deleting (cron)")
@click.option(
    "--vacuum",
    is_flag=True,
    help="afterwards, give the space back: VACUUM (SQLite: rewrites the file, clicks wait "
    "until it is done; PostgreSQL: VACUUM clicks)",
)
@json_option
@pass_state
def prune_(state, before, dry_run, yes, vacuum, as_json):
    """delete raw clicks older than a date once their days are rolled up. Reports,
    the stats page and the API read rolled-up days from their rollups and stay
    exact; orders stay, and keep what attribution reads of their clicks. What
    goes: the click rows, so the click CSV of those days is empty. Refused
    (nothing changed) for a day before the date that is not rolled up, and for
    a date orders may still need. On PostgreSQL whole months go as partitions
    (DROP TABLE), the rest day by day. Progress on stderr, a line per day."""
    store = state.store()
    planned = pruning.plan(store, before)
    for line in pruning.summary(planned):
        note(line)
    if dry_run or not planned["days"] and not planned["partitions"]:
        emit({**planned, "dry_run": dry_run}, as_json, human=lambda r: _pruned(r, False))
        return
    if not yes and not _confirmed():
        raise BadInput("nothing pruned (not confirmed; --yes prunes without asking)")
    done = pruning.prune(store, planned, lambda text: note(f"prune: {text}"))
    if vacuum:
        note("prune: VACUUM (this can take a while)")
        store.reclaim_space()
    elif store.dialect == "sqlite":
        note(
            "prune: the file keeps its size until VACUUM gives the space back "
            "(--vacuum, in a quiet moment: clicks wait while it runs)"
        )
    emit({**done, "dry_run": False}, as_json, human=lambda r: _pruned(r, True))


def _confirmed() -> bool:
    """Asked on stderr; no terminal to answer (cron, a pipe) is a no."""
    try:
        if not sys.stdin.isatty():
            return False
        return click.confirm("delete these raw clicks?", default=False, err=True)
    except (click.Abort, OSError, ValueError):
        return False


def _pruned(result: dict, done: bool) -> str:
    verb = "pruned" if done else "would prune"
    return (
        f"{verb} {result['clicks']} raw clicks before {result['before']} "
        f"({len(result['partitions'])} partition(s) dropped whole)"
    )
