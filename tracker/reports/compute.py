"""The campaign report: pure arithmetic over plain rows. No Flask, no SQL.

Inputs are what the store hands over (see build.py): per-day click
summaries, orders with what their click and code point at (decided here by
the one attribution function, tracker/orders/attribution.py), platform
metrics and fees. Revenue is net of refunds in every figure; gross revenue
and refunds are shown beside it. The definitions are the README's "Metrics"; every ratio
with a zero or unknown denominator is None ("—" on the page, null in JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from ..orders.attribution import Credit, attribute
from ..validate import minor_units_text as money
from ..vocabulary import (
    ENGAGEMENT_FIELDS,
    MARKS,
    MAX_CUSTOM_DAYS,
    METRIC_COUNTS,
    MIN_VISITORS_FOR_VERDICT,
    ORDER_CANCELLED,
    ORDER_COUNTED,
    ORDER_PENDING,
    PASSED_OVER,
    SOURCES,
    WINDOW_ALL,
    WINDOW_CUSTOM,
    WINDOW_LAST7,
)
from . import insights

METRIC_FIELDS = METRIC_COUNTS


@dataclass(frozen=True)
class Order:
    """An order as a campaign's report sees it, decided by the attribution
    function (tracker/orders/attribution.py)."""

    shop: str
    order_id: str
    name: str | None
    day: str
    status: str  # counted | pending | cancelled
    currency: str
    gross_minor: int
    refunded_minor: int  # never more than gross_minor
    credited: bool  # to this campaign (else only a passed-over click of it)
    creator_id: int | None
    bucket: str | None  # organic | sponsored | unknown | unattributed
    by: str | None  # click | code
    passed_over: str | None  # why its click id did not credit it
    conflict: bool
    same_currency: bool

    @property
    def paid(self) -> bool:
        """Its money counts: credited, counted, in the campaign's currency."""
        return self.credited and self.status == ORDER_COUNTED and self.same_currency

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_minor > 0 and self.refunded_minor >= self.gross_minor

    @property
    def conversion(self) -> bool:
        return self.paid and not self.fully_refunded

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.refunded_minor if self.paid else 0


def click_of(row: Mapping) -> dict | None:
    """The order's click as attribution reads it; None if its id is unknown."""
    if row.get("click_campaign_id") is None:
        return None
    return {
        "campaign_id": row["click_campaign_id"],
        "creator_id": row["click_creator_id"],
        "source": row["click_source"],
        "is_bot": row["click_is_bot"],
        "at": row["click_at"],
        "attribution_days": row["click_attribution_days"],
    }


def code_of(row: Mapping) -> dict | None:
    if row.get("code_campaign_id") is None:
        return None
    return {
        "campaign_id": row["code_campaign_id"],
        "creator_id": row["code_creator_id"],
        "source": row["code_source"],
    }


def credit_of(row: Mapping) -> Credit:
    """The credit of an order row as the store's report_orders returns it."""
    return attribute(row["created_at"], row["click_id"], click_of(row), code_of(row))


def campaign_order(campaign: Mapping, row: Mapping, credit: Credit | None = None) -> Order | None:
    """The order as the campaign sees it, or None if it is none of its
    business (credited elsewhere, and its click, if any, not the campaign's)."""
    credit = credit or credit_of(row)
    credited = credit.campaign_id == campaign["id"]
    if not credited and credit.passed_over_campaign_id != campaign["id"]:
        return None
    gross = int(row["gross_minor"])
    return Order(
        row["shop"],
        row["order_id"],
        row.get("name"),
        local_day(row["created_at"], campaign["timezone"]),
        row["status"],
        row["currency"],
        gross,
        min(int(row["refunded_minor"]), gross),
        credited,
        credit.creator_id if credited else None,
        credit.bucket if credited else None,
        credit.method if credited else None,
        credit.passed_over,
        credit.conflict and credited,
        row["currency"] == campaign["currency"],
    )


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


@dataclass(frozen=True)
class Window:
    """A report window other than the first N days: the last 7 full days, or
    a custom range of local days (first..last, both included)."""

    name: str  # last7 | custom
    first: str | None = None
    last: str | None = None

    @property
    def days(self) -> None:
        return None


def window_spec(value=None, first: str | None = None, last: str | None = None):
    """What a report's window is: 7, 14, 30 or None (all time) as parse_window
    says, Window("last7"), or Window("custom", first, last) when a from/to
    range is given. Refused with a message a person can act on: both ends
    are needed, as YYYY-MM-DD, from not after to, at most MAX_CUSTOM_DAYS,
    and not together with another window."""
    first, last = (first or "").strip() or None, (last or "").strip() or None
    if first is None and last is None:
        if value == WINDOW_LAST7:
            return Window(WINDOW_LAST7)
        if value == WINDOW_CUSTOM:
            raise ValueError("a custom window needs from and to (YYYY-MM-DD)")
        return parse_window(value)
    if value not in (None, "", WINDOW_ALL, WINDOW_CUSTOM):
        raise ValueError(f"give either window={value} or a from/to range, not both")
    if first is None or last is None:
        raise ValueError("a custom window needs both from and to (YYYY-MM-DD)")
    try:
        lo, hi = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise ValueError(
            f"from and to must be dates as YYYY-MM-DD (got {first!r}, {last!r})"
        ) from None
    if lo > hi:
        raise ValueError(f"from {first} is after to {last}")
    if (hi - lo).days + 1 > MAX_CUSTOM_DAYS:
        raise ValueError(
            f"a custom window spans at most {MAX_CUSTOM_DAYS} days (got {(hi - lo).days + 1})"
        )
    return Window(WINDOW_CUSTOM, lo.isoformat(), hi.isoformat())


def window_name(window) -> str:
    """The window as the page, the CLI and the API name it ("7", "last7", …)."""
    if isinstance(window, Window):
        return window.name
    return WINDOW_ALL if window is None else str(window)


def local_day(utc_iso: str, tz: str) -> str:
    moment = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(tz)).date().isoformat()


def ratio(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(float(Decimal(numerator) / Decimal(denominator)), 6)


class Tally:
    """Sums for one M (a creator, a source, the totals) before the ratios."""

    def __init__(self):
        self.clicks = self.visitors = self.bot_clicks = 0
        self.conversions = self.revenue = self.fee = self.ad_spend = 0
        self.gross = self.refunds = 0
        self.metrics: dict[str, int | None] = dict.fromkeys(METRIC_FIELDS)
        # Conversions credited by a click token (the conversion rate's
        # numerator) and revenue of sponsored orders (ROAS's numerator).
        self.click_conversions = self.sponsored_revenue = 0

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
        """Revenue is net of refunds; a cancelled, pending or fully refunded
        order is no conversion (and a cancelled or pending one no money)."""
        if order.paid:
            self.gross += order.gross_minor
            self.refunds += order.refunded_minor
            self.revenue += order.net_minor
        self.conversions += order.conversion
        self._add_credit(order)

    def _add_credit(self, order: Order) -> None:
        if order.conversion:
            self.click_conversions += order.by == "click"
        if order.paid and order.bucket == "sponsored":
            self.sponsored_revenue += order.net_minor

    def as_dict(self, digits: int) -> dict:
        m = self.metrics
        parts: list[int] = [v for f in ENGAGEMENT_FIELDS if (v := m[f]) is not None]
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
            "conversion_rate": insights.conversion_rate(self.click_conversions, self.visitors),
            "revenue": money(self.revenue, digits),
            "gross_revenue": money(self.gross, digits),
            "refunds": money(self.refunds, digits),
            "fee": money(self.fee, digits),
            "ad_spend": money(self.ad_spend, digits),
            "cost": money(cost, digits),
            "roi": ratio(self.revenue - cost, cost),
            "roas": insights.roas(self.sponsored_revenue, self.ad_spend),
            "followers_gained": m["followers_gained"],
            **self.figures(digits),
        }

    def figures(self, digits: int) -> dict:
        """The fields added for issue 9 (docs/metrics.md): conversions by
        click and by code alone, sponsored revenue, CPC, CPA, AOV, bot share."""
        cost = self.fee + self.ad_spend
        units = insights.unit_costs(cost, self.clicks, self.conversions, self.revenue)
        return {
            "click_conversions": self.click_conversions,
            "code_conversions": self.conversions - self.click_conversions,
            "sponsored_revenue": money(self.sponsored_revenue, digits),
            **{k: _money_or_none(v, digits) for k, v in units.items()},
            "bot_share": ratio(self.bot_clicks, self.clicks + self.bot_clicks),
        }


def _money_or_none(minor: float | None, digits: int) -> str | None:
    """A float of minor units (an average) as money text, rounded half up to
    a whole minor unit; None stays None."""
    if minor is None:
        return None
    whole = int(Decimal(str(minor)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return money(whole, digits)


def window_bounds(starts_on: str, days, data_days: Iterable[str], today: str) -> tuple[str, str]:
    """First and last local day of a window: days is 7, 14, 30, None (all
    time: from the start or the first data, to today or the last data) or a
    Window (the last 7 full days end yesterday; a custom range as given)."""
    if isinstance(days, Window):
        return _named_bounds(days, today)
    start = date.fromisoformat(starts_on)
    if days is not None:
        return start.isoformat(), (start + timedelta(days=days - 1)).isoformat()
    seen = sorted(d for d in data_days if d)
    first = min([start.isoformat()] + seen[:1])
    last = max([today] + seen[-1:])
    return first, last


def _named_bounds(window: Window, today: str) -> tuple[str, str]:
    if window.name == WINDOW_LAST7:
        yesterday = date.fromisoformat(today) - timedelta(days=1)
        return (yesterday - timedelta(days=insights.WEEK - 1)).isoformat(), yesterday.isoformat()
    assert window.first is not None and window.last is not None  # a custom range has both
    return window.first, window.last


def build_report(
    campaign: dict,
    creators: list[dict],
    clicks: dict[str, list[dict]],
    orders: list[dict],
    metrics: list[dict],
    window: int | None,
    today: str,
    digits: int,
) -> dict:
    """The report document (see README, "The report").

    clicks maps a grouping to summary rows: "day", "source", "creator",
    "creator_source" (each row has day, clicks, bot_clicks, visitors and its keys).
    """
    attributed = campaign_orders(campaign, orders)
    all_days = (
        {r["day"] for r in clicks["day"]}
        | {o.day for o in attributed}
        | {m["day"] for m in metrics}
    )
    lo, hi = window_bounds(campaign["starts_on"], window, all_days, today)

    def inside(day: str) -> bool:
        return lo <= day <= hi

    totals, by_source = Tally(), {s: Tally() for s in SOURCES}
    per_creator = {
        c["id"]: {
            "total": Tally(),
            "organic": Tally(),
            "sponsored": Tally(),
            "unattributed": Tally(),
        }
        for c in creators
    }
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
    passed_over = dict.fromkeys(PASSED_OVER, 0)
    not_converted = {"pending": 0, "cancelled": 0, "refunded": 0, "other_currency": 0}
    matched: dict = {
        "by_click": 0,
        "by_code": 0,
        "conflicts": 0,
        "passed_over": passed_over,
        "not_converted": not_converted,
    }
    for order in attributed:
        if not inside(order.day):
            continue
        if order.passed_over:
            passed_over[order.passed_over] += 1
        if not order.credited:
            continue
        matched[f"by_{order.by}"] += 1
        matched["conflicts"] += order.conflict
        if not order.conversion:
            not_converted[_why_not(order)] += 1
        totals.add_order(order)
        # An order whose source is not known (a code without one) counts as
        # "unknown" here, so that the sources always add up to the totals.
        by_source.get(order.bucket or "unknown", by_source["unknown"]).add_order(order)
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

    report = {
        "campaign": {k: campaign[k] for k in ("slug", "name", "starts_on", "timezone", "currency")},
        "window": {
            "days": window.days if isinstance(window, Window) else window,
            "from": lo,
            "to": hi,
            "name": window_name(window),
            "includes_today": lo <= today <= hi,
        },
        "totals": totals.as_dict(digits),
        "sources": {s: t.as_dict(digits) for s, t in by_source.items()},
        "creators": [_creator_entry(c, per_creator[c["id"]], digits) for c in creators],
        "marks": _marks(campaign["starts_on"], creators, clicks["creator"], attributed, digits),
        "daily": _daily(lo, hi, clicks["source"], attributed),
        "attribution": matched,
    }
    add_figures(report, campaign, creators, clicks, attributed, metrics, today, digits)
    return report


def campaign_orders(campaign: Mapping, rows: Iterable[Mapping]) -> list[Order]:
    """The orders a campaign's report counts: those credited to it, and
    those whose click id of this campaign was passed over."""
    return [o for o in (campaign_order(campaign, row) for row in rows) if o is not None]


def _why_not(order: Order) -> str:
    if not order.same_currency:
        return "other_currency"
    if order.status in (ORDER_PENDING, ORDER_CANCELLED):
        return order.status
    return "refunded"


def order_entries(
    campaign: Mapping,
    creators: list[dict],
    orders: Iterable[Order],
    window: int | None,
    today: str,
    digits: int,
) -> list[dict]:
    """Every order a report over `window` counts, with each figure it adds:
    what `tracker orders` and GET /api/campaigns/<slug>/orders list."""
    orders = list(orders)
    days = {o.day for o in orders}
    lo, hi = window_bounds(campaign["starts_on"], window, days, today)
    handles = {c["id"]: c["handle"] for c in creators}
    return [
        {
            "shop": o.shop,
            "order_id": o.order_id,
            "name": o.name,
            "day": o.day,
            "status": o.status,
            "currency": o.currency,
            "gross": money(o.gross_minor, digits),
            "refunded": money(o.refunded_minor, digits),
            "net": money(o.net_minor, digits),
            "conversion": o.conversion,
            "credited": o.credited,
            "creator": handles.get(o.creator_id),
            "source": o.bucket,
            "method": o.by,
            "passed_over": o.passed_over,
            "conflict": o.conflict,
        }
        for o in orders
        if lo <= o.day <= hi
    ]


def _creator_entry(creator: dict, tallies: dict, digits: int) -> dict:
    unattributed = tallies["unattributed"]
    return {
        "handle": creator["handle"],
        "platform": creator["platform"],
        "total": tallies["total"].as_dict(digits),
        "organic": tallies["organic"].as_dict(digits),
        "sponsored": tallies["sponsored"].as_dict(digits),
        "unattributed": {
            "conversions": unattributed.conversions,
            "revenue": money(unattributed.revenue, digits),
            "gross_revenue": money(unattributed.gross, digits),
            "refunds": money(unattributed.refunds, digits),
        },
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
            clicks = sum(
                int(r["clicks"])
                for r in creator_rows
                if r["creator_id"] == c["id"] and first <= r["day"] <= end
            )
            mine = [
                o
                for o in orders
                if o.credited and o.creator_id == c["id"] and first <= o.day <= end
            ]
            entry[f"day_{n}"] = {
                "clicks": clicks,
                "conversions": sum(o.conversion for o in mine),
                "revenue": money(sum(o.net_minor for o in mine), digits),
            }
        out.append(entry)
    return out


def _daily(lo: str, hi: str, source_rows, orders) -> list[dict]:
    days: dict[str, dict] = {}
    day = date.fromisoformat(lo)
    while day.isoformat() <= hi:
        days[day.isoformat()] = {
            "date": day.isoformat(),
            "organic": 0,
            "sponsored": 0,
            "unknown": 0,
            "bots": 0,
            "conversions": 0,
        }
        day += timedelta(days=1)
    for row in source_rows:
        entry = days.get(row["day"])
        if entry:
            entry[row["source"]] += int(row["clicks"])
            entry["bots"] += int(row["bot_clicks"])
    for order in orders:
        if order.day in days and order.conversion:
            days[order.day]["conversions"] += 1
    return list(days.values())


def bot_share(m: dict) -> float | None:
    """Bot clicks as a share of all clicks of an M: a fraud signal."""
    return ratio(m["bot_clicks"], m["clicks"] + m["bot_clicks"])


def sort_creators(creators: list[dict], key: str = "roi") -> list[dict]:
    """Best first by a total field; None (no cost, say) goes last."""
    return sorted(creators, key=lambda c: (c["total"][key] is None, -(c["total"][key] or 0)))


# -- the figures a marketer acts on (issue 9; arithmetic in insights.py) ----------


def _converts(order: Order) -> bool:
    """Whether an order counts as a conversion (credited, counted, not fully refunded)."""
    return order.conversion


def _net(order: Order) -> int:
    """The revenue an order brings (minor units): net of refunds."""
    return order.net_minor


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def _daily_by_source(click_rows, orders) -> dict:
    """day -> source -> clicks, conversions, revenue_minor (insights.marks' input);
    an order whose source is not known counts under "unknown", as in `sources`."""
    out: dict = {}

    def cell(day: str, source: str) -> dict:
        return out.setdefault(_day(day), {}).setdefault(
            source, {"clicks": 0, "conversions": 0, "revenue_minor": 0}
        )

    for row in click_rows:
        cell(row["day"], row["source"])["clicks"] += int(row["clicks"])
    for order in orders:
        if _converts(order):
            entry = cell(order.day, order.bucket if order.bucket in SOURCES else "unknown")
            entry["conversions"] += 1
            entry["revenue_minor"] += _net(order)
    return out


def _clicks_and_conversions(click_rows, orders) -> dict:
    """day -> (human clicks, conversions): momentum's input."""
    out: dict = {}
    for row in click_rows:
        clicks, conv = out.get(_day(row["day"]), (0, 0))
        out[_day(row["day"])] = (clicks + int(row["clicks"]), conv)
    for order in orders:
        if _converts(order):
            clicks, conv = out.get(_day(order.day), (0, 0))
            out[_day(order.day)] = (clicks, conv + 1)
    return out


def _ad_spend_by_day(metrics) -> dict:
    out: dict = {}
    for row in metrics:
        if row.get("spend_minor") is not None:
            out[_day(row["day"])] = out.get(_day(row["day"]), 0) + int(row["spend_minor"])
    return out


def _money_marks(marks: list[dict], digits: int) -> list[dict]:
    """insights.marks with its money as decimal text, like the rest of the report."""

    def line(m: dict) -> dict:
        return dict(m, revenue=money(m["revenue"], digits), cost=money(m["cost"], digits))

    return [
        dict(mk, totals=line(mk["totals"]), sources={s: line(v) for s, v in mk["sources"].items()})
        for mk in marks
    ]


def _growth(daily: dict, starts_on: date, today: date) -> dict:
    return {
        "momentum": insights.momentum(daily, today),
        "late_surge": insights.late_surge({d: v[0] for d, v in daily.items()}, starts_on, today),
    }


def add_figures(
    report: dict,
    campaign: dict,
    creators: list[dict],
    clicks: dict,
    orders: list[Order],
    metrics: list[dict],
    today: str,
    digits: int,
) -> None:
    """Adds what tells a marketer whom to pay again and whether it still grows:

    - budget: fees + all ad spend so far against the campaign's budget;
    - campaign_marks: the campaign at days 7/14/30, cumulative, organic /
      sponsored / unknown, revenue, cost and ROI, "in_progress" with days left
      (and each creator's own as creator["marks_detail"]);
    - growth: the campaign's momentum (last 7 full days vs the 7 before) and
      late surge, with the handles rising and surging;
    - per creator: momentum, late_surge and confidence (conversion rate by
      click with its 95% Wilson interval and the verdict against the
      campaign's rate over the window);
    - shop_baseline: None until the shop's daily totals reach the report;
    - daily: `partial` on today's row (it is not over yet).
    Marks, momentum, surge and budget do not depend on the window.
    """
    start, now = _day(campaign["starts_on"]), _day(today)
    fees = sum(int(c["fee_minor"]) for c in creators)
    spend = _ad_spend_by_day(metrics)
    report["budget"] = {
        k: (money(v, digits) if k in ("budget", "spent", "remaining") and v is not None else v)
        for k, v in insights.budget(campaign.get("budget_minor"), fees, sum(spend.values())).items()
    }
    report["budget"]["through"] = today
    report["campaign_marks"] = _money_marks(
        insights.marks(_daily_by_source(clicks["source"], orders), fees, spend, start, now), digits
    )
    report["growth"] = _growth(_clicks_and_conversions(clicks["day"], orders), start, now)
    campaign_rate = report["totals"]["conversion_rate"]
    entries = {c["handle"]: c for c in report["creators"]}
    rising, surging = [], []
    for c in creators:
        entry = entries[c["handle"]]
        mine = [o for o in orders if o.creator_id == c["id"]]
        own_clicks = [r for r in clicks["creator"] if r["creator_id"] == c["id"]]
        entry.update(_growth(_clicks_and_conversions(own_clicks, mine), start, now))
        total = entry["total"]
        entry["confidence"] = insights.confidence_rank(
            total["click_conversions"],
            total["unique_visitors"],
            campaign_rate,
            MIN_VISITORS_FOR_VERDICT,
        )
        own_sources = [r for r in clicks["creator_source"] if r["creator_id"] == c["id"]]
        entry["marks_detail"] = _money_marks(
            insights.marks(
                _daily_by_source(own_sources, mine),
                int(c["fee_minor"]),
                _ad_spend_by_day([m for m in metrics if m["creator_id"] == c["id"]]),
                start,
                now,
            ),
            digits,
        )
        if entry["momentum"]["trend"] in ("rising", "new"):
            rising.append(c["handle"])
        if entry["late_surge"]["surge"]:
            surging.append(c["handle"])
    report["growth"]["rising"], report["growth"]["surging"] = rising, surging
    report["shop_baseline"] = None
    for row in report["daily"]:
        row["partial"] = row["date"] == today
