"""`tracker init`, `serve`, `demo` and `migrate-data`: running an install."""

from __future__ import annotations

import os

import click

from .. import access, demo, transfer
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
