"""The campaign report: pure arithmetic over plain rows. No Flask, no SQL.

Inputs are what the store hands over (see build.py): per-day click
summaries, orders with what their click and code point at, platform
metrics and fees. The definitions are the README's "Metrics"; every ratio
with a zero or unknown denominator is None ("—" on the page, null in JSON).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable
from zoneinfo import ZoneInfo

from ..validate import minor_units_text as money
from ..vocabulary import ENGAGEMENT_FIELDS, MARKS, METRIC_COUNTS, SOURCES

METRIC_FIELDS = METRIC_COUNTS


@dataclass(frozen=True)
class Order:
    """An order and where it belongs: decided by attribute()."""
    order_id: str
    amount_minor: int
    day: str
    creator_id: int | None
    bucket: str          # organic | sponsored | unknown | unattributed
    by: str              # click | code
    conflict: bool


def parse_window(value) -> int | None:
    """7, 14, 30 or None for all time; anything else is refused."""
    if value in (None, "", "all"):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days not in MARKS:
        raise ValueError(f"window must be 7, 14, 30 or all (got {value!r})")
    return days


def local_day(utc_iso: str, tz: str) -> str:
    moment = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(tz)).date().isoformat()


def attribute(row: dict, tz: str) -> Order:
    """Click token first (it also says organic or sponsored), else promo code.

    row: order_id, amount_minor, redeemed_at, click_creator_id, click_source,
    code_creator_id, code_source (the click_* and code_* may be None).
    """
    conflict = (row["click_creator_id"] is not None and row["code_creator_id"] is not None
                and row["click_creator_id"] != row["code_creator_id"])
    if row["click_creator_id"] is not None:
        creator, bucket, by = row["click_creator_id"], row["click_source"], "click"
    else:
        creator, bucket, by = row["code_creator_id"], row["code_source"] or "unattributed", "code"
    return Order(row["order_id"], row["amount_minor"], local_day(row["redeemed_at"], tz),
                 creator, bucket, by, conflict)


def ratio(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(float(Decimal(numerator) / Decimal(denominator)), 6)


class Tally:
    """Sums for one M (a creator, a source, the totals) before the ratios."""

    def __init__(self):
        self.clicks = self.visitors = self.bot_clicks = 0
        self.conversions = self.revenue = self.fee = self.ad_spend = 0
        self.metrics: dict[str, int | None] = dict.fromkeys(METRIC_FIELDS)

    def add_clicks(self, row: dict) -> None:
        self.clicks += int(row["clicks"])
        self.visitors += int(row["visitors"])
        self.bot_clicks += int(row["bot_clicks"])

    def add_metrics(self, row: dict) -> None:
        for field in METRIC_FIELDS:
            if row.get(field) is not None:
                self.metrics[field] = (self.metrics[field] or 0) + int(row[field])
        if row.get("spend_minor") is not None:
            self.ad_spend += int(row["spend_minor"])

    def add_order(self, order: Order) -> None:
        self.conversions += 1
        self.revenue += order.amount_minor

    def as_dict(self, digits: int) -> dict:
        m = self.metrics
        parts = [m[f] for f in ENGAGEMENT_FIELDS if m[f] is not None]
        engagements = sum(parts) if parts else None
        cost = self.fee + self.ad_spend
        return {
            "clicks": self.clicks,
            "unique_visitors": self.visitors,
            "bot_clicks": self.bot_clicks,
            "impressions": m["impressions"],
            "views": m["views"],
            "reach": m["reach"],
            "engagements": engagements,
            "engagement_rate": ratio(engagements, m["impressions"]),
            "ctr": ratio(self.clicks, m["impressions"]),
            "conversions": self.conversions,
            "conversion_rate": ratio(self.conversions, self.visitors),
            "revenue": money(self.revenue, digits),
            "fee": money(self.fee, digits),
            "ad_spend": money(self.ad_spend, digits),
            "cost": money(cost, digits),
            "roi": ratio(self.revenue - cost, cost),
            "roas": ratio(self.revenue, self.ad_spend),
            "followers_gained": m["followers_gained"],
        }


def window_bounds(starts_on: str, days: int | None, data_days: Iterable[str],
                  today: str) -> tuple[str, str]:
    start = date.fromisoformat(starts_on)
    if days is not None:
        return start.isoformat(), (start + timedelta(days=days - 1)).isoformat()
    seen = sorted(d for d in data_days if d)
    first = min([start.isoformat()] + seen[:1])
    last = max([today] + seen[-1:])
    return first, last


def build_report(campaign: dict, creators: list[dict], clicks: dict[str, list[dict]],
                 orders: list[dict], metrics: list[dict], window: int | None,
                 today: str, digits: int) -> dict:
    """The report document (see README, "The report").

    clicks maps a grouping to summary rows: "day", "source", "creator",
    "creator_source" (each row has day, clicks, bot_clicks, visitors and its keys).
    """
    tz = campaign["timezone"]
    attributed = [attribute(o, tz) for o in orders]
    all_days = {r["day"] for r in clicks["day"]} | {o.day for o in attributed} | {
        m["day"] for m in metrics}
    lo, hi = window_bounds(campaign["starts_on"], window, all_days, today)

    def inside(day: str) -> bool:
        return lo <= day <= hi

    totals, by_source = Tally(), {s: Tally() for s in SOURCES}
    per_creator = {c["id"]: {"total": Tally(), "organic": Tally(), "sponsored": Tally(),
                             "unattributed": Tally()} for c in creators}
    for row in clicks["day"]:
        if inside(row["day"]):
            totals.add_clicks(row)
    for row in clicks["source"]:
        if inside(row["day"]):
            by_source[row["source"]].add_clicks(row)
    for row in clicks["creator"]:
        if inside(row["day"]) and row["creator_id"] in per_creator:
            per_creator[row["creator_id"]]["total"].add_clicks(row)
    for row in clicks["creator_source"]:
        tallies = per_creator.get(row["creator_id"])
        if inside(row["day"]) and tallies and row["source"] in ("organic", "sponsored"):
            tallies[row["source"]].add_clicks(row)
    for row in metrics:
        if not inside(row["day"]):
            continue
        totals.add_metrics(row)
        by_source[row["source"]].add_metrics(row)
        if row["creator_id"] in per_creator:
            per_creator[row["creator_id"]]["total"].add_metrics(row)
            per_creator[row["creator_id"]][row["source"]].add_metrics(row)
    matched = {"by_click": 0, "by_code": 0, "conflicts": 0}
    for order in attributed:
        if not inside(order.day):
            continue
        matched[f"by_{order.by}"] += 1
        matched["conflicts"] += order.conflict
        totals.add_order(order)
        # An order whose source is not known (a code without one) counts as
        # "unknown" here, so that the sources always add up to the totals.
        by_source.get(order.bucket, by_source["unknown"]).add_order(order)
        tallies = per_creator.get(order.creator_id)
        if tallies:
            tallies["total"].add_order(order)
            bucket = order.bucket if order.bucket in ("organic", "sponsored") else "unattributed"
            tallies[bucket].add_order(order)
    for c in creators:
        fee = int(c["fee_minor"])
        totals.fee += fee
        by_source["organic"].fee += fee
        per_creator[c["id"]]["total"].fee += fee
        per_creator[c["id"]]["organic"].fee += fee

    return {
        "campaign": {k: campaign[k] for k in ("slug", "name", "starts_on", "timezone", "currency")},
        "window": {"days": window, "from": lo, "to": hi},
        "totals": totals.as_dict(digits),
        "sources": {s: t.as_dict(digits) for s, t in by_source.items()},
        "creators": [_creator_entry(c, per_creator[c["id"]], digits) for c in creators],
        "marks": _marks(campaign["starts_on"], creators, clicks["creator"], attributed, digits),
        "daily": _daily(lo, hi, clicks["source"], attributed),
        "attribution": matched,
    }


def _creator_entry(creator: dict, tallies: dict, digits: int) -> dict:
    unattributed = tallies["unattributed"]
    return {
        "handle": creator["handle"],
        "platform": creator["platform"],
        "total": tallies["total"].as_dict(digits),
        "organic": tallies["organic"].as_dict(digits),
        "sponsored": tallies["sponsored"].as_dict(digits),
        "unattributed": {"conversions": unattributed.conversions,
                         "revenue": money(unattributed.revenue, digits)},
    }


def _marks(starts_on: str, creators, creator_rows, orders, digits) -> list[dict]:
    """Clicks, conversions and revenue at the 7-, 14- and 30-day marks."""
    start = date.fromisoformat(starts_on)
    ends = {n: (start + timedelta(days=n - 1)).isoformat() for n in MARKS}
    first = start.isoformat()
    out = []
    for c in creators:
        entry = {"handle": c["handle"]}
        for n, end in ends.items():
            clicks = sum(int(r["clicks"]) for r in creator_rows
                         if r["creator_id"] == c["id"] and first <= r["day"] <= end)
            mine = [o for o in orders if o.creator_id == c["id"] and first <= o.day <= end]
            entry[f"day_{n}"] = {"clicks": clicks, "conversions": len(mine),
                                 "revenue": money(sum(o.amount_minor for o in mine), digits)}
        out.append(entry)
    return out


def _daily(lo: str, hi: str, source_rows, orders) -> list[dict]:
    days: dict[str, dict] = {}
    day = date.fromisoformat(lo)
    while day.isoformat() <= hi:
        days[day.isoformat()] = {"date": day.isoformat(), "organic": 0, "sponsored": 0,
                                 "unknown": 0, "bots": 0, "conversions": 0}
        day += timedelta(days=1)
    for row in source_rows:
        entry = days.get(row["day"])
        if entry:
            entry[row["source"]] += int(row["clicks"])
            entry["bots"] += int(row["bot_clicks"])
    for order in orders:
        if order.day in days:
            days[order.day]["conversions"] += 1
    return list(days.values())


def bot_share(m: dict) -> float | None:
    """Bot clicks as a share of all clicks of an M: a fraud signal."""
    return ratio(m["bot_clicks"], m["clicks"] + m["bot_clicks"])


def sort_creators(creators: list[dict], key: str = "roi") -> list[dict]:
    """Best first by a total field; None (no cost, say) goes last."""
    return sorted(creators, key=lambda c: (c["total"][key] is None, -(c["total"][key] or 0)))

