"""Gathers what a report needs from the store and hands it to reports.py.

The one place the CLI (`tracker report`), the stats page, its JSON and the
API get a report from, so that they can never disagree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

from ..campaigns import campaign_targets, get_campaign
from ..errors import BadInput
from ..orders import shops
from ..store import Store
from ..store.readers import readers
from ..validate import minor_units_text
from ..vocabulary import ALL_DAYS, CSV_SHOP
from . import audience, compute, insights

GROUPINGS = {
    "day": ("day",),
    "source": ("source",),
    "creator": ("creator_id",),
    "creator_source": ("creator_id", "source"),
}


def campaign_report(
    store: Store,
    slug: str,
    window=None,
    creator: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    rollups: bool = True,
) -> dict:
    """The report document for a campaign; `creator` narrows it to one
    creator's own numbers (what a creator-scoped share link shows). The
    window is 7, 14, 30, "last7" or "all", or a custom date_from..date_to.
    rollups=False counts every click from the click log (the full scan the
    rollups must equal; for tests and benchmarks)."""
    try:
        days = compute.window_spec(window, date_from, date_to)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    campaign = get_campaign(store, slug)
    if creator is not None:
        # A creator's share link shows that creator's numbers, not the campaign's budget.
        campaign = dict(campaign, budget_minor=None)
    today = datetime.now(ZoneInfo(campaign["timezone"])).date().isoformat()
    if rollups:
        store.catch_up_rollups(campaign["id"])  # before the reads below start
    # The audience and the orders are read while the clicks are counted and
    # the report computed (the database works while Python does).
    reads = readers()
    audience_rows = reads.submit(
        store.audience_summary,
        campaign["id"],
        *audience_days(campaign, days, today),
        audience.QUERIED,
        rollups=rollups,
    )
    orders_read = reads.submit(store.report_orders, campaign["id"])
    creators = store.campaign_creators(campaign["id"])
    metrics = store.report_metrics(campaign["id"])
    orders = orders_read.result()
    if creator is None:
        clicks = store.click_summaries(campaign["id"], GROUPINGS, *ALL_DAYS, rollups=rollups)
    else:
        creators = [c for c in creators if c["handle"] == creator]
        ids = {c["id"] for c in creators}
        # One creator's totals are its creator rows: the campaign-wide
        # groupings are neither needed nor queried.
        mine = store.click_summaries(
            campaign["id"],
            {k: GROUPINGS[k] for k in ("creator", "creator_source")},
            *ALL_DAYS,
            rollups=rollups,
        )
        mine = {k: [r for r in rows if r["creator_id"] in ids] for k, rows in mine.items()}
        clicks = {"day": mine["creator"], "source": mine["creator_source"], **mine}
        orders = [o for o in orders if _creators_order(o, campaign["id"], ids)]
        metrics = [m for m in metrics if m["creator_id"] in ids]
    report = compute.build_report(
        campaign,
        creators,
        clicks,
        orders,
        metrics,
        days,
        today,
        get_currency_precision(campaign["currency"]),
    )
    report["audience"] = audience_of(store, campaign, creators, audience_rows.result(), creator)
    if creator is None:
        report["shop_baseline"] = shop_baseline_of(store, campaign, report, orders, today)
    return report


def shop_baseline_of(
    store: Store, campaign: dict, report: dict, orders: list[dict], today: str
) -> dict | None:
    """The whole shop before and since the campaign (a comparison, not a
    causal claim): the shops this campaign's orders came from, connected or
    imported with --shop; none for orders from plain files (`csv`), whose
    shop's other sales are unknown. Every shop's known days count, imported
    history included."""
    names = sorted({o["shop"] for o in orders if o["shop"] != CSV_SHOP})
    if not names:
        return None
    days: dict[date, tuple[int, int]] = {}
    first: date | None = None
    for name in names:
        totals = shops.daily_totals(store, name, campaign["timezone"])
        for day, (count, net) in totals["days"].items():
            before = days.get(day, (0, 0))
            days[day] = (before[0] + count, before[1] + net)
        first = min(d for d in (first, totals["first_day"], *totals["days"]) if d is not None)
    digits = get_currency_precision(campaign["currency"])
    start, now = date.fromisoformat(campaign["starts_on"]), date.fromisoformat(today)
    yesterday = (now - timedelta(days=1)).isoformat()
    attributed = sum(
        o.net_minor
        for o in compute.campaign_orders(campaign, orders)
        if o.credited and o.paid and campaign["starts_on"] <= o.day <= yesterday
    )
    found = insights.shop_baseline(days, start, now, attributed, first)
    found["shops"] = names
    for span in (found["before"], found["since_start"]):
        span["net"] = minor_units_text(span["net"], digits)
        if span["net_per_day"] is not None:
            span["net_per_day"] = minor_units_text(round(span["net_per_day"]), digits)
    found["attributed_net"] = minor_units_text(found["attributed_net"], digits)
    return found


def audience_days(campaign: dict, days, today: str) -> tuple[str, str]:
    """The local days of the report's window, known before the report is
    built: all time is every day (there are no clicks outside the window's
    data days, which compute.window_bounds stretches it over)."""
    if days is None:
        return ALL_DAYS
    return compute.window_bounds(campaign["starts_on"], days, (), today)


def audience_of(
    store: Store, campaign: dict, creators: list[dict], rows: list[dict], creator: str | None
) -> dict:
    """The audience section from the window's audience rows."""
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
    return compute.order_entries(
        campaign,
        store.campaign_creators(campaign["id"]),
        orders,
        days,
        today,
        get_currency_precision(campaign["currency"]),
    )


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
