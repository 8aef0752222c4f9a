"""The creator table as the stats page shows it: one function builds its
rows for the page, the page's "Creators (CSV)" download and
`tracker report SLUG --csv`, so that they can never disagree.

Each cell has a `value` (raw: a number, a decimal money string, a ratio,
"" for unknown) that the CSV writes and the page keeps in data-value (it
sorts by it), and a `text` that the page shows.
"""

from __future__ import annotations

from . import compute
from .export import safe_cell
from .formatting import DASH, money, multiple, number, percent

#: key, heading, kind, the explanation a tap on the heading opens.
COLUMNS = (
    ("creator", "Creator", "text", None),
    ("platform", "Platform", "text", None),
    (
        "verdict",
        "Conv. rate vs campaign",
        "text",
        "Better / worse: the creator's 95% interval lies wholly above / below the campaign's "
        "conversion rate. Level: it straddles it. Too early to tell: under 30 unique visitors.",
    ),
    ("clicks", "Clicks", "num", "Human clicks; bots are left out (see Bot share)."),
    (
        "unique_visitors",
        "Visitors",
        "num",
        "Unique visitors: distinct people per day, summed over the days.",
    ),
    ("organic_clicks", "Organic clicks", "num", None),
    ("sponsored_clicks", "Sponsored clicks", "num", None),
    ("conversions", "Conv.", "num", "Orders credited to the creator, by click or by code."),
    (
        "code_conversions",
        "of which by code",
        "num",
        "Orders credited by promo code alone: they have no visit, so they are not in the "
        "conversion rate.",
    ),
    ("conversion_rate", "Conv. rate", "pct", "Orders credited by click / unique visitors."),
    (
        "interval",
        "95% interval",
        "text",
        "Where the creator's true conversion rate lies with 95% confidence (Wilson).",
    ),
    ("revenue", "Revenue", "money", None),
    ("cost", "Cost", "money", "Creator fee (counted whole) + ad spend in the window."),
    ("roi", "ROI", "pct", "(revenue − cost) / cost."),
    ("roas", "ROAS", "times", "Sponsored revenue / ad spend."),
    ("cpc", "CPC", "money", "Cost per human click."),
    ("cpa", "CPA", "money", "Cost per conversion."),
    ("aov", "AOV", "money", "Average order value: revenue / conversions."),
    ("ctr", "CTR", "pct2", "Clicks / impressions reported."),
    ("engagement_rate", "Eng. rate", "pct", "(likes + comments + shares + saves) / impressions."),
    ("bot_share", "Bot share", "pct", "Bot clicks / all clicks: a fraud signal above 20%."),
    (
        "trend",
        "Last 7 days vs 7 before",
        "text",
        "Human clicks of the last 7 full days against the 7 before (today is partial and left "
        "out). Rising/falling at ±20%.",
    ),
    (
        "late_surge",
        "Late surge",
        "text",
        "A day after day 7 with more than 3× the first week's median daily clicks: the content "
        "took off late (worth boosting).",
    ),
)
#: The columns the phone view keeps in each creator's card summary.
KEY_COLUMNS = ("verdict", "conversions", "conversion_rate", "revenue", "roi", "trend")

VERDICTS = {
    "better": "better",
    "worse": "worse",
    "level": "level",
    "too_early": "too early to tell",
}


def _raw(value):
    return "" if value is None else value


def _text(kind: str, value, currency: str) -> str:
    if kind == "num":
        return number(value)
    if kind == "pct":
        return percent(value)
    if kind == "pct2":
        return percent(value, 2)
    if kind == "money":
        return money(value, currency)
    if kind == "times":
        return multiple(value)
    return DASH if value in (None, "") else str(value)


def trend_text(momentum: dict) -> str:
    """'rising (+35%)', 'new', 'flat', 'falling (−40%)'."""
    change = momentum["clicks_change"]
    if change is None:
        return momentum["trend"]
    return f"{momentum['trend']} ({'+' if change >= 0 else ''}{percent(change, 0)})"


def interval_text(confidence: dict) -> str:
    if confidence["low"] is None:
        return DASH
    return f"{percent(confidence['low'])} – {percent(confidence['high'])}"


def _values(c: dict) -> dict:
    m = c["total"]
    conf, surge = c["confidence"], c["late_surge"]
    values = {
        k: m[k]
        for k in (
            "clicks",
            "unique_visitors",
            "conversions",
            "code_conversions",
            "conversion_rate",
            "revenue",
            "cost",
            "roi",
            "roas",
            "cpc",
            "cpa",
            "aov",
            "ctr",
            "engagement_rate",
            "bot_share",
        )
    }
    values.update(
        {
            "creator": c["handle"],
            "platform": c["platform"],
            "verdict": VERDICTS[conf["verdict"]],
            "organic_clicks": c["organic"]["clicks"],
            "sponsored_clicks": c["sponsored"]["clicks"],
            "interval": "" if conf["low"] is None else f"{conf['low']}-{conf['high']}",
            "trend": c["momentum"]["trend"],
            "late_surge": f"since {surge['first_day']}" if surge["surge"] else "no",
        }
    )
    return values


def creator_rows(report: dict) -> list[dict]:
    """The page's creator rows, best ROI first (as the page sorts them):
    each {"handle", "cells": [{"key", "value", "text"}]} in COLUMNS order."""
    currency = report["campaign"]["currency"]
    rows = []
    for c in compute.sort_creators(report["creators"], "roi"):
        values = _values(c)
        texts = {
            "creator": "@" + c["handle"],
            "interval": interval_text(c["confidence"]),
            "trend": trend_text(c["momentum"]),
        }
        rows.append(
            {
                "handle": c["handle"],
                "verdict": c["confidence"]["verdict"],
                "cells": [
                    {
                        "key": key,
                        "value": _raw(values[key]),
                        "text": texts.get(key) or _text(kind, values[key], currency),
                    }
                    for key, _, kind, _ in COLUMNS
                ],
            }
        )
    return rows


def csv_cell(value) -> str:
    """A number as it is; text made safe from spreadsheet formulas."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return safe_cell(value)


def creator_csv_rows(report: dict) -> list[list[str]]:
    """The creator table as CSV rows, header first: the page's rows, raw values."""
    return [[heading for _, heading, _, _ in COLUMNS]] + [
        [csv_cell(cell["value"]) for cell in row["cells"]] for row in creator_rows(report)
    ]


def glance(report: dict) -> dict:
    """The page's first answers, from the report alone: whom to pay again
    (positive ROI, best first, with the conversion verdict), organic against
    sponsored, the marks, whether it still grows, and the share of bots."""
    ranked = compute.sort_creators(report["creators"], "roi")
    paid_back = [c for c in ranked if (c["total"]["roi"] or 0) > 0]
    t, s, g = report["totals"], report["sources"], report["growth"]
    return {
        "pay_again": [
            {
                "handle": c["handle"],
                "roi": c["total"]["roi"],
                "verdict": VERDICTS[c["confidence"]["verdict"]],
                "trend": c["momentum"]["trend"],
                "surge": c["late_surge"]["surge"],
            }
            for c in paid_back
        ],
        "not_paid_back": [c["handle"] for c in ranked if c not in paid_back],
        "organic": s["organic"],
        "sponsored": s["sponsored"],
        "trend": trend_text(g["momentum"]),
        "momentum": g["momentum"],
        "rising": g["rising"],
        "surging": g["surging"],
        "bot_share": t["bot_share"],
        "bot_clicks": t["bot_clicks"],
    }
