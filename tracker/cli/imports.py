"""`tracker import …`: orders and platform metrics from CSV, all or nothing."""
from __future__ import annotations

import click

from .. import imports
from ..vocabulary import METRICS_CSV_COLUMNS
from .base import Group, argument, json_option, pass_state
from .output import emit, note


@click.group("import", cls=Group)
def import_():
    """import orders and platform metrics (all or nothing)"""


ORDER_COLUMNS = ",".join(imports.REDEMPTION_FIELDS)
METRICS_COLUMNS = ",".join(METRICS_CSV_COLUMNS)


def progress(what: str):
    return lambda n: note(f"{what}: {n} rows checked")


@import_.command(help=f"orders: {ORDER_COLUMNS} or a Shopify export; "
                      "re-imports add nothing")
@argument("file", help=f"a CSV file ({ORDER_COLUMNS}) or a Shopify orders export")
@click.option("--campaign", metavar="SLUG", help="refuse orders that belong to another campaign")
@json_option
@pass_state
def redemptions(state, file, campaign, as_json):
    result = imports.import_redemptions(state.store(), file, campaign, progress("redemptions"))
    for code, count in sorted(result["skipped"].items()):
        note(f"skipped {count} order(s) with code {code!r}: no campaign uses it")
    emit(result, as_json, human=lambda r: (
        f"{r['orders']} order(s) read ({r['format']}): {r['new']} new, "
        f"{r['already_imported']} already imported"))


@import_.command(help=f"platform metrics: {METRICS_COLUMNS}; a re-imported "
                      "(creator, source, date) replaces")
@argument("file", help="a CSV file with a header row; date,creator,source are required")
@click.option("--campaign", metavar="SLUG", required=True, help="the campaign")
@json_option
@pass_state
def metrics(state, file, campaign, as_json):
    result = imports.import_metrics(state.store(), file, campaign, progress("metrics"))
    emit(result, as_json, human=lambda r: f"{r['rows']} metrics row(s) imported")
