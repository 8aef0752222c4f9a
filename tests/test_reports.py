"""Campaign compute.

1. The arithmetic (compute.build_report) on small hand-built rows: every
   number below is worked out by hand in the comments, the way a marketer
   would check the report.
2. Attribution of orders: click token first, then promo code; once per order.
3. Campaign-local day boundaries end to end: clicks through the real
   redirect, orders through the real importer, on SQLite and PostgreSQL.
4. A creator-scoped report shows that creator only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tracker import campaigns, imports, reports
from tracker.errors import BadInput
from tracker.reports import compute

from .helpers import campaign_with_links

# =============================================================================
# 1. Pure arithmetic on plain rows
# =============================================================================

MIA, JADE = 1, 2
CAMPAIGN = {
    "id": 7,
    "slug": "spring",
    "name": "Spring launch",
    "starts_on": "2026-11-01",
    "timezone": "Europe/Berlin",
    "currency": "EUR",
}
CREATORS = [
    {"id": JADE, "handle": "jade", "platform": "instagram", "fee_minor": 10050},  # 100.50
    {"id": MIA, "handle": "mia", "platform": "tiktok", "fee_minor": 30000},  # 300.00
]
TODAY = "2026-12-10"

# What the store's click_summary hands over, one table per grouping.
# Visitors are distinct *within* a row, so a coarser row can hold fewer
# visitors than its parts (a person who clicked two links that day).
#   (day, creator, source, clicks, bot_clicks, visitors)
BY_CREATOR_SOURCE = [
    ("2026-11-01", MIA, "organic", 10, 2, 8),
    ("2026-11-01", MIA, "sponsored", 20, 0, 15),
    ("2026-11-01", JADE, "organic", 5, 1, 5),
    ("2026-11-03", MIA, "sponsored", 6, 0, 6),
    ("2026-11-03", JADE, "unknown", 4, 3, 3),
    ("2026-11-10", MIA, "organic", 7, 0, 7),  # day 10: outside the 7-day window
    ("2026-11-10", JADE, "organic", 3, 0, 2),
]
#   (day, creator, clicks, bot_clicks, visitors)
BY_CREATOR = [
    ("2026-11-01", MIA, 30, 2, 21),  # 8 + 15 visitors, 2 clicked both links
    ("2026-11-01", JADE, 5, 1, 5),
    ("2026-11-03", MIA, 6, 0, 6),
    ("2026-11-03", JADE, 4, 3, 3),
    ("2026-11-10", MIA, 7, 0, 7),
    ("2026-11-10", JADE, 3, 0, 2),
]
#   (day, source, clicks, bot_clicks, visitors)
BY_SOURCE = [
    ("2026-11-01", "organic", 15, 3, 12),  # 8 + 5 visitors, 1 clicked both creators
    ("2026-11-01", "sponsored", 20, 0, 15),
    ("2026-11-03", "sponsored", 6, 0, 6),
    ("2026-11-03", "unknown", 4, 3, 3),
    ("2026-11-10", "organic", 10, 0, 9),
]
#   (day, clicks, bot_clicks, visitors)
BY_DAY = [
    ("2026-11-01", 35, 3, 25),  # 21 + 5 visitors, 1 on both creators
    ("2026-11-03", 10, 3, 9),
    ("2026-11-10", 10, 0, 9),
]


def click_rows() -> dict[str, list[dict]]:
    def rows(table, keys):
        return [dict(zip(keys + ("clicks", "bot_clicks", "visitors"), r)) for r in table]

    return {
        "day": rows(BY_DAY, ("day",)),
        "source": rows(BY_SOURCE, ("day", "source")),
        "creator": rows(BY_CREATOR, ("day", "creator_id")),
        "creator_source": rows(BY_CREATOR_SOURCE, ("day", "creator_id", "source")),
    }


def metric(day, creator, source, **values) -> dict:
    """A metrics row; a field not given was not reported (None, not 0)."""
    row = {"day": day, "creator_id": creator, "source": source}
    row.update(dict.fromkeys(compute.METRIC_FIELDS + ("spend_minor",)))
    row.update(values)
    return row


METRICS = [
    metric(
        "2026-11-01",
        MIA,
        "organic",
        impressions=1000,
        views=800,
        reach=600,
        likes=50,
        comments=10,
        shares=5,
        saves=5,
        followers_gained=12,
    ),
    metric(
        "2026-11-01",
        MIA,
        "sponsored",
        impressions=4000,
        views=3000,
        reach=2500,
        likes=100,
        shares=20,
        spend_minor=10000,
    ),  # comments, saves not reported
    metric("2026-11-02", JADE, "organic", views=500, likes=40, comments=4),  # no impressions
    metric(
        "2026-11-09",
        MIA,
        "sponsored",
        impressions=2000,
        views=1500,
        reach=1000,
        likes=30,
        comments=3,
        shares=2,
        saves=1,
        followers_gained=4,
        spend_minor=5000,
    ),  # day 9
]


def order(
    order_id,
    amount_minor,
    redeemed_at,
    click=None,
    code=None,
    *,
    status="counted",
    refunded=0,
    click_at=None,
    bot=False,
    window=30,
    campaign=7,
    currency="EUR",
) -> dict:
    """An order as report_orders returns it: click=(creator, source) of its
    click token (a human click an hour before the order unless click_at or
    bot say otherwise), code=(creator, source or None) of its promo code."""
    at = datetime.fromisoformat(redeemed_at.replace("Z", "+00:00"))
    row = {
        "shop": "csv",
        "shop_platform": "csv",
        "order_id": order_id,
        "name": None,
        "campaign_id": campaign,
        "code": None,
        "click_id": None,
        "gross_minor": amount_minor,
        "refunded_minor": refunded,
        "currency": currency,
        "created_at": redeemed_at,
        "status": status,
        "updated_at": redeemed_at,
        "click_campaign_id": None,
        "click_creator_id": None,
        "click_source": None,
        "click_is_bot": None,
        "click_at": None,
        "click_attribution_days": None,
        "code_campaign_id": None,
        "code_creator_id": None,
        "code_source": None,
    }
    if click:
        clicked = click_at or (at - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        row.update(
            click_id=f"k-{order_id}",
            click_campaign_id=campaign,
            click_creator_id=click[0],
            click_source=click[1],
            click_is_bot=int(bot),
            click_at=clicked,
            click_attribution_days=window,
        )
    if code:
        row.update(
            code=f"code-{code[0]}",
            code_campaign_id=campaign,
            code_creator_id=code[0],
            code_source=code[1],
        )
    return row


def matched(by_click, by_code, conflicts, passed_over=None, not_converted=None) -> dict:
    """The report's attribution section."""
    return {
        "by_click": by_click,
        "by_code": by_code,
        "conflicts": conflicts,
        "passed_over": {
            "unknown_id": 0,
            "bot_click": 0,
            "click_after_order": 0,
            "outside_window": 0,
            **(passed_over or {}),
        },
        "not_converted": {
            "pending": 0,
            "cancelled": 0,
            "refunded": 0,
            "other_currency": 0,
            **(not_converted or {}),
        },
    }


# Berlin is UTC+1 in November: the day of an order is its Berlin day.
ORDERS = [
    order("A", 12000, "2026-11-01T12:00:00.000000Z", click=(MIA, "sponsored")),
    order(
        "B", 25000, "2026-11-02T09:00:00.000000Z", click=(MIA, "organic"), code=(MIA, "sponsored")
    ),  # both: once, by click
    order("C", 4000, "2026-11-03T10:00:00.000000Z", code=(JADE, None)),  # unattributed
    order(
        "D", 7550, "2026-11-04T15:00:00.000000Z", click=(JADE, "organic"), code=(MIA, "sponsored")
    ),  # conflict: jade's click wins
    order("E", 6000, "2026-11-05T08:00:00.000000Z", code=(MIA, "sponsored")),
    order("F", 9000, "2026-11-07T23:30:00.000000Z", code=(JADE, "organic")),  # Berlin 11-08
    order("G", 1234, "2026-11-12T12:00:00.000000Z", click=(MIA, "sponsored")),
    order("H", 500, "2026-11-20T12:00:00.000000Z", code=(JADE, None)),  # day 20
    order("I", 8800, "2026-12-05T12:00:00.000000Z", click=(MIA, "organic")),  # day 35
]


def build(
    window,
    orders=ORDERS,
    metrics=METRICS,
    clicks=None,
    creators=CREATORS,
    today=TODAY,
    digits=2,
    campaign=CAMPAIGN,
) -> dict:
    clicks = click_rows() if clicks is None else clicks
    return compute.build_report(campaign, creators, clicks, orders, metrics, window, today, digits)


# The added fields of an M without clicks, orders or cost: every ratio None.
NOTHING_NEW = {
    "click_conversions": 0,
    "code_conversions": 0,
    "sponsored_revenue": "0.00",
    "cpc": None,
    "cpa": None,
    "aov": None,
    "bot_share": None,
}


def creator(report, handle) -> dict:
    (entry,) = [c for c in report["creators"] if c["handle"] == handle]
    return entry


def test_totals_for_the_first_7_days():
    totals = build(7)["totals"]
    assert totals == {
        # day rows 11-01 and 11-03 (11-10 is day 10): 35 + 10 human clicks
        "clicks": 45,
        # distinct per day, summed: 25 + 9 (not the creators' 21+5+6+3 = 35)
        "unique_visitors": 34,
        "bot_clicks": 6,  # 3 + 3
        # metrics of 11-01 (mia organic, mia sponsored) and 11-02 (jade); 11-09 is out
        "impressions": 5000,  # 1000 + 4000 + (jade: not reported)
        "views": 4300,  # 800 + 3000 + 500
        "reach": 3100,  # 600 + 2500
        # likes 50+100+40, comments 10+4, shares 5+20, saves 5
        "engagements": 234,  # 190 + 14 + 25 + 5
        "engagement_rate": 0.0468,  # 234 / 5000
        "ctr": 0.009,  # 45 / 5000
        # orders on Berlin days 11-01..11-07: A B C D E (F is 00:30 on 11-08 in Berlin)
        "conversions": 5,
        "click_conversions": 3,  # A B D came by click token
        "code_conversions": 2,  # C E by promo code alone ("+ 2 by code")
        # by click only: 3 / 34 = 0.0882352… (code orders have no visitors)
        "conversion_rate": 0.088235,
        "revenue": "545.50",  # 120 + 250 + 40 + 75.50 + 60
        "sponsored_revenue": "180.00",  # A 120 (sponsored click) + E 60 (sponsored code)
        "gross_revenue": "545.50",
        "refunds": "0.00",  # no refunds here
        "fee": "400.50",  # 300.00 + 100.50, both creators
        "ad_spend": "100.00",  # mia sponsored 11-01 (11-09's 50.00 is out)
        "cost": "500.50",  # 400.50 + 100.00
        "roi": 0.08991,  # (545.50 - 500.50) / 500.50 = 0.0899101…
        "roas": 1.8,  # sponsored revenue 180.00 / ad spend 100.00
        "cpc": "11.12",  # 500.50 / 45 clicks = 11.1222…
        "cpa": "100.10",  # 500.50 / 5 conversions
        "aov": "109.10",  # 545.50 / 5
        "bot_share": 0.117647,  # 6 / (45 + 6) = 0.1176470…
        "followers_gained": 12,  # mia organic 11-01 only reported it
    }


def test_totals_for_all_time():
    report = build(None)
    # all days: from the start (no data before it) to today, since today is later
    assert report["window"] == {
        "days": None,
        "from": "2026-11-01",
        "to": TODAY,
        "name": "all",
        "includes_today": True,
    }
    assert report["totals"] == {
        "clicks": 55,  # 35 + 10 + 10
        "unique_visitors": 43,  # 25 + 9 + 9
        "bot_clicks": 6,
        "impressions": 7000,  # 5000 + 2000 (11-09)
        "views": 5800,  # 4300 + 1500
        "reach": 4100,  # 3100 + 1000
        "engagements": 270,  # 234 + 30 + 3 + 2 + 1
        "engagement_rate": 0.038571,  # 270 / 7000 = 0.0385714…
        "ctr": 0.007857,  # 55 / 7000 = 0.0078571…
        "conversions": 9,  # A..I
        "click_conversions": 5,  # A B D G I
        "code_conversions": 4,  # C E F H
        "conversion_rate": 0.116279,  # 5 / 43 = 0.1162790…
        "revenue": "740.84",  # 545.50 + 90 + 12.34 + 5 + 88
        "sponsored_revenue": "192.34",  # A 120 + E 60 + G 12.34
        "gross_revenue": "740.84",
        "refunds": "0.00",  # no refunds here
        "fee": "400.50",  # the fee does not depend on the window
        "ad_spend": "150.00",  # 100 + 50
        "cost": "550.50",  # 400.50 + 150
        "roi": 0.345758,  # (740.84 - 550.50) / 550.50 = 0.3457584…
        "roas": 1.282267,  # 192.34 / 150 = 1.2822666…
        "cpc": "10.01",  # 550.50 / 55 = 10.009…
        "cpa": "61.17",  # 550.50 / 9 = 61.1666…
        "aov": "82.32",  # 740.84 / 9 = 82.3155…
        "bot_share": 0.098361,  # 6 / 61 = 0.0983606…
        "followers_gained": 16,  # 12 + 4
    }
    assert report["attribution"] == matched(
        5,  # A B D G I
        4,  # C E F H
        1,
    )  # D


def test_sources_for_the_first_7_days():
    sources = build(7)["sources"]
    assert sources["organic"] == {
        "clicks": 15,
        "unique_visitors": 12,
        "bot_clicks": 3,  # 11-01 organic row
        "impressions": 1000,
        "views": 1300,
        "reach": 600,  # mia 11-01 + jade 11-02
        "engagements": 114,  # likes 50+40, comments 10+4, shares 5, saves 5
        "engagement_rate": 0.114,  # 114 / 1000
        "ctr": 0.015,  # 15 / 1000
        "conversions": 2,  # B (by click), D (jade's click)
        "click_conversions": 2,
        "code_conversions": 0,
        "conversion_rate": 0.166667,  # 2 / 12
        "revenue": "325.50",  # 250 + 75.50
        "sponsored_revenue": "0.00",
        "gross_revenue": "325.50",
        "refunds": "0.00",  # no refunds here
        "fee": "400.50",  # every fee is organic cost
        "ad_spend": "0.00",
        "cost": "400.50",
        "roi": -0.187266,  # (325.50 - 400.50) / 400.50 = -0.1872659…
        "roas": None,  # no ad spend
        "cpc": "26.70",  # 400.50 / 15
        "cpa": "200.25",  # 400.50 / 2
        "aov": "162.75",  # 325.50 / 2
        "bot_share": 0.166667,  # 3 / (15 + 3)
        "followers_gained": 12,
    }
    assert sources["sponsored"] == {
        "clicks": 26,
        "unique_visitors": 21,
        "bot_clicks": 0,  # 20 + 6, 15 + 6
        "impressions": 4000,
        "views": 3000,
        "reach": 2500,
        "engagements": 120,  # 100 likes + 20 shares (the rest not reported)
        "engagement_rate": 0.03,  # 120 / 4000
        "ctr": 0.0065,  # 26 / 4000
        "conversions": 2,  # A (click), E (code with source sponsored)
        "click_conversions": 1,
        "code_conversions": 1,
        "conversion_rate": 0.047619,  # A only: 1 / 21 = 0.0476190…
        "revenue": "180.00",  # 120 + 60
        "sponsored_revenue": "180.00",
        "gross_revenue": "180.00",
        "refunds": "0.00",  # no refunds here
        "fee": "0.00",
        "ad_spend": "100.00",
        "cost": "100.00",
        "roi": 0.8,  # (180 - 100) / 100
        "roas": 1.8,  # 180 / 100
        "cpc": "3.85",  # 100 / 26 = 3.846…
        "cpa": "50.00",  # 100 / 2
        "aov": "90.00",  # 180 / 2
        "bot_share": 0.0,  # 0 / 26
        "followers_gained": None,  # not reported on sponsored rows
    }
    # unknown: its clicks, and the order whose code names no source (so that
    # the sources add up to the totals); every ratio whose denominator is
    # zero or unknown is None
    assert sources["unknown"] == {
        "clicks": 4,
        "unique_visitors": 3,
        "bot_clicks": 3,
        "impressions": None,
        "views": None,
        "reach": None,
        "engagements": None,
        "engagement_rate": None,
        "ctr": None,  # no impressions
        "conversions": 1,  # C, the sourceless code order
        "click_conversions": 0,
        "code_conversions": 1,
        "conversion_rate": 0.0,  # 0 by click / 3 visitors
        "revenue": "40.00",
        "sponsored_revenue": "0.00",
        "gross_revenue": "40.00",
        "refunds": "0.00",
        "fee": "0.00",
        "ad_spend": "0.00",
        "cost": "0.00",
        "roi": None,  # cost 0
        "roas": None,  # ad spend 0
        "cpc": "0.00",
        "cpa": "0.00",  # nothing spent: 0 / 4 clicks, 0 / 1 order
        "aov": "40.00",  # 40 / 1
        "bot_share": 0.428571,  # 3 / (4 + 3) = 0.4285714…
        "followers_gained": None,
    }
    totals = build(7)["totals"]
    for key in ("clicks", "bot_clicks", "conversions"):
        assert sum(sources[s][key] for s in sources) == totals[key]


def test_creators_for_the_first_7_days():
    report = build(7)
    assert [c["handle"] for c in report["creators"]] == ["jade", "mia"]
    mia = creator(report, "mia")
    assert mia["platform"] == "tiktok"
    assert mia["total"] == {
        "clicks": 36,
        "unique_visitors": 27,
        "bot_clicks": 2,  # 30 + 6, 21 + 6, 2
        "impressions": 5000,
        "views": 3800,
        "reach": 3100,
        "engagements": 190,  # likes 150, comments 10, shares 25, saves 5
        "engagement_rate": 0.038,  # 190 / 5000
        "ctr": 0.0072,  # 36 / 5000
        "conversions": 3,  # A, B, E (D went to jade's click)
        "click_conversions": 2,
        "code_conversions": 1,  # A B by click, E by code
        "conversion_rate": 0.074074,  # 2 / 27 = 0.0740740…
        "revenue": "430.00",  # 120 + 250 + 60
        "sponsored_revenue": "180.00",  # A 120 + E 60
        "gross_revenue": "430.00",
        "refunds": "0.00",  # no refunds here
        "fee": "300.00",
        "ad_spend": "100.00",
        "cost": "400.00",
        "roi": 0.075,  # (430 - 400) / 400
        "roas": 1.8,  # 180 / 100 (B's 250 was organic)
        "cpc": "11.11",  # 400 / 36 = 11.111…
        "cpa": "133.33",  # 400 / 3 = 133.333…
        "aov": "143.33",  # 430 / 3 = 143.333…
        "bot_share": 0.052632,  # 2 / 38 = 0.0526315…
        "followers_gained": 12,
    }
    # (creator, part): (clicks, visitors, conversions, revenue, fee, cost, roi, conv rate)
    expected = {
        ("mia", "organic"): (
            10,
            8,
            1,
            "250.00",
            "300.00",
            "300.00",
            -0.166667,  # (250 - 300) / 300
            0.125,
        ),  # 1 / 8
        ("mia", "sponsored"): (
            26,
            21,
            2,
            "180.00",
            "0.00",
            "100.00",
            0.8,  # (180 - 100) / 100
            0.047619,
        ),  # A by click (E by code): 1 / 21
        ("jade", "total"): (
            9,
            8,
            2,
            "115.50",
            "100.50",
            "100.50",  # clicks 5 + 4 (unknown)
            0.149254,  # (115.50 - 100.50) / 100.50 = 0.1492537…
            0.125,
        ),  # D by click (C by code): 1 / 8
        ("jade", "organic"): (
            5,
            5,
            1,
            "75.50",
            "100.50",
            "100.50",  # the unknown 4 are not here
            -0.248756,  # (75.50 - 100.50) / 100.50 = -0.2487562…
            0.2,
        ),  # 1 / 5
    }
    for (handle, part), want in expected.items():
        m = creator(report, handle)[part]
        got = (
            m["clicks"],
            m["unique_visitors"],
            m["conversions"],
            m["revenue"],
            m["fee"],
            m["cost"],
            m["roi"],
            m["conversion_rate"],
        )
        assert got == want, (handle, part)
    jade = creator(report, "jade")
    assert jade["total"]["engagements"] == 44  # 40 likes + 4 comments
    assert jade["total"]["engagement_rate"] is None  # jade reported no impressions
    assert jade["total"]["ctr"] is None
    assert jade["total"]["roas"] is None  # no ad spend
    # jade had nothing sponsored: zeros, and every ratio None
    assert jade["sponsored"] == {
        "clicks": 0,
        "unique_visitors": 0,
        "bot_clicks": 0,
        "impressions": None,
        "views": None,
        "reach": None,
        "engagements": None,
        "engagement_rate": None,
        "ctr": None,
        "conversions": 0,
        "conversion_rate": None,
        "revenue": "0.00",
        "gross_revenue": "0.00",
        "refunds": "0.00",
        "fee": "0.00",
        "ad_spend": "0.00",
        "cost": "0.00",
        "roi": None,
        "roas": None,
        "followers_gained": None,
        **NOTHING_NEW,
    }
    assert jade["unattributed"] == {
        "conversions": 1,
        "revenue": "40.00",
        "gross_revenue": "40.00",
        "refunds": "0.00",
    }  # C
    assert mia["unattributed"] == {
        "conversions": 0,
        "revenue": "0.00",
        "gross_revenue": "0.00",
        "refunds": "0.00",
    }
    assert report["attribution"] == matched(
        3,  # A B D
        2,  # C E
        1,
    )  # D


@pytest.mark.parametrize(
    "window, start, end, days",
    [
        (7, "2026-11-01", "2026-11-07", 7),
        (14, "2026-11-01", "2026-11-14", 14),
        (30, "2026-11-01", "2026-11-30", 30),
        (None, "2026-11-01", TODAY, 40),
    ],
)
def test_window_bounds_and_one_daily_row_per_day(window, start, end, days):
    report = build(window)
    assert report["window"] == {
        "days": window,
        "from": start,
        "to": end,
        "name": "all" if window is None else str(window),
        "includes_today": end == TODAY,
    }
    dates = [d["date"] for d in report["daily"]]
    assert (dates[0], dates[-1], len(dates), len(set(dates))) == (start, end, days, days)


def test_window_14_counts_day_8_to_14_too():
    totals = build(14)["totals"]
    # + clicks of 11-10; + orders F (11-08 Berlin), G (11-12); + metrics of 11-09
    assert (totals["clicks"], totals["conversions"], totals["revenue"], totals["ad_spend"]) == (
        55,
        7,
        "647.84",
        "150.00",
    )  # 545.50 + 90 + 12.34


def test_all_time_starts_at_data_before_the_campaign_start():
    early = order("Z", 100, "2026-10-30T12:00:00.000000Z", code=(MIA, None))
    report = build(None, orders=ORDERS + [early], today="2026-11-15")
    # from: the early order's day; to: the last data day (12-05), later than today
    assert report["window"] == {
        "days": None,
        "from": "2026-10-30",
        "to": "2026-12-05",
        "name": "all",
        "includes_today": True,
    }
    assert report["totals"]["conversions"] == 10
    assert build(7, orders=ORDERS + [early])["totals"]["conversions"] == 5  # not in day 1-7


def test_daily_for_the_first_7_days_fills_days_without_data():
    def day(date, organic=0, sponsored=0, unknown=0, bots=0, conversions=0):
        return {
            "date": date,
            "organic": organic,
            "sponsored": sponsored,
            "unknown": unknown,
            "bots": bots,
            "conversions": conversions,
            "partial": False,
        }

    assert build(7)["daily"] == [
        day("2026-11-01", organic=15, sponsored=20, bots=3, conversions=1),  # A
        day("2026-11-02", conversions=1),  # B, no clicks
        day("2026-11-03", sponsored=6, unknown=4, bots=3, conversions=1),  # C
        day("2026-11-04", conversions=1),  # D
        day("2026-11-05", conversions=1),  # E
        day("2026-11-06"),  # nothing at all
        day("2026-11-07"),  # F was 23:30 UTC = 00:30 on 11-08 in Berlin
    ]


def test_daily_for_all_time_runs_to_today_with_zeros():
    daily = {d["date"]: d for d in build(None)["daily"]}
    assert daily["2026-11-08"]["conversions"] == 1  # F
    assert daily["2026-11-10"]["organic"] == 10
    assert daily["2026-11-20"]["conversions"] == 1  # H
    assert daily["2026-12-05"]["conversions"] == 1  # I
    assert daily[TODAY] == {
        "date": TODAY,
        "organic": 0,
        "sponsored": 0,
        "unknown": 0,
        "bots": 0,
        "conversions": 0,
        "partial": True,
    }  # today is not over
    assert sum(d["conversions"] for d in daily.values()) == 9


def test_marks_are_fixed_days_whatever_the_window():
    # (clicks, conversions, revenue) at the ends of days 7 (11-07), 14 (11-14), 30 (11-30)
    expected = [
        {
            "handle": "jade",
            "day_7": {"clicks": 9, "conversions": 2, "revenue": "115.50"},  # 5+4; C D
            "day_14": {"clicks": 12, "conversions": 3, "revenue": "205.50"},  # +3; +F 90
            "day_30": {"clicks": 12, "conversions": 4, "revenue": "210.50"},
        },  # +H 5
        {
            "handle": "mia",
            "day_7": {"clicks": 36, "conversions": 3, "revenue": "430.00"},  # 30+6; A B E
            "day_14": {"clicks": 43, "conversions": 4, "revenue": "442.34"},  # +7; +G 12.34
            "day_30": {"clicks": 43, "conversions": 4, "revenue": "442.34"},
        },  # I is day 35
    ]
    for window in (7, 14, 30, None):
        assert build(window)["marks"] == expected, window


def test_an_empty_campaign_has_zeros_and_no_ratios():
    empty = {"day": [], "source": [], "creator": [], "creator_source": []}
    free = [dict(c, fee_minor=0) for c in CREATORS]
    report = build(7, orders=[], metrics=[], clicks=empty, creators=free)
    for m in [
        report["totals"],
        *report["sources"].values(),
        *(c[p] for c in report["creators"] for p in ("total", "organic", "sponsored")),
    ]:
        assert m == {
            "clicks": 0,
            "unique_visitors": 0,
            "bot_clicks": 0,
            "impressions": None,
            "views": None,
            "reach": None,
            "engagements": None,
            "engagement_rate": None,
            "ctr": None,
            "conversions": 0,
            "conversion_rate": None,
            "revenue": "0.00",
            "gross_revenue": "0.00",
            "refunds": "0.00",
            "fee": "0.00",
            "ad_spend": "0.00",
            "cost": "0.00",
            "roi": None,
            "roas": None,
            "followers_gained": None,
            **NOTHING_NEW,
        }
    dates = [d["date"] for d in report["daily"]]
    assert (len(dates), dates[0], dates[-1]) == (7, "2026-11-01", "2026-11-07")
    assert all(d["conversions"] == d["organic"] == d["bots"] == 0 for d in report["daily"])
    assert report["attribution"] == matched(0, 0, 0)


def test_reported_zero_impressions_is_a_zero_denominator_not_a_missing_number():
    zero = [metric("2026-11-01", MIA, "organic", impressions=0, likes=0, followers_gained=0)]
    totals = build(7, metrics=zero)["totals"]
    assert (totals["impressions"], totals["engagements"], totals["followers_gained"]) == (0, 0, 0)
    assert totals["ctr"] is None and totals["engagement_rate"] is None


def test_organic_only_campaign_has_roi_but_no_roas():
    totals = build(7, metrics=[])["totals"]
    assert totals["ad_spend"] == "0.00" and totals["cost"] == "400.50"
    assert totals["roas"] is None
    assert totals["roi"] == 0.362047  # (545.50 - 400.50) / 400.50 = 0.3620474…


@pytest.mark.parametrize(
    "digits, revenue, fee",
    [
        (0, "54550", "40050"),  # JPY-like: no minor unit
        (2, "545.50", "400.50"),
        (3, "54.550", "40.050"),  # BHD-like: three decimals
    ],
)
def test_money_is_a_decimal_string_in_the_currencys_digits(digits, revenue, fee):
    totals = build(7, digits=digits)["totals"]
    assert (totals["revenue"], totals["fee"]) == (revenue, fee)


@pytest.mark.parametrize(
    "given, days", [(7, 7), ("14", 14), (30, 30), (None, None), ("", None), ("all", None)]
)
def test_window_values_accepted(given, days):
    assert compute.parse_window(given) == days


@pytest.mark.parametrize("given", [0, 1, 10, "31", "week", "7.5"])
def test_window_values_refused(given):
    with pytest.raises(ValueError):
        compute.parse_window(given)


# =============================================================================
# 2. Attribution
# =============================================================================

# name, order, (creator, creator's part, source with the conversion or None,
#               by, conflicts)
ATTRIBUTION_CASES = [
    (
        "click only",
        order("1", 1000, "2026-11-02T12:00:00Z", click=(MIA, "sponsored")),
        ("mia", "sponsored", "sponsored", "click", 0),
    ),
    (
        "click and code of the same creator: once, and the click says organic",
        order("2", 1000, "2026-11-02T12:00:00Z", click=(MIA, "organic"), code=(MIA, "sponsored")),
        ("mia", "organic", "organic", "click", 0),
    ),
    (
        "click and code of different creators: the click's, one conflict",
        order("3", 1000, "2026-11-02T12:00:00Z", click=(MIA, "organic"), code=(JADE, "sponsored")),
        ("mia", "organic", "organic", "click", 1),
    ),
    (
        "code with source sponsored",
        order("4", 1000, "2026-11-02T12:00:00Z", code=(JADE, "sponsored")),
        ("jade", "sponsored", "sponsored", "code", 0),
    ),
    (
        "code with source organic",
        order("5", 1000, "2026-11-02T12:00:00Z", code=(JADE, "organic")),
        ("jade", "organic", "organic", "code", 0),
    ),
    (
        "code without source: the creator's unattributed bucket",
        order("6", 1000, "2026-11-02T12:00:00Z", code=(JADE, None)),
        ("jade", "unattributed", None, "code", 0),
    ),
    (
        "click of unknown source: source unknown, creator's unattributed bucket",
        order("7", 1000, "2026-11-02T12:00:00Z", click=(JADE, "unknown"), code=(JADE, "organic")),
        ("jade", "unattributed", "unknown", "click", 0),
    ),
]


@pytest.mark.parametrize(
    "row, expected", [c[1:] for c in ATTRIBUTION_CASES], ids=[c[0] for c in ATTRIBUTION_CASES]
)
def test_attribution_of_one_order(row, expected):
    handle, part, source, by, conflicts = expected
    report = build(7, orders=[row])
    assert report["totals"]["conversions"] == 1
    assert report["totals"]["revenue"] == "10.00"  # counted once
    assert report["attribution"] == matched(int(by == "click"), int(by == "code"), conflicts)
    for c in report["creators"]:
        mine = c["handle"] == handle
        assert c["total"]["conversions"] == int(mine), c["handle"]
        for p in ("organic", "sponsored", "unattributed"):
            assert c[p]["conversions"] == int(mine and p == part), (c["handle"], p)
    for s in ("organic", "sponsored", "unknown"):
        if source is not None or s != "unknown":
            assert report["sources"][s]["conversions"] == int(s == source), s
    marks = {m["handle"]: m["day_7"]["conversions"] for m in report["marks"]}
    assert marks == {c["handle"]: int(c["handle"] == handle) for c in CREATORS}


def test_attribution_counts_over_many_orders():
    rows = [c[1] for c in ATTRIBUTION_CASES]
    report = build(7, orders=rows)
    assert report["totals"]["conversions"] == 7
    assert report["attribution"] == matched(4, 3, 1)
    assert creator(report, "mia")["total"]["conversions"] == 3  # cases 1-3
    assert creator(report, "jade")["total"]["conversions"] == 4  # cases 4-7
    assert creator(report, "jade")["unattributed"] == {
        "conversions": 2,
        "revenue": "20.00",
        "gross_revenue": "20.00",
        "refunds": "0.00",
    }
    # an order outside the window counts in no attribution figure
    late = order("8", 1000, "2026-11-20T12:00:00Z", click=(MIA, "organic"), code=(JADE, None))
    assert build(7, orders=rows + [late])["attribution"] == report["attribution"]
    assert build(None, orders=rows + [late])["attribution"] == matched(5, 3, 2)


# =============================================================================
# 3. Campaign-local days, end to end through the real store (SQLite, PostgreSQL)
# =============================================================================

NY = "America/New_York"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
BOT = "facebookexternalhit/1.1"


def click(app, code, utc, user_agent=CHROME) -> str:
    """One real click through the redirect at a UTC time; returns its id."""
    app.wsgi_app.clock = lambda: utc
    resp = app.test_client().get("/" + code, headers={"User-Agent": user_agent})
    assert resp.status_code == 302
    return dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["trk"]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def all_time_end(*data_days) -> str:
    """The end of an all-time window: today in New York or the last data day."""
    return max([datetime.now(ZoneInfo(NY)).date().isoformat(), *data_days])


def ny_campaign_with_clicks(store, app) -> dict[str, str]:
    """Campaign starting 2026-11-01 in New York (EDT until 02:00 that day,
    EST = UTC-5 after), and clicks around its day boundaries."""
    campaign_with_links(store, slug="fall", tz=NY, starts_on="2026-11-01")
    return {
        # 2026-10-31 23:30 EDT: the day before the campaign starts
        "eve": click(app, "mia-bio", utc(2026, 11, 1, 3, 30)),
        # 2026-11-01 00:30 EDT: day 1
        "day1": click(app, "mia-bio", utc(2026, 11, 1, 4, 30)),
        # 2026-11-07 23:30 EST: day 7, the last day of the 7-day window
        "day7": click(app, "mia-bio", utc(2026, 11, 8, 4, 30)),
        # 2026-11-07 23:40 EST: same person, same day, sponsored link
        "day7ad": click(app, "mia-ad", utc(2026, 11, 8, 4, 40)),
        # 2026-11-07 23:45 EST: a link-preview bot
        "day7bot": click(app, "mia-ad", utc(2026, 11, 8, 4, 45), user_agent=BOT),
        # 2026-11-08 00:30 EST: day 8, outside the 7-day window
        "day8": click(app, "jade-bio", utc(2026, 11, 8, 5, 30)),
    }


def test_click_days_follow_the_campaign_time_zone(store, app):
    ny_campaign_with_clicks(store, app)
    days = [r["day"] for r in store.query("SELECT day FROM clicks ORDER BY at")]
    assert days == [
        "2026-10-31",
        "2026-11-01",
        "2026-11-07",
        "2026-11-07",
        "2026-11-07",
        "2026-11-08",
    ]

    week = reports.campaign_report(store, "fall", 7)
    assert week["window"] == {
        "days": 7,
        "from": "2026-11-01",
        "to": "2026-11-07",
        "name": "7",
        "includes_today": False,
    }
    t = week["totals"]
    # human clicks day1, day7, day7ad; the same person on 11-01 and 11-07 = 2 visitor-days
    assert (t["clicks"], t["bot_clicks"], t["unique_visitors"]) == (3, 1, 2)
    assert (week["sources"]["organic"]["clicks"], week["sources"]["sponsored"]["clicks"]) == (2, 1)
    daily = {d["date"]: d for d in week["daily"]}
    assert list(daily) == [f"2026-11-0{n}" for n in range(1, 8)]
    assert (daily["2026-11-01"]["organic"], daily["2026-11-01"]["sponsored"]) == (1, 0)
    assert daily["2026-11-07"] == {
        "date": "2026-11-07",
        "organic": 1,
        "sponsored": 1,
        "unknown": 0,
        "bots": 1,
        "conversions": 0,
        "partial": False,
    }
    assert creator(week, "jade")["total"]["clicks"] == 0
    assert creator(week, "mia")["total"]["clicks"] == 3

    everything = reports.campaign_report(store, "fall", "all")
    assert {k: everything["window"][k] for k in ("days", "from", "to")} == {
        "days": None,
        "from": "2026-10-31",
        "to": all_time_end("2026-11-08"),
    }
    t = everything["totals"]
    # + the eve click and jade's day-8 click; one visitor on each of 4 days
    assert (t["clicks"], t["bot_clicks"], t["unique_visitors"]) == (5, 1, 4)
    assert creator(everything, "jade")["total"]["clicks"] == 1

    marks = {m["handle"]: m for m in everything["marks"]}
    assert marks["mia"]["day_7"]["clicks"] == 3  # the eve click is before day 1
    assert marks["jade"]["day_7"]["clicks"] == 0
    assert marks["jade"]["day_14"]["clicks"] == 1


def test_order_days_follow_the_campaign_time_zone(store, app):
    ids = ny_campaign_with_clicks(store, app)
    campaigns.add_promo(store, "fall", "jade", "JADE10")  # no source
    campaigns.add_promo(store, "fall", "mia", "mia-sp", "sponsored")
    records = [
        # 2026-11-07 23:59 EST = 2026-11-08 04:59 UTC: day 7, by mia's organic click
        (
            2,
            {
                "order_id": "o1",
                "amount": "20.00",
                "redeemed_at": "2026-11-07T23:59:00-05:00",
                "click_id": ids["day7"],
                "code": "",
            },
        ),
        # 2026-11-08 00:01 EST: day 8, jade's code without source
        (
            3,
            {
                "order_id": "o2",
                "amount": "15.50",
                "redeemed_at": "2026-11-08T05:01:00Z",
                "code": "jade10",
            },
        ),
        # 2026-10-31 23:59 EDT: before the campaign, mia's sponsored code
        (
            4,
            {
                "order_id": "o3",
                "amount": "9.99",
                "redeemed_at": "2026-11-01T03:59:00Z",
                "code": "MIA-SP",
            },
        ),
        # 2026-11-01 01:00 EDT: day 1; mia's click AND mia's code: one order, by click
        (
            5,
            {
                "order_id": "o4",
                "amount": "30.00",
                "redeemed_at": "2026-11-01T05:00:00Z",
                "click_id": ids["day1"],
                "code": "mia-sp",
            },
        ),
    ]
    assert imports.save_redemptions(store, records, "fall")["new"] == 4

    week = reports.campaign_report(store, "fall", 7)
    assert (week["totals"]["conversions"], week["totals"]["revenue"]) == (2, "50.00")  # o1 o4
    assert week["attribution"] == matched(2, 0, 0)
    mia = creator(week, "mia")
    assert (mia["organic"]["conversions"], mia["sponsored"]["conversions"]) == (2, 0)
    assert creator(week, "jade")["total"]["conversions"] == 0
    daily = {d["date"]: d["conversions"] for d in week["daily"]}
    assert (daily["2026-11-01"], daily["2026-11-07"]) == (1, 1)
    assert sum(daily.values()) == 2
    # 2 conversions / 2 visitor-days (11-01, 11-07)
    assert week["totals"]["conversion_rate"] == 1.0

    everything = reports.campaign_report(store, "fall", "all")
    assert everything["window"]["from"] == "2026-10-31"
    assert (everything["totals"]["conversions"], everything["totals"]["revenue"]) == (4, "75.49")
    assert everything["attribution"] == matched(2, 2, 0)
    assert creator(everything, "jade")["unattributed"] == {
        "conversions": 1,
        "revenue": "15.50",
        "gross_revenue": "15.50",
        "refunds": "0.00",
    }
    assert creator(everything, "mia")["sponsored"]["conversions"] == 1  # o3
    marks = {m["handle"]: m for m in everything["marks"]}
    assert marks["mia"]["day_7"] == {"clicks": 3, "conversions": 2, "revenue": "50.00"}
    assert marks["jade"]["day_7"]["conversions"] == 0
    assert marks["jade"]["day_14"] == {"clicks": 1, "conversions": 1, "revenue": "15.50"}


# =============================================================================
# 4. A creator-scoped report
# =============================================================================


def test_creator_scoped_report_shows_that_creator_only(store, app):
    ids = ny_campaign_with_clicks(store, app)
    jade_click = click(app, "jade-x", utc(2026, 11, 3, 17, 0))  # unknown source, 11-03
    campaigns.add_promo(store, "fall", "jade", "jade-org", "organic")
    imports.save_redemptions(
        store,
        [
            (
                2,
                {
                    "order_id": "m1",
                    "amount": "40.00",
                    "redeemed_at": "2026-11-02T17:00:00Z",
                    "click_id": ids["day1"],
                    "code": "jade-org",
                },
            ),  # conflict: goes to mia
            (
                3,
                {
                    "order_id": "j1",
                    "amount": "12.00",
                    "redeemed_at": "2026-11-04T17:00:00Z",
                    "code": "jade-org",
                },
            ),
            (
                4,
                {
                    "order_id": "j2",
                    "amount": "8.00",
                    "redeemed_at": "2026-11-05T17:00:00Z",
                    "click_id": jade_click,
                    "code": "",
                },
            ),
        ],
        "fall",
    )
    imports.save_metrics(
        store,
        "fall",
        [
            (
                2,
                {
                    "date": "2026-11-02",
                    "creator": "jade",
                    "source": "organic",
                    "impressions": "1000",
                    "likes": "30",
                    "comments": "10",
                    "views": "",
                    "spend": "",
                },
            ),
            (
                3,
                {
                    "date": "2026-11-02",
                    "creator": "mia",
                    "source": "sponsored",
                    "impressions": "5000",
                    "likes": "100",
                    "spend": "70.00",
                },
            ),
        ],
    )

    full = reports.campaign_report(store, "fall", "all")
    for window in (7, "all"):
        mine = reports.campaign_report(store, "fall", window, creator="jade")
        assert [c["handle"] for c in mine["creators"]] == ["jade"]
        assert [m["handle"] for m in mine["marks"]] == ["jade"]
        assert mine["totals"] == mine["creators"][0]["total"], window
        assert mine["totals"]["fee"] == "800.50"  # jade's fee only
        assert mine["totals"]["ad_spend"] == "0.00"  # mia's 70.00 is not here
        assert mine["totals"]["impressions"] == 1000
        assert mine["totals"]["engagement_rate"] == 0.04  # (30 + 10) / 1000
        assert mine["attribution"]["conflicts"] == 0  # m1 is mia's
        assert sum(d["conversions"] for d in mine["daily"]) == mine["totals"]["conversions"]
    # jade, window 7: one click (jade-x on 11-03), orders j1 j2
    week = reports.campaign_report(store, "fall", 7, creator="jade")
    assert (week["totals"]["clicks"], week["totals"]["conversions"], week["totals"]["revenue"]) == (
        1,
        2,
        "20.00",
    )
    assert week["sources"]["unknown"]["clicks"] == 1
    assert week["sources"]["sponsored"]["clicks"] == 0  # mia's ad clicks excluded
    assert week["attribution"] == matched(1, 1, 0)
    assert [d["unknown"] for d in week["daily"] if d["date"] == "2026-11-03"] == [1]
    assert sum(d["organic"] + d["sponsored"] for d in week["daily"]) == 0
    # the scoped numbers are exactly jade's numbers in the full report
    everything = reports.campaign_report(store, "fall", "all", creator="jade")
    assert everything["creators"] == [creator(full, "jade")]
    assert everything["marks"] == [m for m in full["marks"] if m["handle"] == "jade"]
    # and mia's scoped report carries the conflicting order
    mia = reports.campaign_report(store, "fall", "all", creator="mia")
    assert mia["attribution"]["conflicts"] == 1
    assert mia["totals"] == creator(full, "mia")["total"]


def test_report_refuses_a_bad_window(store):
    campaign_with_links(store)
    with pytest.raises(BadInput):
        reports.campaign_report(store, "spring", 10)


def test_bot_share_is_bots_over_all_clicks():
    assert compute.bot_share({"clicks": 3, "bot_clicks": 1}) == 0.25
    assert compute.bot_share({"clicks": 0, "bot_clicks": 0}) is None


# =============================================================================
# 5. Issue 9: the figures a marketer acts on, each worked out by hand
# =============================================================================


def test_budget_is_fees_and_all_ad_spend_against_the_budget():
    report = build(7, campaign=dict(CAMPAIGN, budget_minor=60000))  # 600.00
    # spent = fees 300.00 + 100.50 + ALL ad spend 100.00 + 50.00 (not only the window's)
    assert report["budget"] == {
        "budget": "600.00",
        "spent": "550.50",
        "remaining": "49.50",  # 600.00 - 550.50
        "share_spent": 0.9175,  # 550.50 / 600.00
        "over_budget": False,
        "through": TODAY,
    }
    over = build(7, campaign=dict(CAMPAIGN, budget_minor=50000))["budget"]
    assert (over["remaining"], over["over_budget"]) == ("-50.50", True)  # 500.00 - 550.50
    # no budget set: spent is known, the rest is not
    assert build(7)["budget"] == {
        "budget": None,
        "spent": "550.50",
        "remaining": None,
        "share_spent": None,
        "over_budget": None,
        "through": TODAY,
    }
    # a budget of 0: no share (zero denominator), over budget as soon as anything is spent
    zero = build(7, campaign=dict(CAMPAIGN, budget_minor=0))["budget"]
    assert (zero["share_spent"], zero["over_budget"]) == (None, True)


def test_unit_costs_with_zero_denominators_are_none():
    empty = {"day": [], "source": [], "creator": [], "creator_source": []}
    totals = build(7, orders=[], clicks=empty)["totals"]
    # cost 400.50 + 100.00, but no clicks and no conversions
    assert (totals["cpc"], totals["cpa"], totals["aov"]) == (None, None, None)
    assert totals["conversion_rate"] is None and totals["bot_share"] is None
    # clicks but no orders: CPC = 500.50 / 45 = 11.1222… -> 11.12; CPA, AOV none
    totals = build(7, orders=[])["totals"]
    assert (totals["cpc"], totals["cpa"], totals["aov"]) == ("11.12", None, None)


def test_conversion_rate_total_lies_between_its_sources():
    report = build(7)
    t, s = report["totals"], report["sources"]
    # organic 2/12 = 0.166667, sponsored 1/21 = 0.047619, total 3/34 = 0.088235
    assert (
        s["sponsored"]["conversion_rate"] <= t["conversion_rate"] <= s["organic"]["conversion_rate"]
    )
    # "+ 2 by code" beside it: C and E
    assert (t["click_conversions"], t["code_conversions"]) == (3, 2)


def test_campaign_marks_cumulative_split_with_roi():
    marks = build(None)["campaign_marks"]
    assert [(m["mark"], m["to"], m["status"], m["days_left"]) for m in marks] == [
        (7, "2026-11-07", "reached", 0),
        (14, "2026-11-14", "reached", 0),
        (30, "2026-11-30", "reached", 0),
    ]
    day7 = marks[0]
    # day 7: clicks 15 organic + 26 sponsored + 4 unknown = 45; orders A B C D E
    assert day7["totals"] == {
        "clicks": 45,
        "conversions": 5,
        "revenue": "545.50",
        "cost": "500.50",  # fees 400.50 + ad spend through 11-07 100
        "roi": 0.08991,
    }  # 45.00 / 500.50
    assert day7["sources"]["organic"] == {
        "clicks": 15,
        "conversions": 2,  # B D
        "revenue": "325.50",
        "cost": "400.50",
        "roi": -0.187266,
    }  # -75 / 400.50 = -0.1872659…
    assert day7["sources"]["sponsored"] == {
        "clicks": 26,
        "conversions": 2,  # A E
        "revenue": "180.00",
        "cost": "100.00",
        "roi": 0.8,
    }
    assert day7["sources"]["unknown"]["roi"] is None  # no cost: no ROI
    day14 = marks[1]
    # + F (90, organic code) + G (12.34 sponsored click), + ad spend of 11-09 (50)
    assert day14["totals"] == {
        "clicks": 55,
        "conversions": 7,
        "revenue": "647.84",
        "cost": "550.50",
        "roi": 0.176821,
    }  # 97.34 / 550.50 = 0.1768210…
    # H (5.00, jade code without source) is day 20: unknown at day 30
    assert marks[2]["sources"]["unknown"]["revenue"] == "45.00"  # C 40 + H 5


def test_marks_in_progress_say_days_left():
    # today 11-10: 9 full days elapsed (11-01..11-09); 11-10 is running
    marks = build(None, today="2026-11-10")["campaign_marks"]
    assert [(m["status"], m["days_elapsed"], m["days_left"]) for m in marks] == [
        ("reached", 7, 0),
        ("in_progress", 9, 5),
        ("in_progress", 9, 21),
    ]


def test_creator_marks_detail_per_creator():
    jade = creator(build(None), "jade")["marks_detail"][0]  # day 7
    # jade: clicks 5 organic + 4 unknown; D (organic click) + C (code, no source)
    assert jade["totals"] == {
        "clicks": 9,
        "conversions": 2,
        "revenue": "115.50",
        "cost": "100.50",
        "roi": 0.149254,
    }  # 15 / 100.50 = 0.1492537…
    assert jade["sources"]["unknown"]["conversions"] == 1  # C


def test_momentum_and_late_surge_per_creator():
    # today 11-15: last 7 full days 11-08..11-14, the 7 before 11-01..11-07
    report = build(None, today="2026-11-15")
    mia = creator(report, "mia")
    assert mia["momentum"] == {
        "through": "2026-11-14",
        "clicks_last7": 7,  # 11-10
        "clicks_prev7": 36,  # 30 + 6
        "clicks_change": -0.805556,  # (7 - 36) / 36 = -0.8055…
        "conversions_last7": 1,  # G
        "conversions_prev7": 3,  # A B E
        "conversions_change": -0.666667,
        "trend": "falling",
    }
    # first week days 30, 0, 6, 0, 0, 0, 0: median 0, floored at 1 click;
    # 11-10 has 7 > 3 x 1: a late surge
    assert mia["late_surge"] == {
        "surge": True,
        "first_day": "2026-11-10",
        "peak_ratio": 7.0,
        "baseline": 1.0,
        "first_week_median": 0.0,
    }
    jade = creator(report, "jade")
    # jade: 11-10 has 3 clicks, not more than 3 x 1
    assert jade["late_surge"]["surge"] is False and jade["late_surge"]["peak_ratio"] == 3.0
    assert report["growth"]["surging"] == ["mia"] and report["growth"]["rising"] == []
    # the campaign: last 7 = 10 clicks (11-10), before = 45: (10 - 45) / 45 = -0.777…
    assert report["growth"]["momentum"]["clicks_change"] == -0.777778
    # before day 7 has ended there is no surge flag
    assert creator(build(None, today="2026-11-05"), "mia")["late_surge"]["surge"] is False


def test_confidence_against_the_campaign_rate():
    report = build(None)
    # campaign rate by click: 5 / 43 = 0.116279
    mia = creator(report, "mia")["confidence"]
    # mia: 4 by click (A B G I) / 34 visitors = 0.1176470…; Wilson 95%:
    #   centre = (p + z²/2n) / (1 + z²/n), half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
    #   z² = 3.841459, n = 34: centre = (0.117647 + 0.056492) / 1.112984 = 0.156461
    #   half = 1.959964 · sqrt(0.003053 + 0.000831) / 1.112984 = 0.109747
    assert mia == {"rate": 0.117647, "low": 0.046714, "high": 0.266208, "verdict": "level"}
    # jade: 10 visitors < 30: too early to tell, the interval still shown
    jade = creator(report, "jade")["confidence"]
    assert jade["verdict"] == "too_early" and jade["rate"] == 0.1  # D / 10 visitors


def test_confidence_better_and_worse_and_no_visitors():
    from tracker.reports import insights

    # 30 of 100 against a campaign at 10%: the interval (0.219, 0.396) lies above
    assert insights.confidence_rank(30, 100, 0.10, 30)["verdict"] == "better"
    # 1 of 100 against 10%: (0.0018, 0.0545) lies below
    assert insights.confidence_rank(1, 100, 0.10, 30)["verdict"] == "worse"
    assert insights.confidence_rank(0, 0, 0.10, 30) == {
        "rate": None,
        "low": None,
        "high": None,
        "verdict": "too_early",
    }


def test_last7_window_is_the_last_7_full_days():
    # today 11-15: yesterday 11-14 and the 6 before it, 11-08..11-14
    report = build(compute.window_spec("last7"), today="2026-11-15")
    assert report["window"] == {
        "days": None,
        "from": "2026-11-08",
        "to": "2026-11-14",
        "name": "last7",
        "includes_today": False,
    }
    t = report["totals"]
    # clicks of 11-10 (10); orders F (Berlin 11-08, 90) and G (11-12, 12.34)
    assert (t["clicks"], t["conversions"], t["revenue"], t["ad_spend"]) == (
        10,
        2,
        "102.34",
        "50.00",
    )  # ad spend of 11-09
    assert len(report["daily"]) == 7
    # the same span as momentum's "last 7"
    assert (
        creator(report, "mia")["momentum"]["clicks_last7"]
        == creator(report, "mia")["total"]["clicks"]
        == 7
    )


def test_custom_window_from_to():
    report = build(compute.window_spec(None, "2026-11-03", "2026-11-05"))
    assert report["window"] == {
        "days": None,
        "from": "2026-11-03",
        "to": "2026-11-05",
        "name": "custom",
        "includes_today": False,
    }
    t = report["totals"]
    # clicks of 11-03 (10); orders C (40) D (75.50) E (60)
    assert (t["clicks"], t["conversions"], t["revenue"]) == (10, 3, "175.50")
    assert [d["date"] for d in report["daily"]] == ["2026-11-03", "2026-11-04", "2026-11-05"]


@pytest.mark.parametrize(
    "window, first, last, message",
    [
        (None, "2026-11-05", "2026-11-03", "from 2026-11-05 is after to 2026-11-03"),
        (None, "2026-11-05", None, "needs both from and to"),
        (None, None, "2026-11-05", "needs both from and to"),
        (None, "5 Nov", "2026-11-06", "must be dates as YYYY-MM-DD"),
        (None, "2026-02-30", "2026-03-01", "must be dates as YYYY-MM-DD"),
        ("7", "2026-11-01", "2026-11-02", "either window=7 or a from/to range"),
        ("custom", None, None, "needs from and to"),
        (None, "2020-01-01", "2026-01-01", "at most 731 days"),
        ("last8", None, None, "window must be"),
    ],
)
def test_bad_windows_are_refused_with_a_clear_message(window, first, last, message):
    with pytest.raises(ValueError, match=message):
        compute.window_spec(window, first, last)


def test_store_report_refuses_bad_range_as_bad_input(store):
    campaigns.create_campaign(store, "fall", "Fall", "https://shop.example/", "2026-11-01")
    with pytest.raises(BadInput, match="after"):
        reports.campaign_report(store, "fall", None, date_from="2026-11-09", date_to="2026-11-01")
    week = reports.campaign_report(
        store, "fall", None, date_from="2026-11-01", date_to="2026-11-07"
    )
    assert (week["window"]["name"], week["window"]["to"]) == ("custom", "2026-11-07")


def test_creator_csv_rows_are_the_page_rows_best_roi_first():
    from tracker.reports import table

    report = build(None)
    rows = table.creator_csv_rows(report)
    assert rows[0][:4] == ["Creator", "Platform", "Conv. rate vs campaign", "Clicks"]
    # jade ROI (210.50 - 100.50) / 100.50 = 1.094527 before mia's 0.178533
    assert [r[0] for r in rows[1:]] == ["jade", "mia"]
    page = table.creator_rows(report)
    assert [[table.csv_cell(c["value"]) for c in row["cells"]] for row in page] == rows[1:]
    mia = dict(zip(rows[0], rows[2]))
    assert (
        mia["Conv."],
        mia["of which by code"],
        mia["Conv. rate"],
        mia["ROAS"],
        mia["CPC"],
        mia["Late surge"],
    ) == ("5", "1", "0.117647", "1.282267", "10.47", "since 2026-11-10")
    assert mia["ROI"] == "0.178533"  # (530.34 - 450.00) / 450.00 = 0.1785333…
