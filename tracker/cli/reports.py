"""`tracker report` and `tracker export …`: what the numbers say."""

from __future__ import annotations

import sys

import click

from .. import reports
from ..reports import export, table
from ..reports import text as report_text
from ..vocabulary import WINDOW_ALL, WINDOW_NAMES
from .base import Command, Group, among, argument, json_option, pass_state
from .output import emit, note


@click.command(cls=Command)
@argument("slug", help="the campaign")
@click.option(
    "--window",
    type=among(WINDOW_NAMES),
    default=None,
    help="the campaign's first 7/14/30 local days, last7 (the last 7 full days) or all "
    "(the default)",
)
@click.option(
    "--from",
    "date_from",
    metavar="YYYY-MM-DD",
    help="a custom window's first local day (with --to)",
)
@click.option(
    "--to",
    "date_to",
    metavar="YYYY-MM-DD",
    help="a custom window's last local day, included (with --from)",
)
@click.option(
    "--csv", "as_csv", is_flag=True, help="the creator table as the stats page shows it, as CSV"
)
@json_option
@pass_state
def report(state, slug, window, date_from, date_to, as_csv, as_json):
    """the campaign report (same as /stats/<slug>.json)"""
    result = reports.campaign_report(
        state.store(), slug, window, date_from=date_from, date_to=date_to
    )
    if as_csv:
        for chunk in export.csv_chunks(table.creator_csv_rows(result)):
            sys.stdout.write(chunk)
        return
    emit(result, as_json, human=report_text.render)


ORDER_COLUMNS = (
    ("shop", "shop"),
    ("order_id", "order_id"),
    ("name", "name"),
    ("day", "day"),
    ("status", "status"),
    ("gross", "gross"),
    ("refunded", "refunded"),
    ("net", "net"),
    ("conversion", "conversion"),
    ("creator", "creator"),
    ("source", "source"),
    ("method", "method"),
    ("passed_over", "passed_over"),
)


@click.command(cls=Command)
@argument("slug", help="the campaign")
@click.option(
    "--window",
    type=among(WINDOW_NAMES),
    default=WINDOW_ALL,
    show_default=True,
    help="the campaign's first N local days, or all time",
)
@json_option
@pass_state
def orders(state, slug, window, as_json):
    """every order the report counts: shop, order id, day, gross, refunded, net, creator,
    source, method (click or code) and why a click id was passed over"""
    emit(reports.campaign_orders(state.store(), slug, window), as_json, ORDER_COLUMNS)


@click.group("export", cls=Group)
def export_():
    """export data as CSV"""


@export_.command()
@argument("slug", help="the campaign")
@click.option("--since", metavar="YYYY-MM-DD", help="first local day")
@click.option("--until", metavar="YYYY-MM-DD", help="last local day (inclusive)")
@click.option("--include-bots", is_flag=True, help="include bot clicks")
@click.option("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
@pass_state
def clicks(state, slug, since, until, include_bots, output):
    """the click log as CSV (humans only unless --include-bots); days whose raw
    clicks `tracker prune` deleted have no rows (the report still counts them)"""
    rows = export.click_rows(state.store(), slug, since, until, include_bots)
    if not output:
        for chunk in export.csv_chunks(rows):
            sys.stdout.write(chunk)
        return
    with open(output, "w", newline="", encoding="utf-8") as out:
        for chunk in export.csv_chunks(rows):
            out.write(chunk)
    note(f"wrote {output}")
