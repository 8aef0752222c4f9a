"""`tracker report` without --json: the report as a terminal table.

The same figures as the stats page, in the page's order: creators best ROI
first, each with its organic, sponsored and unknown rows (clicks without a source,
orders by a code that names none),
so that a creator's rows add up to its total.
"""

from __future__ import annotations

from . import compute
from .formatting import DASH, money, multiple, number, percent
from .table import VERDICTS, interval_text, trend_text

PASSED_OVER_TEXT = {
    "unknown_id": "unknown",
    "bot_click": "bot clicks",
    "click_after_order": "clicked after the order",
    "outside_window": "outside the attribution window",
}
COLUMNS = (
    "clicks",
    "visitors",
    "bots",
    "conv",
    "by code",
    "conv rate",
    "revenue",
    "cost",
    "ROI",
    "ROAS",
    "CPC",
    "CPA",
    "AOV",
    "CTR",
)


def _cells(m: dict, currency: str) -> list[str]:
    return [
        number(m["clicks"]),
        number(m["unique_visitors"]),
        number(m["bot_clicks"]),
        number(m["conversions"]),
        number(m["code_conversions"]),
        percent(m["conversion_rate"]),
        money(m["revenue"], currency),
        money(m["cost"], currency),
        percent(m["roi"]),
        multiple(m["roas"]),
        money(m["cpc"], currency),
        money(m["cpa"], currency),
        money(m["aov"], currency),
        percent(m["ctr"], 2),
    ]


def _unknown_cells(creator: dict, currency: str) -> list[str] | None:
    """The rest of a creator's total: clicks of unknown source and orders by a
    code that names no source (visitors are not additive, so left blank)."""
    t, o, s, u = (creator[k] for k in ("total", "organic", "sponsored", "unattributed"))
    clicks = t["clicks"] - o["clicks"] - s["clicks"]
    bots = t["bot_clicks"] - o["bot_clicks"] - s["bot_clicks"]
    if not (clicks or bots or u["conversions"]):
        return None
    return [
        number(clicks),
        "",
        number(bots),
        number(u["conversions"]),
        number(u["conversions"]),
        "",
        money(u["revenue"], currency),
    ] + [""] * 7


def window_text(w: dict) -> str:
    if w["name"] == "last7":
        return "last 7 full days"
    if w["name"] == "custom":
        return "custom range"
    return f"first {w['days']} days" if w["days"] else "all time"


def _marks_lines(report: dict, currency: str) -> list[str]:
    lines = ["", "marks (cumulative from day 1; revenue / cost / ROI):"]
    for mk in report["campaign_marks"]:
        t, s = mk["totals"], mk["sources"]
        state = (
            "reached"
            if mk["status"] == "reached"
            else f"in progress, {mk['days_left']} days left"
            if mk["status"] == "in_progress"
            else "not started"
        )
        lines.append(
            f"  day {mk['mark']} ({mk['to']}, {state}): {number(t['clicks'])} clicks, "
            f"{number(t['conversions'])} conv, {money(t['revenue'], currency)} / "
            f"{money(t['cost'], currency)} / ROI {percent(t['roi'])}; organic ROI "
            f"{percent(s['organic']['roi'])}, sponsored ROI {percent(s['sponsored']['roi'])}"
        )
    return lines


def _creator_lines(report: dict) -> list[str]:
    lines = [
        "",
        "creators (conversion rate by click, 95% interval, against the campaign's; "
        "clicks last 7 full days vs the 7 before):",
    ]
    for c in compute.sort_creators(report["creators"], "roi"):
        conf, surge = c["confidence"], c["late_surge"]
        lines.append(
            f"  @{c['handle']}: {percent(conf['rate'])} [{interval_text(conf)}] "
            f"{VERDICTS[conf['verdict']]}; {trend_text(c['momentum'])}"
            + (f"; late surge since {surge['first_day']}" if surge["surge"] else "")
        )
    return lines


def render(report: dict) -> str:
    c, w = report["campaign"], report["window"]
    currency = c["currency"]
    rows = [("TOTAL", report["totals"])]
    rows += [(f"  {s}", report["sources"][s]) for s in ("organic", "sponsored", "unknown")]
    table = [("",) + COLUMNS] + [(label,) + tuple(_cells(m, currency)) for label, m in rows]
    for creator in compute.sort_creators(report["creators"], "roi"):
        table.append((f"@{creator['handle']}",) + tuple(_cells(creator["total"], currency)))
        table += [
            (f"  {s}",) + tuple(_cells(creator[s], currency)) for s in ("organic", "sponsored")
        ]
        unknown = _unknown_cells(creator, currency)
        if unknown:
            table.append(("  unknown",) + tuple(unknown))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        f"{c['name']} ({c['slug']}), {window_text(w)}: {w['from']} to {w['to']} "
        f"({c['timezone']})" + (" - today is partial" if w.get("includes_today") else ""),
        "",
    ]
    for r in table:
        lines.append(
            "  ".join(
                cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(r)
            ).rstrip()
        )
    t, b = report["totals"], report["budget"]
    lines += [
        "",
        "conversion rate = orders by click / unique visitors (code-only orders beside "
        "it, under 'by code'); the visitors' total is not the sum of the sources "
        "(one person can come through both on a day)",
        f"ROAS = sponsored revenue / ad spend: {money(t['sponsored_revenue'], currency)} / "
        f"{money(t['ad_spend'], currency)} = {multiple(t['roas'])}",
        f"budget: spent {money(b['spent'], currency)} (fees + ad spend, through "
        f"{b['through']})"
        + (
            f" of {money(b['budget'], currency)}, remaining "
            f"{money(b['remaining'], currency)}" + (" - OVER BUDGET" if b["over_budget"] else "")
            if b["budget"] is not None
            else ", no budget set"
        ),
    ]
    lines += _marks_lines(report, currency) + _creator_lines(report)
    g = report["growth"]
    lines += [
        "",
        f"campaign: {trend_text(g['momentum'])} (last 7 full days through "
        f"{g['momentum']['through']}); rising: "
        f"{', '.join('@' + h for h in g['rising']) or DASH}; late surge: "
        f"{', '.join('@' + h for h in g['surging']) or DASH}",
    ]
    a, t = report["attribution"], report["totals"]
    lines += [
        "",
        f"revenue {money(t['revenue'], currency)} net = "
        f"{money(t['gross_revenue'], currency)} gross - "
        f"{money(t['refunds'], currency)} refunds",
        f"orders by click token: {a['by_click']}, by promo code: {a['by_code']}, "
        f"click/code conflicts: {a['conflicts']}",
    ]
    passed = ", ".join(f"{n} {PASSED_OVER_TEXT[k]}" for k, n in a["passed_over"].items() if n)
    if passed:
        lines.append(f"click ids passed over: {passed}")
    waiting = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in a["not_converted"].items() if n)
    if waiting:
        lines.append(f"credited but not conversions: {waiting}")
    return "\n".join(lines + _baseline_lines(report.get("shop_baseline"), currency))


def _baseline_lines(sb: dict | None, currency: str) -> list[str]:
    """The whole shop before and since the start, when the report has it."""
    if not sb:
        return []
    before, since = sb["before"], sb["since_start"]
    return [
        "",
        f"the whole shop ({', '.join(sb['shops'])}; {sb['label']}): "
        f"{number(before['orders_per_day'])} orders and "
        f"{money(before['net_per_day'], currency)} a day in the {before['days']} days "
        f"before, {number(since['orders_per_day'])} and "
        f"{money(since['net_per_day'], currency)} a day since; the campaign's share "
        f"of its net revenue since: {percent(sb['attributed_share'])}",
    ]
