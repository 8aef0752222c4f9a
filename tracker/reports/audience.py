"""The report's audience section: pure arithmetic over the store's rows. No SQL.

Input: rows (creator_id, dimension, value, clicks) of human clicks, as
Store.audience_summary returns them for the report's window. Output: per
campaign and per creator, the top values of each dimension (countries,
devices, …) with counts and shares, the rest summed as "other"; QR scans
beside clicks per creator and per link; and, when the campaign names target
countries, the share of clicks from elsewhere (an audience-fit signal:
bought engagement usually comes from other countries).
"""

from __future__ import annotations

from collections.abc import Iterable

from .compute import ratio

#: The breakdowns, in the order the page shows them.
DIMENSIONS = ("country", "device", "os", "browser", "in_app", "referrer_host", "language")
#: What else the section needs from the store: clicks and QR scans per link.
LINK_DIMENSIONS = ("link", "qr_link")
#: What audience_section asks Store.audience_summary for.
QUERIED = DIMENSIONS + LINK_DIMENSIONS
#: How many values a breakdown lists before "other".
TOP = 8


def breakdown(counts: dict, top: int = TOP) -> dict:
    """The `top` biggest values with clicks and shares of all clicks, and the
    rest as "other". Ties go alphabetically; None (the click did not say) is
    a value like any other, ranked by its count, last among equals.

    {"clicks": 10, "top": [{"value": "DE", "clicks": 6, "share": 0.6}, …],
     "other": {"values": 2, "clicks": 1, "share": 0.1}}
    """
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, str(kv[0])))
    head, rest = ranked[:top], ranked[top:]
    other = sum(n for _, n in rest)
    return {
        "clicks": total,
        "top": [{"value": value, "clicks": n, "share": ratio(n, total)} for value, n in head],
        "other": {"values": len(rest), "clicks": other, "share": ratio(other, total)},
    }


def outside_share(countries: dict, targets: Iterable[str]) -> float | None:
    """Clicks from outside the target countries over clicks whose country
    is known. None without targets or without such clicks; a click whose
    country is unknown (a private or unlisted address) counts on neither
    side, so a proxy misconfiguration does not look like bought clicks."""
    targets = set(targets)
    if not targets:
        return None
    known = sum(n for code, n in countries.items() if code is not None)
    outside = sum(n for code, n in countries.items() if code is not None and code not in targets)
    return ratio(outside, known)


def tally(rows: Iterable[dict]) -> dict[str, dict]:
    """dimension -> {value: clicks}, summed over the rows (and creators) given."""
    out: dict[str, dict] = {d: {} for d in QUERIED}
    for row in rows:
        counts = out.setdefault(row["dimension"], {})
        counts[row["value"]] = counts.get(row["value"], 0) + int(row["clicks"])
    return out


def entry(rows: list[dict], targets, top: int = TOP) -> dict:
    """One campaign's or creator's audience: clicks, QR scans, the
    audience-fit signal and every breakdown."""
    counts = tally(rows)
    return {
        "clicks": sum(counts["link"].values()),
        "qr_scans": sum(counts["qr_link"].values()),
        "outside_target_share": outside_share(counts["country"], targets),
        "breakdowns": {d: breakdown(counts[d], top) for d in DIMENSIONS},
    }


def audience_section(
    creators: list[dict],
    links: list[dict],
    rows: list[dict],
    targets: Iterable[str],
    top: int = TOP,
) -> dict:
    """The report's `audience` (see README, "The report").

    creators: {id, handle}; links: {id, code, creator (handle), channel};
    rows: Store.audience_summary over QUERIED (only those of the creators
    shown, for a creator-scoped report); targets: ISO alpha-2 codes.
    """
    targets = list(targets)
    mine: dict = {}
    for row in rows:
        mine.setdefault(row["creator_id"], []).append(row)
    counts = tally(rows)
    return {
        "dimensions": list(DIMENSIONS),
        "top": top,
        "target_countries": targets,
        "campaign": entry(rows, targets, top),
        "creators": [
            {"handle": c["handle"], **entry(mine.get(c["id"], []), targets, top)} for c in creators
        ],
        "links": [
            {
                "code": link["code"],
                "creator": link["creator"],
                "channel": link["channel"],
                "clicks": counts["link"].get(link["id"], 0),
                "qr_scans": counts["qr_link"].get(link["id"], 0),
            }
            for link in links
        ],
    }
