"""Which export a file is, from its header alone.

One declarative table per format: our field <- the header names that mean
it, in order of preference. Headers match without regard to case, spaces
or underscores; a money column may carry a currency code in parentheses
(``Amount spent (EUR)``), which must then be the campaign's currency.
Columns a format does not list are tolerated and ignored.

Fields besides the metric counts (vocabulary.METRIC_COUNTS) and ``spend``:
``day`` (the row's day), ``starts``/``ends`` (Meta's reporting period),
``posted`` (a post's publish time), ``campaign``/``ad_group``/``ad`` (the
names a creator is matched in), ``title``, ``account`` (whose posts these
are), ``currency`` (a per-row currency code), and for our own layout
``creator`` and ``source``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import BadInput
from ..vocabulary import METRIC_COUNTS

ADS, CONTENT, OURS = "ads", "content", "ours"
ANY_METRIC = " | ".join(METRIC_COUNTS)
CURRENCY_SUFFIX_RE = re.compile(r"(?P<base>.+)\((?P<code>[a-z]{3})\)")


def key(header: str) -> str:
    """The form headers are compared in: lower case, no spaces or underscores."""
    return re.sub(r"[\s_]+", "", str(header or "")).lower()


@dataclass(frozen=True)
class Format:
    name: str  # stable: what ParsedMetrics.format says
    label: str  # for people
    kind: str  # ADS, CONTENT or OURS
    columns: dict[str, tuple[str, ...]]
    #: Each entry: alternatives separated by '|', each alternative fields joined by '+'.
    required: tuple[str, ...]
    money: frozenset[str] = field(default=frozenset({"spend"}))


FORMATS = (
    Format(
        "meta_ads",
        "Meta Ads Manager report broken down by day",
        ADS,
        {
            "day": ("Day",),
            "starts": ("Reporting starts",),
            "ends": ("Reporting ends",),
            "campaign": ("Campaign name",),
            "ad_group": ("Ad set name",),
            "ad": ("Ad name",),
            "currency": ("Currency",),
            "spend": ("Amount spent",),
            "impressions": ("Impressions",),
            "reach": ("Reach",),
            "views": ("ThruPlays", "3-second video plays"),
            "likes": ("Post reactions",),
            "comments": ("Post comments",),
            "shares": ("Post shares",),
            "saves": ("Post saves",),
            "followers_gained": ("Instagram follows",),
        },
        ("day | starts + ends", "spend", "impressions", "campaign | ad_group | ad"),
    ),
    Format(
        "tiktok_ads",
        "TikTok Ads Manager report by day",
        ADS,
        {
            "day": ("By Day", "Date"),
            "campaign": ("Campaign name",),
            "ad_group": ("Ad group name",),
            "ad": ("Ad name",),
            "currency": ("Currency",),
            "spend": ("Cost",),
            "impressions": ("Impressions",),
            "reach": ("Reach",),
            "views": ("Video views",),
            "likes": ("Likes", "Paid likes"),
            "comments": ("Comments", "Paid comments"),
            "shares": ("Shares", "Paid shares"),
            "followers_gained": ("Follows", "Paid follows"),
        },
        ("day", "spend", "impressions", "campaign | ad_group | ad"),
    ),
    Format(
        "tiktok_studio",
        "TikTok Studio content export",
        CONTENT,
        {
            "posted": ("Post time",),
            "title": ("Video title", "Description"),
            "account": ("Video link",),
            "views": ("Total views", "Video views", "Views"),
            "reach": ("Reach", "Total reach"),
            "likes": ("Total likes", "Likes"),
            "comments": ("Total comments", "Comments"),
            "shares": ("Total shares", "Shares"),
            "saves": ("Total saves", "Saves", "Add to favorites", "Total favorites"),
            "followers_gained": ("Follows", "New followers"),
        },
        ("posted", ANY_METRIC),
    ),
    Format(
        "instagram_content",
        "Instagram / Meta Business Suite content export",
        CONTENT,
        {
            "posted": ("Publish time",),
            "title": ("Description", "Title"),
            "account": ("Account username",),
            "impressions": ("Impressions",),
            "views": ("Views",),
            "reach": ("Reach",),
            "likes": ("Likes",),
            "comments": ("Comments",),
            "shares": ("Shares",),
            "saves": ("Saves",),
            "followers_gained": ("Follows",),
        },
        ("posted", ANY_METRIC),
    ),
    Format(
        "tracker_csv",
        "this tracker's layout (date,creator,source," + ",".join(METRIC_COUNTS) + ",spend)",
        OURS,
        {
            "date": ("date",),
            "creator": ("creator",),
            "source": ("source",),
            **{name: (name,) for name in METRIC_COUNTS},
            "spend": ("spend",),
        },
        ("date", "creator", "source"),
    ),
)
BY_NAME = {f.name: f for f in FORMATS}
OTHER_FIELDS = {
    "day",
    "starts",
    "ends",
    "posted",
    "campaign",
    "ad_group",
    "ad",
    "title",
    "account",
    "currency",
    "spend",
    "date",
    "creator",
    "source",
}
assert all(set(f.columns) <= OTHER_FIELDS | set(METRIC_COUNTS) for f in FORMATS), "unknown field"


@dataclass(frozen=True)
class Column:
    header: str  # the file's header, as read_csv keys records (lower case)
    label: str  # how messages name it: our spelling, with the file's currency
    currency: str | None = None


@dataclass(frozen=True)
class Match:
    format: Format
    columns: dict[str, Column]  # our field -> the file's column
    missing: tuple[str, ...]  # required fields (for people) the header lacks


def match(fmt: Format, header: list[str]) -> Match:
    by_key: dict[str, str] = {}
    for raw in header:
        by_key.setdefault(key(raw), raw)
    suffixed: dict[str, tuple[str, str]] = {}
    for k, raw in by_key.items():
        if m := CURRENCY_SUFFIX_RE.fullmatch(k):
            suffixed.setdefault(m["base"], (raw, m["code"].upper()))
    columns = {}
    for name, aliases in fmt.columns.items():
        for alias in aliases:
            if key(alias) in by_key:
                columns[name] = Column(by_key[key(alias)], alias)
                break
            if name in fmt.money and key(alias) in suffixed:
                raw, code = suffixed[key(alias)]
                columns[name] = Column(raw, f"{alias} ({code})", code)
                break
    missing = []
    for requirement in fmt.required:
        options = [
            option
            for option in (a.replace(" ", "").split("+") for a in requirement.split("|"))
            if all(f in fmt.columns for f in option)
        ]  # "any metric" lists them all
        lacking = [[f for f in option if f not in columns] for option in options]
        if any(not lack for lack in lacking):
            continue
        partly_there = [i for i, lack in enumerate(lacking) if len(lack) < len(options[i])]
        if partly_there:  # e.g. Reporting starts without Reporting ends
            best = min(partly_there, key=lambda i: len(lacking[i]))
            missing.append(" and ".join(fmt.columns[f][0] for f in lacking[best]))
        else:
            missing.append(
                " or ".join(" and ".join(fmt.columns[f][0] for f in option) for option in options)
            )
    return Match(fmt, columns, tuple(missing))


def recognise(header: list[str], currency: str, filename: str = "the file") -> Match:
    """The format whose required columns the header has; BadInput naming the
    formats and, for the closest one, the columns it lacks, otherwise."""
    matches = [match(fmt, header) for fmt in FORMATS]
    complete = [m for m in matches if not m.missing]
    if not complete:
        closest = min(matches, key=lambda m: (len(m.missing), -len(m.columns)))
        missing = ", ".join(_for_people(name, currency) for name in closest.missing)
        raise BadInput(
            f"{filename}: missing column(s): {missing}. The closest format is "
            f"{closest.format.label}; the metrics exports this tracker reads are "
            + "; ".join(f.label for f in FORMATS)
            + "."
            + _found(header)
        )
    found = max(complete, key=lambda m: len(m.columns))
    for name in found.format.money:
        column = found.columns.get(name)
        if column and column.currency and column.currency != currency:
            raise BadInput(
                f"{filename}: {column.label} is in {column.currency} but the campaign "
                f"counts in {currency}; amounts are never converted, so import only "
                f"reports in {currency}"
            )
    return found


def _for_people(missing: str, currency: str) -> str:
    return missing.replace("Amount spent", f"Amount spent ({currency})")


def _found(header: list[str], shown: int = 20) -> str:
    names = [h for h in header if h]
    if not names:
        return ""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ". Found: " + ", ".join(names[:shown]) + more
