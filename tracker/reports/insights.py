"""The arithmetic behind a report a marketer can act on. Pure: no Flask, no SQL.

Inputs are plain: ints, dicts, `date` objects, mappings of day -> value.
Outputs are JSON-ready dicts: counts are int, money is int minor units (an
average of money is a float of minor units), ratios are float or None, days
are ISO strings ("2026-11-01"), because Flask's default JSON encoder would
turn a `date` into an HTTP date.

One rule for every ratio (`ratio`): a zero or unknown denominator gives None
("—" on the page, null in JSON), never 0 and never an error. One rule for
every sum over days (`_total`): a day absent from a mapping counts as 0.

"Today" is the campaign's local day and is a partial day: each function
says how it treats it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from statistics import median
from typing import Any

from .. import vocabulary

ORGANIC, SPONSORED, UNKNOWN = vocabulary.SOURCES

#: Digits a ratio keeps: enough for any page, and no 0.30000000000000004 in JSON.
RATIO_DIGITS = 6
#: A week, for momentum (last 7 vs previous 7 days) and the late surge's first week.
WEEK = 7
#: |change| at or beyond this is a trend; inside it is noise from day to day.
TREND_THRESHOLD = 0.20
#: A later day above this many times the first week's median day is a surge.
SURGE_FACTOR = 3
#: The least baseline a surge is measured against (see late_surge).
SURGE_FLOOR = 1
#: The label every shop comparison carries.
NOT_CAUSAL = "comparison, not a causal claim"

#: The first and second item of a per-day tuple: (clicks, conversions), (orders, net).
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


# -- the two shared helpers -------------------------------------------------------


def ratio(numerator, denominator) -> float | None:
    """numerator / denominator, or None when the denominator is 0 or None (or
    the numerator is unknown). Decimal division, rounded to RATIO_DIGITS, so
    that a hand-checked figure matches to the last digit shown."""
    if numerator is None or not denominator:
        return None
    return round(float(Decimal(numerator) / Decimal(denominator)), RATIO_DIGITS)


def _total(
    daily: Mapping[date, Any],
    first: date,
    last: date,
    pick: Callable[[Any], int] = lambda value: value,
) -> int:
    """The sum of pick(value) over the days first..last (both included).
    Days absent from `daily` count as 0; an empty span (last < first) is 0."""
    return sum(int(pick(value)) for day, value in daily.items() if first <= day <= last)


def _change(new, old) -> float | None:
    """Relative change from old to new; None when old is 0 (no base to compare)."""
    return ratio(new - old, old)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


# -- money ------------------------------------------------------------------------


def unit_costs(cost_minor: int, clicks: int, conversions: int, revenue_minor: int) -> dict:
    """What one click and one order cost, and what one order brings.

    CPC = cost / human clicks, CPA = cost / conversions, AOV = revenue /
    conversions; floats of minor units (30000 / 7 clicks = 4285.714286 cents),
    None when there were no clicks or no conversions."""
    return {
        "cpc": ratio(cost_minor, clicks),
        "cpa": ratio(cost_minor, conversions),
        "aov": ratio(revenue_minor, conversions),
    }


def roas(sponsored_revenue_minor: int, ad_spend_minor: int) -> float | None:
    """Return on ad spend: SPONSORED revenue / ad spend. Organic revenue is
    left out on purpose: the ad spend did not buy it, and counting it would
    flatter every paid placement."""
    return ratio(sponsored_revenue_minor, ad_spend_minor)


def roi(revenue_minor: int, cost_minor: int) -> float | None:
    """(revenue - cost) / cost: -1.0 is all money lost, 0 is break-even;
    None when nothing was spent (no base to return on)."""
    return ratio(revenue_minor - cost_minor, cost_minor)


def conversion_rate(click_orders: int, visitors: int) -> float | None:
    """Orders credited BY CLICK / unique visitors. Orders credited only by a
    promo code are shown beside it, never in it: a code can be used by someone
    who never clicked, so it would inflate the rate of the people who did."""
    return ratio(click_orders, visitors)


def budget(budget_minor: int | None, fees_minor: int, ad_spend_minor: int) -> dict:
    """Where the money stands: spent = fees + ad spend, always known.

    With no budget set, budget, remaining, share_spent and over_budget are
    None (there is nothing to be over). Remaining may be negative: then
    over_budget is True. A budget of 0 has no share_spent (None), and is over
    budget as soon as anything is spent."""
    spent = fees_minor + ad_spend_minor
    if budget_minor is None:
        return {
            "budget": None,
            "spent": spent,
            "remaining": None,
            "share_spent": None,
            "over_budget": None,
        }
    remaining = budget_minor - spent
    return {
        "budget": budget_minor,
        "spent": spent,
        "remaining": remaining,
        "share_spent": ratio(spent, budget_minor),
        "over_budget": remaining < 0,
    }


# -- how sure we are --------------------------------------------------------------


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval for a rate (95% with the default z).

    Wilson, not the textbook p ± z·sqrt(p(1-p)/n): that one collapses to
    [0, 0] at zero orders and misbehaves at small n and rates near 0 (it
    spills below 0 and covers far less than 95%), exactly where a creator's
    conversion rate lives. None when there are no trials; the bounds are
    clamped to [0, 1] (rounding can stray by 1e-17) and rounded like ratios.
    p̂ comes from ratio(), so it carries its 1e-6 rounding: far below what a
    page shows.
    """
    p = ratio(successes, trials)
    if p is None:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials (got {successes} of {trials})")
    n, z2 = trials, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (
        round(max(0.0, centre - half), RATIO_DIGITS),
        round(min(1.0, centre + half), RATIO_DIGITS),
    )


def confidence_rank(
    creator_conversions: int,
    creator_visitors: int,
    campaign_rate: float | None,
    min_visitors: int = 30,
) -> dict:
    """Is this creator's conversion rate really better or worse than the campaign's?

    verdict: "better" when the whole 95% interval lies above the campaign's
    rate, "worse" when it lies wholly below, "level" when it straddles it
    (or touches it), and "too_early" when the creator has fewer than
    min_visitors visitors or the campaign has no rate yet.

    Why 30 visitors: below that one order moves the rate by more than 3
    points, and the verdict would flip with the next order; 30 is also the
    usual floor for treating a sample proportion as settled. The interval
    is still returned (it is honest about how wide it is); only the verdict
    waits.

    The rate is conversions / visitors as given (it can exceed 1: one
    visitor may order twice, or order from a click made before the window);
    the interval then counts at most one success per visitor.
    Note: with twenty creators, about one will look "better" or "worse" by
    chance alone at 95% — a verdict is a reason to look, not proof.
    """
    rate = ratio(creator_conversions, creator_visitors)
    interval = wilson_interval(min(creator_conversions, creator_visitors), creator_visitors)
    low, high = interval if interval else (None, None)
    if (
        interval is None
        or low is None
        or high is None
        or creator_visitors < min_visitors
        or campaign_rate is None
    ):
        verdict = "too_early"
    elif low > campaign_rate:
        verdict = "better"
    elif high < campaign_rate:
        verdict = "worse"
    else:
        verdict = "level"
    return {"rate": rate, "low": low, "high": high, "verdict": verdict}


# -- how it moves -----------------------------------------------------------------


def _trend(last: int, prev: int, change: float | None) -> str:
    if prev == 0 or change is None:
        return "new" if last > 0 else "flat"
    if change >= TREND_THRESHOLD:
        return "rising"
    if change <= -TREND_THRESHOLD:
        return "falling"
    return "flat"


def momentum(daily: Mapping[date, tuple[int, int]], today: date) -> dict:
    """The last 7 full days against the 7 before them, clicks and conversions.

    Today is partial, so it is left out: "last 7" is yesterday-6..yesterday
    and "previous 7" is yesterday-13..yesterday-7. Counting the partial day
    would read "falling" every morning. `through` is that yesterday.

    daily maps a day to (human clicks, conversions); absent days are 0.
    change = (last - prev) / prev (None when prev is 0). The trend follows
    clicks (conversions are too few for a percentage to mean much):
    "rising" at +20% or more, "falling" at -20% or less, "flat" in between
    or when both weeks are 0, and "new" when the previous week had none and
    this one has some.
    """
    through = today - timedelta(days=1)
    last = (through - timedelta(days=WEEK - 1), through)
    prev = (last[0] - timedelta(days=WEEK), last[0] - timedelta(days=1))
    out: dict = {"through": _iso(through)}
    for name, pick in (("clicks", _FIRST), ("conversions", _SECOND)):
        now, before = _total(daily, *last, pick), _total(daily, *prev, pick)
        out[f"{name}_last7"] = now
        out[f"{name}_prev7"] = before
        out[f"{name}_change"] = _change(now, before)
    out["trend"] = _trend(out["clicks_last7"], out["clicks_prev7"], out["clicks_change"])
    return out


def late_surge(daily_clicks: Mapping[date, int], starts_on: date, today: date) -> dict:
    """Did a creator's link wake up after the first week (a repost, a duet, a
    video the algorithm found late)? That is the moment to boost it.

    The baseline is the MEDIAN day of the campaign's first week (days 1-7,
    day 1 = starts_on, absent days 0): the median, so one launch-day spike
    does not hide a later one. A day from day 8 through today whose human
    clicks exceed SURGE_FACTOR (3) x baseline is a surge; today counts even
    though partial, since a partial day can only grow. Before day 7 has
    ended there is no flag (and no baseline).

    A median of 0 (most first-week days without a click) would make any
    click a surge of infinite size, so the baseline is floored at
    SURGE_FLOOR (1 click): a creator with a quiet first week who later gets
    4 clicks a day is flagged. `first_week_median` shows the unfloored value;
    `baseline` is the one compared against; peak_ratio = the best later day
    / baseline, whether or not it is a surge (how close it came).
    """
    week_end = starts_on + timedelta(days=WEEK - 1)
    if today <= week_end:
        return {
            "surge": False,
            "first_day": None,
            "peak_ratio": None,
            "baseline": None,
            "first_week_median": None,
        }
    first_week = [daily_clicks.get(starts_on + timedelta(days=i), 0) for i in range(WEEK)]
    week_median = float(median(first_week))
    baseline = max(week_median, float(SURGE_FLOOR))
    later = [
        (day, clicks) for day, clicks in sorted(daily_clicks.items()) if week_end < day <= today
    ]
    surges = [day for day, clicks in later if clicks > SURGE_FACTOR * baseline]
    peak = max((clicks for _, clicks in later), default=0)
    return {
        "surge": bool(surges),
        "first_day": _iso(surges[0]) if surges else None,
        "peak_ratio": ratio(peak, baseline),
        "baseline": baseline,
        "first_week_median": week_median,
    }


# -- the marks --------------------------------------------------------------------


def _mark_status(n: int, starts_on: date, today: date) -> dict:
    """Where mark n stands. Days elapsed are full days: today is not yet complete."""
    if today < starts_on:
        return {"status": "not_started", "days_elapsed": 0, "days_left": n}
    elapsed = (today - starts_on).days
    if elapsed >= n:
        return {"status": "reached", "days_elapsed": n, "days_left": 0}
    return {"status": "in_progress", "days_elapsed": elapsed, "days_left": n - elapsed}


def _money_line(clicks: int, conversions: int, revenue: int, cost: int) -> dict:
    return {
        "clicks": clicks,
        "conversions": conversions,
        "revenue": revenue,
        "cost": cost,
        "roi": roi(revenue, cost),
    }


def _source_total(daily_by_source, source: str, name: str, first: date, last: date) -> int:
    """One field of one source, summed over first..last."""
    return _total(daily_by_source, first, last, lambda row: row.get(source, {}).get(name, 0))


def marks(
    daily_by_source: Mapping[date, Mapping[str, Mapping[str, int]]],
    fees_minor: int,
    ad_spend_by_day: Mapping[date, int],
    starts_on: date,
    today: date,
    marks=vocabulary.MARKS,
) -> list[dict]:
    """The campaign at its 7-, 14- and 30-day marks, cumulative from day 1
    (day 1 = starts_on; mark N ends on starts_on + N - 1).

    Totals and each source (vocabulary.SOURCES) get clicks, conversions,
    revenue, cost and ROI. Cost follows the report's rule: creator fees are
    paid up front, so they count whole at every mark (and belong to organic),
    ad spend counts through the mark's last day (and belongs to sponsored);
    "unknown" has no cost, so no ROI. A mark still running includes today's
    data so far.

    status: "reached" once the Nth day has ended (today > starts_on + N - 1),
    "in_progress" while it runs, "not_started" before starts_on; days_elapsed
    counts full days (today is not complete) and days_left = N - days_elapsed.

    Visitors in the input are not summed: the same person coming through
    organic and sponsored on one day would count twice in a total.
    """
    unknown = {s for row in daily_by_source.values() for s in row} - set(vocabulary.SOURCES)
    if unknown:
        raise ValueError(f"unknown source(s) {sorted(unknown)}; expected {vocabulary.SOURCES}")
    out = []
    for n in marks:
        end = starts_on + timedelta(days=n - 1)
        ad_spend = _total(ad_spend_by_day, starts_on, end)
        cost = {ORGANIC: fees_minor, SPONSORED: ad_spend, UNKNOWN: 0}
        sources = {}
        for source in vocabulary.SOURCES:
            clicks, conversions, revenue = (
                _source_total(daily_by_source, source, name, starts_on, end)
                for name in ("clicks", "conversions", "revenue_minor")
            )
            sources[source] = _money_line(clicks, conversions, revenue, cost[source])
        totals = _money_line(
            *(
                sum(s[k] for s in sources.values())
                for k in ("clicks", "conversions", "revenue", "cost")
            )
        )
        out.append(
            {
                "mark": n,
                "from": _iso(starts_on),
                "to": _iso(end),
                **_mark_status(n, starts_on, today),
                "totals": totals,
                "sources": sources,
            }
        )
    return out


# -- the shop around the campaign -------------------------------------------------


def _span_summary(shop_daily: Mapping[date, tuple[int, int]], first: date, last: date) -> dict:
    """Orders and net revenue of the shop over first..last, with daily averages."""
    days = max(0, (last - first).days + 1)
    orders, net = (_total(shop_daily, first, last, pick) for pick in (_FIRST, _SECOND))
    return {
        "from": _iso(first) if days else None,
        "to": _iso(last) if days else None,
        "days": days,
        "orders": orders,
        "net": net,
        "orders_per_day": ratio(orders, days),
        "net_per_day": ratio(net, days),
    }


def shop_baseline(
    shop_daily: Mapping[date, tuple[int, int]],
    starts_on: date,
    today: date,
    attributed_net_minor: int,
    first_day: date | None,
    before_days: int = 28,
) -> dict:
    """The whole shop before and since the campaign: a comparison, not a
    causal claim (season, other marketing and luck all move it too).

    shop_daily maps a day to the shop's (orders, net revenue in minor units),
    ALL its orders, the campaign's included. "Before" is the before_days (28:
    four whole weeks, so every weekday counts the same) ending the day before
    starts_on; "since" is starts_on through yesterday (full days only: a
    partial today would drag the average down).

    first_day is the shop's first known day (when it was connected): days
    before it are not counted at all, since "no orders" there means "not
    connected", not "zero sales". A shop connected 10 days before the start
    has a 10-day "before" (`days` says so); None (never connected) leaves
    both spans empty. Within a span, a day without orders counts as 0.

    change = relative change of the daily averages (None without a "before").
    attributed_share = the campaign's attributed net / the shop's net since
    the start; attributed_net_minor must cover the same days (through
    yesterday).
    """
    floor = first_day if first_day is not None else date.max
    before = _span_summary(
        shop_daily,
        max(starts_on - timedelta(days=before_days), floor),
        starts_on - timedelta(days=1),
    )
    since = _span_summary(shop_daily, max(starts_on, floor), today - timedelta(days=1))

    def change_per_day(key: str) -> float | None:
        # Daily averages compared exactly, without rounding them first:
        # (a/da) / (b/db) - 1 = (a·db - b·da) / (b·da); None if either span is empty.
        return _change(since[key] * before["days"], before[key] * since["days"])

    return {
        "label": NOT_CAUSAL,
        "before": before,
        "since_start": since,
        "change": {
            "orders_per_day": change_per_day("orders"),
            "net_per_day": change_per_day("net"),
        },
        "attributed_net": attributed_net_minor,
        "attributed_share": ratio(attributed_net_minor, since["net"]),
    }
