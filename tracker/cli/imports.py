"""`tracker import …`: orders and platform metrics from CSV, all or nothing."""

from __future__ import annotations

import click

from .. import imports
from ..metrics import headers as metric_formats
from ..vocabulary import CSV_SHOP, METRICS_CSV_COLUMNS
from .base import Group, argument, json_option, pass_state
from .output import emit, note


@click.group("import", cls=Group)
def import_():
    """import orders and platform metrics (all or nothing)"""


ORDER_COLUMNS = ",".join(imports.REDEMPTION_FIELDS)
METRICS_COLUMNS = ",".join(METRICS_CSV_COLUMNS)


def progress(what: str):
    return lambda n: note(f"{what}: {n} rows checked")


@import_.command(
    help=f"orders: {ORDER_COLUMNS} or a Shopify orders export; re-imports add nothing, "
    "a changed order is updated"
)
@argument("file", help=f"a CSV file ({ORDER_COLUMNS}) or a Shopify orders export")
@click.option(
    "--campaign",
    metavar="SLUG",
    help="write only orders that are (and stay) this campaign's; the others are counted",
)
@click.option(
    "--shop",
    metavar="NAME",
    default=CSV_SHOP,
    show_default=True,
    help="the shop the file comes from; a connected shop also keeps its orders that are "
    "no campaign's, for its daily totals",
)
@json_option
@pass_state
def redemptions(state, file, campaign, shop, as_json):
    result = imports.import_redemptions(
        state.store(), file, campaign, progress("redemptions"), shop=shop
    )
    for code, count in sorted(result["unknown_codes"].items()):
        note(f"{count} order(s) with code {code!r}: no campaign uses it")
    others = result["no_campaign"] - sum(result["unknown_codes"].values())
    if others:
        note(f"{others} order(s) with no campaign's code and no click id that credits them")
    if result["no_campaign"] and result["shop"] != CSV_SHOP:
        note(f"orders that are no campaign's count in shop {result['shop']}'s daily totals")
    if result["not_this_campaign"]:
        note(
            f"{result['not_this_campaign']} order(s) of another campaign or of none: "
            f"left alone (--campaign {campaign})"
        )
    emit(
        result,
        as_json,
        human=lambda r: (
            f"{r['orders']} order(s) read ({r['format']}, shop {r['shop']}): {r['new']} new, "
            f"{r['updated']} updated, {r['already_imported']} already imported"
        ),
    )


@import_.command(
    help=f"platform metrics, one row per creator, source and day: our layout "
    f"({METRICS_CSV_COLUMNS}) or a platform's export as downloaded "
    "(Meta Ads, TikTok Ads, TikTok Studio, Instagram; CSV or XLSX); "
    "a re-imported key replaces"
)
@argument("file", help="a CSV or XLSX file with a header row")
@click.option("--campaign", metavar="SLUG", required=True, help="the campaign")
@click.option(
    "--creator",
    metavar="HANDLE",
    help="the creator every row belongs to (needed for a content export, "
    "which does not say whose posts it holds)",
)
@json_option
@pass_state
def metrics(state, file, campaign, creator, as_json):
    result = imports.import_metrics(
        state.store(), file, campaign, progress("metrics"), creator=creator
    )
    if metric_formats.BY_NAME[result["format"]].kind != metric_formats.OURS:
        note(f"read as a {result['format_label']}")
        for handle, made in sorted(result["creators"].items()):
            days = made["days"]
            note(
                f"  {handle}: {made['rows']} row(s), {days['count']} day(s) "
                f"from {days['first']} to {days['last']}"
            )
    if result["skipped_unmatched"]:
        note(f"skipped {result['skipped_unmatched']} row(s) that name no creator on {campaign}")
    if result["skipped_totals"]:
        note(f"skipped {result['skipped_totals']} total row(s)")
    emit(result, as_json, human=lambda r: f"{r['rows']} metrics row(s) imported")
