"""`tracker report` without --json: the report as a terminal table."""
from __future__ import annotations

from .formatting import money, number, percent

PASSED_OVER_TEXT = {"unknown_id": "unknown", "bot_click": "bot clicks",
                    "click_after_order": "clicked after the order",
                    "outside_window": "outside the attribution window"}
COLUMNS = ("clicks", "visitors", "bots", "conv", "conv rate", "revenue", "cost", "ROI", "CTR")


def _cells(m: dict, currency: str) -> list[str]:
    return [number(m["clicks"]), number(m["unique_visitors"]), number(m["bot_clicks"]),
            number(m["conversions"]), percent(m["conversion_rate"]), money(m["revenue"], currency),
            money(m["cost"], currency), percent(m["roi"]), percent(m["ctr"], 2)]


def render(report: dict) -> str:
    c, w = report["campaign"], report["window"]
    currency = c["currency"]
    span = f"first {w['days']} days" if w["days"] else "all time"
    rows = [("TOTAL", report["totals"])]
    rows += [(f"  {s}", report["sources"][s]) for s in ("organic", "sponsored", "unknown")]
    for creator in report["creators"]:
        rows.append((f"@{creator['handle']}", creator["total"]))
        rows += [(f"  {s}", creator[s]) for s in ("organic", "sponsored")]
    table = [("",) + COLUMNS] + [(label,) + tuple(_cells(m, currency)) for label, m in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [f"{c['name']} ({c['slug']}), {span}: {w['from']} to {w['to']} ({c['timezone']})", ""]
    for r in table:
        lines.append("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                               for i, cell in enumerate(r)).rstrip())
    a, t = report["attribution"], report["totals"]
    lines += ["", f"revenue {money(t['revenue'], currency)} net = "
                  f"{money(t['gross_revenue'], currency)} gross - "
                  f"{money(t['refunds'], currency)} refunds",
              f"orders by click token: {a['by_click']}, by promo code: {a['by_code']}, "
              f"click/code conflicts: {a['conflicts']}"]
    passed = ", ".join(f"{n} {PASSED_OVER_TEXT[k]}" for k, n in a["passed_over"].items() if n)
    if passed:
        lines.append(f"click ids passed over: {passed}")
    waiting = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in a["not_converted"].items() if n)
    if waiting:
        lines.append(f"credited but not conversions: {waiting}")
    return "\n".join(lines)
