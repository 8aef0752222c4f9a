"""Gathers what a report needs from the store and hands it to reports.py.

The one place the CLI (`tracker report`), the stats page, its JSON and the
API get a report from, so that they can never disagree.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

from ..campaigns import campaign_targets, get_campaign
from ..errors import BadInput
from ..store import Store
from ..vocabulary import ALL_DAYS
from . import audience, compute

GROUPINGS = {"day": ("day",), "source": ("source",), "creator": ("creator_id",),
             "creator_source": ("creator_id", "source")}


def campaign_report(store: Store, slug: str, window=None, creator: str | None = None) -> dict:
    """The report document for a campaign; `creator` narrows it to one
    creator's own numbers (what a creator-scoped share link shows)."""
    try:
        days = compute.parse_window(window)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    campaign = get_campaign(store, slug)
    creators = store.campaign_creators(campaign["id"])
    orders = store.report_orders(campaign["id"])
    metrics = store.report_metrics(campaign["id"])
    if creator is None:
        clicks = store.click_summaries(campaign["id"], GROUPINGS, *ALL_DAYS)
    else:
        creators = [c for c in creators if c["handle"] == creator]
        ids = {c["id"] for c in creators}
        # One creator's totals are its creator rows: the campaign-wide
        # groupings are neither needed nor queried.
        mine = store.click_summaries(campaign["id"], {k: GROUPINGS[k] for k in
                                                      ("creator", "creator_source")}, *ALL_DAYS)
        mine = {k: [r for r in rows if r["creator_id"] in ids] for k, rows in mine.items()}
        clicks = {"day": mine["creator"], "source": mine["creator_source"], **mine}
        orders = [o for o in orders if _creators_order(o, campaign["id"], ids)]
        metrics = [m for m in metrics if m["creator_id"] in ids]
    today = datetime.now(ZoneInfo(campaign["timezone"])).date().isoformat()
    report = compute.build_report(campaign, creators, clicks, orders, metrics, days, today,
                                  get_currency_precision(campaign["currency"]))
    report["audience"] = audience_of(store, campaign, creators, report["window"], creator)
    return report


def audience_of(store: Store, campaign: dict, creators: list[dict], window: dict,
                creator: str | None) -> dict:
    """The audience section over the report's own window (its local days)."""
    rows = store.audience_summary(campaign["id"], window["from"], window["to"], audience.QUERIED)
    links = store.links(campaign["id"])
    if creator is not None:
        ids = {c["id"] for c in creators}
        rows = [r for r in rows if r["creator_id"] in ids]
        links = [link for link in links if link["creator"] == creator]
    return audience.audience_section(creators, links, rows, campaign_targets(campaign))


def _creators_order(row: dict, campaign_id: int, ids: set) -> bool:
    """An order of these creators: credited to one of them, or carrying a
    click of theirs that was passed over."""
    credit = compute.credit_of(row)
    if credit.campaign_id == campaign_id:
        return credit.creator_id in ids
    return row["click_creator_id"] in ids and credit.passed_over_campaign_id == campaign_id


def campaign_orders(store: Store, slug: str, window=None) -> list[dict]:
    """Every order the campaign's report over `window` counts, with what it
    adds: gross, refunded, net, creator, source, method and the reason its
    click id was passed over (tracker orders, GET /api/campaigns/<slug>/orders)."""
    try:
        days = compute.parse_window(window)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    campaign = get_campaign(store, slug)
    orders = compute.campaign_orders(campaign, store.report_orders(campaign["id"]))
    today = datetime.now(ZoneInfo(campaign["timezone"])).date().isoformat()
    return compute.order_entries(campaign, store.campaign_creators(campaign["id"]), orders,
                                 days, today, get_currency_precision(campaign["currency"]))


def campaign_summaries(store: Store, campaigns: list[dict] | None = None) -> dict[int, dict]:
    """Per campaign id, all time: human clicks, conversions and net revenue
    in minor units, counted as the report counts them (the same attribution
    and Order rules), without building the rest of the report: the console's
    campaign list and a campaign's page. `campaigns`: rows (default: all)."""
    clicks = store.human_clicks_by_campaign()
    summaries = {}
    for campaign in store.campaigns() if campaigns is None else campaigns:
        orders = compute.campaign_orders(campaign, store.report_orders(campaign["id"]))
        summaries[campaign["id"]] = {
            "clicks": clicks.get(campaign["id"], 0),
            "conversions": sum(o.conversion for o in orders),
            "revenue_minor": sum(o.net_minor for o in orders),
        }
    return summaries
