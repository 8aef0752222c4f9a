"""The arithmetic of an actionable report (tracker/insights.py).

Every expected number is worked out by hand in the comments, the way a
marketer would check it, and every zero denominator is exercised: a ratio
with nothing under it is None ("—" on the page, null in JSON), never 0 or an
error. Money is in minor units (cents): 30000 is 300.00.
"""

from __future__ import annotations

import ast
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tracker import vocabulary
from tracker.reports import insights
from tracker.reports.insights import (
    budget,
    confidence_rank,
    conversion_rate,
    late_surge,
    marks,
    momentum,
    ratio,
    roas,
    roi,
    shop_baseline,
    unit_costs,
    wilson_interval,
)

D = date.fromisoformat
START = D("2026-11-01")


def days_after(day: date, n: int) -> date:
    return day + timedelta(days=n)


# =============================================================================
# ratio: the one division
# =============================================================================


def test_ratio_divides_and_rounds_to_six_digits():
    assert ratio(1, 3) == 0.333333  # 0.3333333… kept to 6 digits
    assert ratio(2, 3) == 0.666667  # 0.6666666… rounds up
    assert ratio(-1, 4) == -0.25  # negative numerators (ROI, change) allowed
    assert ratio(0, 5) == 0.0  # 0 over something is 0, not None
    assert repr(ratio(3, 10)) == "0.3"  # plain in JSON: no 0.30000000000000004


@pytest.mark.parametrize("numerator, denominator", [(5, 0), (5, None), (0, 0), (None, 5)])
def test_ratio_without_a_denominator_or_numerator_is_none(numerator, denominator):
    assert ratio(numerator, denominator) is None


# =============================================================================
# money: unit costs, ROAS, ROI, conversion rate, budget
# =============================================================================


def test_unit_costs():
    # cost 300.00, 7 human clicks, 3 orders worth 450.00 in all
    # CPC = 30000 / 7 = 4285.714285… -> 4285.714286 cents (42.86)
    # CPA = 30000 / 3 = 10000.0 (100.00);  AOV = 45000 / 3 = 15000.0 (150.00)
    assert unit_costs(30000, 7, 3, 45000) == {"cpc": 4285.714286, "cpa": 10000.0, "aov": 15000.0}


def test_unit_costs_without_clicks_or_conversions_are_none():
    # 0 clicks -> no CPC; 0 conversions -> no CPA and no AOV
    assert unit_costs(30000, 0, 0, 0) == {"cpc": None, "cpa": None, "aov": None}
    # clicks but no orders: CPC known (30000 / 12 = 2500.0), CPA and AOV not
    assert unit_costs(30000, 12, 0, 0) == {"cpc": 2500.0, "cpa": None, "aov": None}


def test_unit_costs_when_nothing_was_spent_are_zero_not_none():
    # cost 0 over 10 clicks = 0.0: a free campaign has free clicks, that is known
    assert unit_costs(0, 10, 2, 9000) == {"cpc": 0.0, "cpa": 0.0, "aov": 4500.0}


def test_roas_is_sponsored_revenue_over_ad_spend():
    # sponsored revenue 600.00 on 200.00 ad spend: 60000 / 20000 = 3.0
    assert roas(60000, 20000) == 3.0
    # no sponsored revenue yet: 0 / 20000 = 0.0 (known: the ads returned nothing)
    assert roas(0, 20000) == 0.0
    # no ad spend: nothing to return on
    assert roas(60000, 0) is None


def test_roi():
    # revenue 450.00, cost 300.00: (45000 - 30000) / 30000 = 0.5
    assert roi(45000, 30000) == 0.5
    # nothing sold: (0 - 30000) / 30000 = -1.0, all money lost
    assert roi(0, 30000) == -1.0
    # revenue 100.00, cost 300.00: (10000 - 30000) / 30000 = -0.666666… -> -0.666667
    assert roi(10000, 30000) == -0.666667
    # nothing spent: no ROI, even with revenue
    assert roi(100, 0) is None
    assert roi(0, 0) is None


def test_conversion_rate_is_click_orders_over_visitors():
    # 3 orders credited by click, 120 unique visitors: 3 / 120 = 0.025
    assert conversion_rate(3, 120) == 0.025
    assert conversion_rate(0, 120) == 0.0
    assert conversion_rate(3, 0) is None  # code-only orders, no visitors: no rate
    assert conversion_rate(0, 0) is None


def test_budget_under_at_and_over():
    # budget 1000.00; fees 300.00 + ads 200.00 = 500.00 spent; 500.00 left; 50%
    assert budget(100000, 30000, 20000) == {
        "budget": 100000,
        "spent": 50000,
        "remaining": 50000,
        "share_spent": 0.5,
        "over_budget": False,
    }
    # exactly spent: remaining 0 is not over
    assert budget(50000, 30000, 20000) == {
        "budget": 50000,
        "spent": 50000,
        "remaining": 0,
        "share_spent": 1.0,
        "over_budget": False,
    }
    # budget 400.00, spent 500.00: remaining 40000 - 50000 = -10000 (100.00 over);
    # share 50000 / 40000 = 1.25
    assert budget(40000, 30000, 20000) == {
        "budget": 40000,
        "spent": 50000,
        "remaining": -10000,
        "share_spent": 1.25,
        "over_budget": True,
    }


def test_budget_without_a_budget_still_says_what_was_spent():
    assert budget(None, 30000, 20000) == {
        "budget": None,
        "spent": 50000,
        "remaining": None,
        "share_spent": None,
        "over_budget": None,
    }


def test_budget_of_zero_has_no_share_and_is_over_once_anything_is_spent():
    # share = spent / 0: no share; remaining 0 - 0 = 0: not over
    assert budget(0, 0, 0) == {
        "budget": 0,
        "spent": 0,
        "remaining": 0,
        "share_spent": None,
        "over_budget": False,
    }
    # remaining 0 - 100 = -100: over
    assert budget(0, 100, 0) == {
        "budget": 0,
        "spent": 100,
        "remaining": -100,
        "share_spent": None,
        "over_budget": True,
    }


# =============================================================================
# how sure we are: Wilson interval and the creator verdict
# =============================================================================
# Wilson, z = 1.959964, z² = 3.841459:
#   centre = (p + z²/2n) / (1 + z²/n)
#   half   = z · sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)


def test_wilson_interval_five_of_ten():
    # p = 0.5, n = 10: centre = (0.5 + 0.192073) / 1.384146 = 0.5
    # half = 1.959964 · sqrt(0.025 + 0.009604) / 1.384146
    #      = 1.959964 · 0.186021 / 1.384146 = 0.263407
    # -> (0.5 - 0.263407, 0.5 + 0.263407) = (0.236593, 0.763407)
    assert wilson_interval(5, 10) == (0.236593, 0.763407)


def test_wilson_interval_zero_successes_is_clamped_at_zero():
    # p = 0, n = 30: centre = (0 + 0.064024) / 1.128049 = 0.056757
    # half = 1.959964 · sqrt(0 + 0.001067) / 1.128049 = 0.056757 (= centre)
    # low = centre - half = 0 (floating point may stray below: clamped)
    # high = 2 · 0.056757 = 0.113513 (= z² / (n + z²) = 3.841459 / 33.841459)
    low, high = wilson_interval(0, 30)
    assert low == 0.0 and high == 0.113513


def test_wilson_interval_all_successes_is_clamped_at_one():
    # mirror image of 0 of 30: (1 - 0.113513, 1) = (0.886487, 1.0)
    assert wilson_interval(30, 30) == (0.886487, 1.0)


def test_wilson_interval_is_narrower_with_more_trials():
    # 30 of 100: centre = (0.3 + 0.019207) / 1.038415 = 0.307399
    # half = 1.959964 · sqrt(0.0021 + 0.000096) / 1.038415 = 0.088450
    # -> (0.218949, 0.395849)
    assert wilson_interval(30, 100) == (0.218949, 0.395849)


def test_wilson_interval_without_trials_is_none():
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize("successes, trials", [(11, 10), (-1, 10), (1, -5)])
def test_wilson_interval_refuses_impossible_counts(successes, trials):
    with pytest.raises(ValueError):
        wilson_interval(successes, trials)


def test_confidence_rank_better():
    # 30 orders of 100 visitors: interval (0.218949, 0.395849) lies wholly above 0.10
    assert confidence_rank(30, 100, 0.10) == {
        "rate": 0.3,
        "low": 0.218949,
        "high": 0.395849,
        "verdict": "better",
    }


def test_confidence_rank_worse():
    # 1 of 100: centre = (0.01 + 0.019207) / 1.038415 = 0.028127
    # half = 1.959964 · sqrt(0.000099 + 0.000096) / 1.038415 = 0.026359
    # -> (0.001767, 0.054486): wholly below 0.10
    assert confidence_rank(1, 100, 0.10) == {
        "rate": 0.01,
        "low": 0.001767,
        "high": 0.054486,
        "verdict": "worse",
    }


def test_confidence_rank_level_when_the_interval_holds_the_campaign_rate():
    # 10 of 100: (0.055229, 0.174366) holds 0.10
    assert confidence_rank(10, 100, 0.10)["verdict"] == "level"
    # touching is not "wholly above": low == campaign rate is still level
    assert confidence_rank(30, 100, 0.218949)["verdict"] == "level"
    assert confidence_rank(30, 100, 0.395849)["verdict"] == "level"


def test_confidence_rank_too_early_below_thirty_visitors_but_shows_the_interval():
    # 5 of 29: 29 < 30 -> too early; rate 5 / 29 = 0.172414; interval still given
    assert confidence_rank(5, 29, 0.01) == {
        "rate": 0.172414,
        "low": 0.075979,
        "high": 0.345485,
        "verdict": "too_early",
    }
    # exactly 30 is enough: 20 of 30 against 0.01 is clearly better
    assert confidence_rank(20, 30, 0.01)["verdict"] == "better"


def test_confidence_rank_too_early_without_a_campaign_rate():
    assert confidence_rank(30, 100, None)["verdict"] == "too_early"


def test_confidence_rank_without_visitors():
    # 0 visitors: no rate, no interval, too early (even with the floor set to 0)
    empty = {"rate": None, "low": None, "high": None, "verdict": "too_early"}
    assert confidence_rank(0, 0, 0.05) == empty
    assert confidence_rank(2, 0, 0.05, min_visitors=0) == empty


def test_confidence_rank_with_more_orders_than_visitors():
    # 40 orders from 35 visitors (repeat buyers): rate 40 / 35 = 1.142857 as is;
    # the interval counts at most one order per visitor: 35 of 35 -> (0.901099, 1.0)
    assert confidence_rank(40, 35, 0.05) == {
        "rate": 1.142857,
        "low": 0.901099,
        "high": 1.0,
        "verdict": "better",
    }


# =============================================================================
# momentum: last 7 full days against the 7 before
# =============================================================================
TODAY = D("2026-11-20")  # partial: left out. Yesterday = 11-19.
# last 7 = 11-13..11-19, previous 7 = 11-06..11-12


def test_momentum_counts_full_days_only():
    daily = {
        D("2026-11-20"): (1000, 50),  # today, partial: not counted
        D("2026-11-19"): (10, 1),  # last 7
        D("2026-11-15"): (30, 2),  # last 7
        D("2026-11-13"): (20, 0),  # last 7 (first day of it)
        D("2026-11-12"): (5, 1),  # previous 7 (last day of it)
        D("2026-11-06"): (10, 1),  # previous 7 (first day of it)
        D("2026-11-05"): (999, 9),  # older: not counted
    }
    # clicks: last 10 + 30 + 20 = 60, prev 5 + 10 = 15, change (60 - 15) / 15 = 3.0
    # conversions: last 1 + 2 + 0 = 3, prev 1 + 1 = 2, change (3 - 2) / 2 = 0.5
    assert momentum(daily, TODAY) == {
        "through": "2026-11-19",
        "clicks_last7": 60,
        "clicks_prev7": 15,
        "clicks_change": 3.0,
        "conversions_last7": 3,
        "conversions_prev7": 2,
        "conversions_change": 0.5,
        "trend": "rising",
    }


@pytest.mark.parametrize(
    "last, prev, change, trend",
    [
        (12, 10, 0.2, "rising"),  # (12 - 10) / 10 = +0.2: at the threshold is a trend
        (11, 10, 0.1, "flat"),  # +0.1: noise
        (9, 10, -0.1, "flat"),  # -0.1: noise
        (8, 10, -0.2, "falling"),  # (8 - 10) / 10 = -0.2
        (0, 10, -1.0, "falling"),  # stopped
        (5, 0, None, "new"),  # nothing before: no change, but new
        (0, 0, None, "flat"),  # nothing at all
    ],
)
def test_momentum_trend_threshold(last, prev, change, trend):
    daily = {D("2026-11-19"): (last, 0), D("2026-11-12"): (prev, 0)}
    out = momentum(daily, TODAY)
    assert (out["clicks_last7"], out["clicks_prev7"]) == (last, prev)
    assert out["clicks_change"] == change
    assert out["trend"] == trend


def test_momentum_conversions_without_a_previous_week_have_no_change():
    # clicks 20 vs 20: flat (change 0.0); conversions 2 vs 0: no base -> None
    daily = {D("2026-11-19"): (20, 2), D("2026-11-12"): (20, 0)}
    out = momentum(daily, TODAY)
    assert (out["clicks_change"], out["trend"]) == (0.0, "flat")
    assert (out["conversions_last7"], out["conversions_prev7"]) == (2, 0)
    assert out["conversions_change"] is None


def test_momentum_of_nothing():
    assert momentum({}, TODAY) == {
        "through": "2026-11-19",
        "clicks_last7": 0,
        "clicks_prev7": 0,
        "clicks_change": None,
        "conversions_last7": 0,
        "conversions_prev7": 0,
        "conversions_change": None,
        "trend": "flat",
    }


# =============================================================================
# late surge: a later day above 3x the median day of the first week
# =============================================================================
# First week = 11-01..11-07 (day 1 = starts_on). 11-06 absent = 0.
FIRST_WEEK = {
    D("2026-11-01"): 50,
    D("2026-11-02"): 4,
    D("2026-11-03"): 3,
    D("2026-11-04"): 5,
    D("2026-11-05"): 2,
    D("2026-11-07"): 6,
}
# sorted: 0 2 3 4 5 6 50 -> median 4 (the launch-day 50 does not move it);
# a surge is a later day with more than 3 x 4 = 12 clicks.


def test_late_surge_flags_the_first_day_above_three_times_the_median():
    daily = {
        **FIRST_WEEK,
        D("2026-11-08"): 12,  # 12 is not more than 12
        D("2026-11-10"): 13,  # 13 > 12: the surge starts here
        D("2026-11-12"): 40,  # the peak: 40 / 4 = 10.0
        D("2026-11-13"): 100,
    }  # after today: not counted
    assert late_surge(daily, START, D("2026-11-12")) == {
        "surge": True,
        "first_day": "2026-11-10",
        "peak_ratio": 10.0,
        "baseline": 4.0,
        "first_week_median": 4.0,
    }


def test_late_surge_no_surge_reports_how_close_it_came():
    # best later day 12: 12 / 4 = 3.0, not above 3
    daily = {**FIRST_WEEK, D("2026-11-08"): 12, D("2026-11-09"): 7}
    assert late_surge(daily, START, D("2026-11-15")) == {
        "surge": False,
        "first_day": None,
        "peak_ratio": 3.0,
        "baseline": 4.0,
        "first_week_median": 4.0,
    }


def test_late_surge_waits_until_the_first_week_has_ended():
    daily = {**FIRST_WEEK, D("2026-11-08"): 500}
    waiting = {
        "surge": False,
        "first_day": None,
        "peak_ratio": None,
        "baseline": None,
        "first_week_median": None,
    }
    assert late_surge(daily, START, D("2026-11-07")) == waiting  # day 7 still running
    assert late_surge(daily, START, D("2026-10-20")) == waiting  # not started


def test_late_surge_counts_todays_partial_day():
    # day 8 is today with 13 clicks so far: already more than 12, and it can only grow
    out = late_surge({**FIRST_WEEK, D("2026-11-08"): 13}, START, D("2026-11-08"))
    assert (out["surge"], out["first_day"]) == (True, "2026-11-08")


def test_late_surge_day_eight_without_clicks_yet():
    # today is day 8 with no clicks: peak 0 / 4 = 0.0
    assert late_surge(FIRST_WEEK, START, D("2026-11-08"))["peak_ratio"] == 0.0


def test_late_surge_with_a_quiet_first_week_uses_one_click_as_the_baseline():
    # first week 3 0 0 0 1 0 0: median 0 -> baseline floored at 1 -> surge above 3
    quiet = {D("2026-11-01"): 3, D("2026-11-05"): 1}
    # 4 clicks on day 9: 4 > 3 -> surge; 4 / 1 = 4.0
    assert late_surge({**quiet, D("2026-11-09"): 4}, START, D("2026-11-10")) == {
        "surge": True,
        "first_day": "2026-11-09",
        "peak_ratio": 4.0,
        "baseline": 1.0,
        "first_week_median": 0.0,
    }
    # 3 clicks: not more than 3
    out = late_surge({**quiet, D("2026-11-09"): 3}, START, D("2026-11-10"))
    assert (out["surge"], out["peak_ratio"]) == (False, 3.0)
    # no clicks ever: nothing to flag (peak 0 / 1 = 0.0)
    assert late_surge({}, START, D("2026-11-10"))["surge"] is False


# =============================================================================
# marks: the campaign at day 7, 14 and 30
# =============================================================================
FEES = 30000  # 300.00 of creator fees: organic's cost, whole at every mark
AD_SPEND = {
    D("2026-10-31"): 999,  # before the start: not counted
    D("2026-11-02"): 5000,
    D("2026-11-09"): 7000,
    D("2026-11-20"): 8000,
}


def row(clicks, conversions, revenue, visitors=0):
    return {
        "clicks": clicks,
        "visitors": visitors,
        "conversions": conversions,
        "revenue_minor": revenue,
    }


DAILY = {
    D("2026-10-31"): {"organic": row(999, 9, 99999)},  # before: not counted
    D("2026-11-01"): {"organic": row(100, 2, 10000, 90), "sponsored": row(50, 1, 6000, 45)},
    D("2026-11-07"): {"organic": row(20, 1, 4000), "unknown": row(5, 1, 2500)},  # day 7
    D("2026-11-08"): {"sponsored": row(40, 2, 12000)},  # day 8
    D("2026-11-14"): {"organic": row(10, 0, 0)},  # day 14
    D("2026-11-20"): {"sponsored": row(30, 1, 9000)},  # day 20 = today
}


def test_marks_cumulative_totals_and_sources():
    got = marks(DAILY, FEES, AD_SPEND, START, D("2026-11-20"))
    assert [m["mark"] for m in got] == list(vocabulary.MARKS)
    day7, day14, day30 = got

    # Day 7 (11-01..11-07)
    # organic  : clicks 100 + 20 = 120, orders 2 + 1 = 3, revenue 10000 + 4000 = 14000,
    #            cost = fees 30000, ROI (14000 - 30000) / 30000 = -0.533333
    # sponsored: 50 clicks, 1 order, 6000; cost = ads through 11-07 = 5000,
    #            ROI (6000 - 5000) / 5000 = 0.2
    # unknown  : 5, 1, 2500; cost 0 -> ROI None
    # totals   : 175 clicks, 5 orders, 22500; cost 35000, ROI -12500 / 35000 = -0.357143
    assert day7 == {
        "mark": 7,
        "from": "2026-11-01",
        "to": "2026-11-07",
        "status": "reached",
        "days_elapsed": 7,
        "days_left": 0,
        "totals": {
            "clicks": 175,
            "conversions": 5,
            "revenue": 22500,
            "cost": 35000,
            "roi": -0.357143,
        },
        "sources": {
            "organic": {
                "clicks": 120,
                "conversions": 3,
                "revenue": 14000,
                "cost": 30000,
                "roi": -0.533333,
            },
            "sponsored": {
                "clicks": 50,
                "conversions": 1,
                "revenue": 6000,
                "cost": 5000,
                "roi": 0.2,
            },
            "unknown": {"clicks": 5, "conversions": 1, "revenue": 2500, "cost": 0, "roi": None},
        },
    }

    # Day 14 (11-01..11-14): organic + 10 clicks (day 14); sponsored + 40, 2, 12000
    # sponsored: 90 clicks, 3 orders, 18000; ads 5000 + 7000 = 12000; ROI 6000 / 12000 = 0.5
    # totals: 130 + 90 + 5 = 225 clicks, 3 + 3 + 1 = 7 orders, 14000 + 18000 + 2500 = 34500;
    #         cost 30000 + 12000 = 42000; ROI (34500 - 42000) / 42000 = -0.178571
    assert (day14["status"], day14["to"]) == ("reached", "2026-11-14")
    assert day14["sources"]["organic"]["clicks"] == 130
    assert day14["sources"]["sponsored"] == {
        "clicks": 90,
        "conversions": 3,
        "revenue": 18000,
        "cost": 12000,
        "roi": 0.5,
    }
    assert day14["totals"] == {
        "clicks": 225,
        "conversions": 7,
        "revenue": 34500,
        "cost": 42000,
        "roi": -0.178571,
    }

    # Day 30 (11-01..11-30), running: today 11-20 is day 20, its data so far counts.
    # 19 full days have ended (11-01..11-19): 30 - 19 = 11 left (today not complete).
    # sponsored: 120 clicks, 4 orders, 27000; ads 5000 + 7000 + 8000 = 20000; ROI 0.35
    # totals: 255 clicks, 8 orders, 43500; cost 50000; ROI -6500 / 50000 = -0.13
    assert (day30["status"], day30["days_elapsed"], day30["days_left"]) == ("in_progress", 19, 11)
    assert day30["sources"]["sponsored"] == {
        "clicks": 120,
        "conversions": 4,
        "revenue": 27000,
        "cost": 20000,
        "roi": 0.35,
    }
    assert day30["totals"] == {
        "clicks": 255,
        "conversions": 8,
        "revenue": 43500,
        "cost": 50000,
        "roi": -0.13,
    }


@pytest.mark.parametrize(
    "today, expected",
    [
        # the day before the start: nothing has started
        (D("2026-10-31"), [("not_started", 0, 7), ("not_started", 0, 14), ("not_started", 0, 30)]),
        # day 1: running, no full day yet, all 7 left
        (D("2026-11-01"), [("in_progress", 0, 7), ("in_progress", 0, 14), ("in_progress", 0, 30)]),
        # day 7: 6 full days, the 7th still running
        (D("2026-11-07"), [("in_progress", 6, 1), ("in_progress", 6, 8), ("in_progress", 6, 24)]),
        # day 8: day 7 has ended, so mark 7 is reached
        (D("2026-11-08"), [("reached", 7, 0), ("in_progress", 7, 7), ("in_progress", 7, 23)]),
        # day 31: every mark reached
        (D("2026-12-01"), [("reached", 7, 0), ("reached", 14, 0), ("reached", 30, 0)]),
    ],
)
def test_marks_status(today, expected):
    got = marks({}, FEES, {}, START, today)
    assert [(m["status"], m["days_elapsed"], m["days_left"]) for m in got] == expected


def test_marks_before_the_start_still_carry_the_fees():
    # fees count whole at every mark: 0 revenue on 30000 cost = ROI -1.0
    got = marks({}, FEES, {}, START, D("2026-10-31"))
    assert got[0]["totals"] == {
        "clicks": 0,
        "conversions": 0,
        "revenue": 0,
        "cost": 30000,
        "roi": -1.0,
    }


def test_marks_without_any_cost_have_no_roi():
    got = marks(DAILY, 0, {}, START, D("2026-11-20"))
    assert got[0]["totals"]["roi"] is None
    assert all(s["roi"] is None for s in got[0]["sources"].values())


def test_marks_take_other_marks():
    # a 3-day mark: 11-01..11-03: 150 clicks on day 1; ads 5000 on 11-02
    (day3,) = marks(DAILY, FEES, AD_SPEND, START, D("2026-11-20"), marks=(3,))
    assert (day3["mark"], day3["to"], day3["totals"]["clicks"], day3["totals"]["cost"]) == (
        3,
        "2026-11-03",
        150,
        35000,
    )


def test_marks_refuse_a_source_outside_the_vocabulary():
    with pytest.raises(ValueError, match="unattributed"):
        marks({START: {"unattributed": row(1, 1, 100)}}, FEES, {}, START, START)


# =============================================================================
# the shop before and since the start
# =============================================================================
SHOP = {
    D("2026-09-15"): (7, 70000),  # before the shop's first day in some tests
    D("2026-10-03"): (500, 9),  # 29 days before the start: outside the 28
    D("2026-10-04"): (10, 100000),  # first of the 28 days before
    D("2026-10-31"): (18, 180000),  # the day before the start
    D("2026-11-01"): (20, 150000),  # day 1
    D("2026-11-10"): (15, 130000),  # yesterday
    D("2026-11-11"): (99, 999999),  # today, partial: not counted
}
SHOP_TODAY = D("2026-11-11")


def test_shop_baseline_28_days_before_against_the_days_since():
    got = shop_baseline(SHOP, START, SHOP_TODAY, 70000, first_day=D("2026-09-01"))
    # before: 10-04..10-31 = 28 days; orders 10 + 18 = 28, net 100000 + 180000 = 280000
    #   -> 28 / 28 = 1.0 order a day, 280000 / 28 = 10000.0 a day
    # since: 11-01..11-10 = 10 full days; orders 20 + 15 = 35, net 280000
    #   -> 3.5 orders a day, 28000.0 a day
    # change: orders 3.5 / 1.0 - 1 = 2.5; net 28000 / 10000 - 1 = 1.8
    # attributed share: 70000 / 280000 = 0.25
    assert got == {
        "label": "comparison, not a causal claim",
        "before": {
            "from": "2026-10-04",
            "to": "2026-10-31",
            "days": 28,
            "orders": 28,
            "net": 280000,
            "orders_per_day": 1.0,
            "net_per_day": 10000.0,
        },
        "since_start": {
            "from": "2026-11-01",
            "to": "2026-11-10",
            "days": 10,
            "orders": 35,
            "net": 280000,
            "orders_per_day": 3.5,
            "net_per_day": 28000.0,
        },
        "change": {"orders_per_day": 2.5, "net_per_day": 1.8},
        "attributed_net": 70000,
        "attributed_share": 0.25,
    }


def test_shop_baseline_does_not_count_days_before_the_shop_was_connected():
    # connected 10-22: before = 10-22..10-31 = 10 days, not 28; 10-04 is not counted.
    # before: 18 orders, 180000 -> 1.8 a day, 18000.0 a day
    # change: orders 3.5 / 1.8 - 1 = 0.944444…; net 28000 / 18000 - 1 = 0.555556
    got = shop_baseline(SHOP, START, SHOP_TODAY, 70000, first_day=D("2026-10-22"))
    assert got["before"] == {
        "from": "2026-10-22",
        "to": "2026-10-31",
        "days": 10,
        "orders": 18,
        "net": 180000,
        "orders_per_day": 1.8,
        "net_per_day": 18000.0,
    }
    assert got["change"] == {"orders_per_day": 0.944444, "net_per_day": 0.555556}


def test_shop_connected_after_the_start_has_no_before():
    # connected 11-05: no "before" at all (no averages, no change);
    # since = 11-05..11-10 = 6 days: only 11-10 counts (15, 130000)
    #   -> 15 / 6 = 2.5 a day, 130000 / 6 = 21666.666667 a day
    # share: 70000 / 130000 = 0.538462
    got = shop_baseline(SHOP, START, SHOP_TODAY, 70000, first_day=D("2026-11-05"))
    assert got["before"] == {
        "from": None,
        "to": None,
        "days": 0,
        "orders": 0,
        "net": 0,
        "orders_per_day": None,
        "net_per_day": None,
    }
    assert got["since_start"]["days"] == 6
    assert (got["since_start"]["orders_per_day"], got["since_start"]["net_per_day"]) == (
        2.5,
        21666.666667,
    )
    assert got["change"] == {"orders_per_day": None, "net_per_day": None}
    assert got["attributed_share"] == 0.538462


def test_shop_baseline_on_the_first_day_has_no_full_day_since():
    # today = starts_on: since = 11-01..10-31, empty; nothing to compare or share
    got = shop_baseline(SHOP, START, START, 0, first_day=D("2026-09-01"))
    assert got["since_start"]["days"] == 0
    assert got["since_start"]["orders_per_day"] is None
    assert got["change"] == {"orders_per_day": None, "net_per_day": None}
    assert got["attributed_share"] is None  # 0 / 0


def test_shop_baseline_with_a_quiet_before_has_no_change():
    # connected, but no orders in the 28 days before: 0 a day is known, change is not
    quiet = {D("2026-11-01"): (4, 40000)}
    got = shop_baseline(quiet, START, SHOP_TODAY, 0, first_day=D("2026-09-01"))
    assert (got["before"]["days"], got["before"]["orders_per_day"]) == (28, 0.0)
    assert got["change"] == {"orders_per_day": None, "net_per_day": None}
    assert got["attributed_share"] == 0.0  # 0 / 40000


def test_shop_never_connected():
    got = shop_baseline(SHOP, START, SHOP_TODAY, 70000, first_day=None)
    assert got["before"]["days"] == got["since_start"]["days"] == 0
    assert got["attributed_share"] is None
    assert got["label"] == insights.NOT_CAUSAL


# =============================================================================
# the module's promises
# =============================================================================


def test_every_output_is_json_ready():
    outputs = [
        unit_costs(1, 0, 0, 0),
        budget(None, 1, 2),
        budget(5, 1, 2),
        confidence_rank(1, 100, 0.1),
        confidence_rank(0, 0, None),
        momentum({D("2026-11-19"): (3, 1)}, TODAY),
        late_surge({**FIRST_WEEK, D("2026-11-10"): 13}, START, D("2026-11-12")),
        marks(DAILY, FEES, AD_SPEND, START, D("2026-11-20")),
        shop_baseline(SHOP, START, SHOP_TODAY, 70000, first_day=D("2026-09-01")),
    ]
    assert json.loads(json.dumps(outputs)) == outputs  # no date, Decimal or tuple leaks


def test_insights_is_pure():
    """Standard library and tracker.vocabulary only: no Flask, no SQL, no store."""
    path = Path(insights.__file__)
    assert path.parent.parent.parent == Path(__file__).resolve().parent.parent  # this checkout's
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {("." if node.level else "") + (node.module or "").split(".")[0]}
    local = {name for name in imported if name.startswith(".")}
    assert local <= {"."}  # `from .. import vocabulary`
    assert imported - local <= sys.stdlib_module_names


def test_sources_come_from_the_vocabulary():
    got = marks({}, 0, {}, START, START)
    assert tuple(got[0]["sources"]) == vocabulary.SOURCES
