"""Report and export benchmark: the real report and CSV export against plain queries.

    .venv/bin/python bench/report_export.py [--clicks 200000[,10000000,...]]
                                            [--days 60]
                                            [--database sqlite|postgresql|both]
                                            [--runs 5] [--json]

For each database (a temp SQLite file; a fresh schema in the PostgreSQL at
TRACKER_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test,
dropped at the end) and each click count N this builds one campaign: 10
creators (tiktok and instagram), a bio, an ad and an "other" link each (the
last gives the "unknown" source), promo codes. It then bulk-loads N clicks
over the last --days days up to now (8% bots, visitor hashes that repeat
within a day, `day` = the campaign's local day; today only until the current
hour), with executemany in transactions of 50,000 rows on SQLite and one COPY
on PostgreSQL: a bench fixture, not the click path (the trigger on clicks
runs as it would). About 2% of the human clicks become orders
(imports.save_redemptions, with click_id), up to ~3,700 (2% of 200k clicks:
the order half of the report is O(orders) and not what rollups change), and
there are daily platform metrics (imports.save_metrics).

Measured, after one warm-up run, over --runs runs (median and min):

  count        SELECT COUNT(*) over the campaign's clicks       (baseline)
  report 7/14/30/all
               reports.campaign_report(store, slug, window), ended days rolled up
  full scan    the same report with rollups=False: every click counted (baseline)
  raw scan     a plain cursor over SELECT * FROM clicks WHERE campaign_id = ?
               ORDER BY day, at, id: the export's rows in the export's order,
               streamed like the export (SQLite fetchmany, PostgreSQL a
               server-side cursor, 1000 rows a fetch)             (baseline)
  export       export.csv_chunks(export.click_rows(..., include_bots=True)):
               every row through to CSV text, encoded to UTF-8 bytes

Above 1M clicks, raw scan and export cover the last 7 days (the same rows
for both), not every click. Also measured once each:

  catch-up     rolling up every ended day at once (what the first report
               after an upgrade or a bulk load does), with "now" just before
               yesterday ended
  yesterday live   the report while yesterday is not rolled up yet
  first report after a day ends   the report that rolls yesterday up
               (lazily), --runs times (yesterday's rollup is deleted in between)
  exact        the report and the four click groupings with rollups equal
               the full scan

and the peak of Python memory allocated during an export (tracemalloc, in
separate runs, since tracing slows Python down) for the last 3 days and for
all of the exported range: the same peak for ~10x the rows means memory does
not grow with the export. With several click counts, the report latencies of
the largest over the smallest are printed at the end. The numbers are
informative; nothing here fails a build.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import math
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import (
    PG_URL,
    Interrupted,
    drop_pg_schema,
    log,
    new_pg_schema,
    on_signal,
    postgres_problem,
    rerun_in_venv,
)

try:
    import psycopg

    from tracker import campaigns, imports, reports
    from tracker.classify import classify, referrer_host
    from tracker.demo import BOT_AGENTS, HUMAN_AGENTS, metrics_record
    from tracker.reports import export
    from tracker.reports.build import GROUPINGS
    from tracker.store import open_store, partials
    from tracker.store.clicks import CLICK_COLUMNS
    from tracker.validate import iso_utc
    from tracker.vocabulary import ALL_DAYS
except ImportError:  # not the project's venv: re-run under it
    rerun_in_venv(__file__)

SLUG = "bench-report"
TIMEZONE = "Europe/Berlin"
DEFAULT_DAYS = 60
SQLITE_BATCH = 50_000
BOT_SHARE = 0.08
ORDER_SHARE = 0.02
ORDER_CLICKS = 200_000  # orders follow clicks up to here, then stay constant
FULL_RANGE_MAX = 1_000_000  # above this, raw scan and export cover the last 7 days
LARGE_EXPORT_DAYS = 7
WINDOWS = (7, 14, 30, None)
# Where a creator's clicks go: the bio link, the ad link, the "other" link.
CHANNEL_MIX = (("bio", 0.55), ("ad", 0.40), ("other", 0.05))
# Clicks by local hour: quiet at night, busy in the evening.
HOUR_WEIGHTS = [
    1,
    0.6,
    0.4,
    0.3,
    0.3,
    0.5,
    1,
    2,
    3,
    3.5,
    4,
    4.5,
    5,
    5,
    4.5,
    4.5,
    5,
    6,
    7,
    8,
    8.5,
    8,
    6,
    3,
]
# Where clicks come from (None: a private or unlisted address) and in which language.
COUNTRY_MIX = (
    ("DE", 50),
    ("AT", 10),
    ("CH", 8),
    ("US", 8),
    ("GB", 4),
    ("NL", 3),
    ("FR", 3),
    ("PL", 2),
    ("BR", 2),
    ("IN", 2),
    ("TR", 1),
    (None, 7),
)
LANGUAGE_MIX = (("de", 60), ("en", 25), ("fr", 4), ("nl", 3), ("pl", 2), ("tr", 1), (None, 5))
# A click row is (id, link_id, campaign_id, creator_id, at, day) + the
# classification fields + (ad_click_id, is_bot, visitor) + the audience
# fields, in this order.
STATIC_COLUMNS = (
    "referrer",
    "referrer_host",
    "user_agent",
    "device",
    "os",
    "browser",
    "in_app",
    "source",
    "platform",
    "reason",
)
AUDIENCE_FIELDS = ("country", "language", "qr")
assert CLICK_COLUMNS == (
    "id",
    "link_id",
    "campaign_id",
    "creator_id",
    "at",
    "day",
    *STATIC_COLUMNS,
    "ad_click_id",
    "is_bot",
    "visitor",
    *AUDIENCE_FIELDS,
), CLICK_COLUMNS
INSERT_CLICKS = "INSERT INTO clicks ({}) VALUES ({})".format(
    ", ".join(CLICK_COLUMNS), ", ".join("?" * len(CLICK_COLUMNS))
)


def redact(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}@{host}"


# -- the campaign ------------------------------------------------------------------


def build_campaign(store, rng: random.Random, days: int) -> dict:
    """Campaign, 10 creators, 3 links and 2 promo codes each; per link the
    click templates (real classification of real user agents)."""
    tz = ZoneInfo(TIMEZONE)
    today = datetime.now(tz).date()
    start = today - timedelta(days=days - 1)
    campaigns.create_campaign(
        store,
        SLUG,
        "Report benchmark",
        "https://shop.example.com/launch",
        start.isoformat(),
        TIMEZONE,
        "USD",
        "25000",
    )
    creators = []
    for i in range(10):
        platform_ = "tiktok" if i % 2 == 0 else "instagram"
        handle = f"bench.creator{i + 1:02d}"
        campaigns.add_creator(store, handle, platform_, f"Creator {i + 1}")
        campaigns.enroll(store, SLUG, handle, str(500 + 100 * i))
        promo = f"{SLUG}-c{i + 1:02d}"
        campaigns.add_promo(store, SLUG, handle, promo)
        campaigns.add_promo(store, SLUG, handle, promo + "-ad", "sponsored")
        made = {}
        for channel, _share in CHANNEL_MIX:
            code = campaigns.create_link(store, "http://bench.invalid", SLUG, handle, channel)[
                "code"
            ]
            made[channel] = store.link(code)
        creators.append(
            {
                "handle": handle,
                "platform": platform_,
                "promo": promo,
                # Long-tailed traffic: a few creators bring most clicks.
                "share": 1.0 / (i + 1) ** 0.8,
                "peak": rng.randrange(max(days - 5, 1)),
                "links": made,
            }
        )
    campaign = store.campaign(SLUG)
    ids = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    link_ids = {}
    for c in creators:
        c["id"] = ids[c["handle"]]
        for channel, link in c["links"].items():
            link_ids[(c["handle"], channel)] = link_id(store, link["code"])
        c["templates"] = {
            channel: click_templates(rng, c["platform"], channel) for channel, _ in CHANNEL_MIX
        }
    return {
        "campaign": campaign,
        "creators": creators,
        "link_ids": link_ids,
        "start": start,
        "today": today,
        "tz": tz,
        "days": days,
    }


def link_id(store, code: str) -> int:
    return store.one("SELECT id FROM links WHERE code = ?", [code])["id"]


def click_templates(rng: random.Random, platform_: str, channel: str) -> dict:
    """{'human': [...], 'bot': [...]}: (classification fields as the redirect
    would store them, has an ad click id, source, (country, language, qr))."""

    def one(agent: str, query: list, referrer: str | None, qr: bool = False) -> tuple:
        found = classify(channel, query, referrer, agent, platform_)
        a = found.agent
        fields = {
            "referrer": referrer,
            "referrer_host": referrer_host(referrer),
            "user_agent": agent,
            "device": a.device,
            "os": a.os,
            "browser": a.browser,
            "in_app": a.in_app,
            "source": found.source,
            "platform": found.platform,
            "reason": found.reason + ("; QR scan" if qr else ""),
        }
        audience = (
            rng.choices(*zip(*COUNTRY_MIX))[0],
            rng.choices(*zip(*LANGUAGE_MIX))[0],
            int(qr),
        )
        return (
            tuple(fields[c] for c in STATIC_COLUMNS),
            found.ad_click_id is not None,
            found.source,
            audience,
        )

    human = []
    for n in range(40):
        query, referrer = [], None
        if rng.random() < 0.7:
            agent = rng.choice(HUMAN_AGENTS[platform_])
        else:
            agent = rng.choice(HUMAN_AGENTS["browser"])
            if channel == "bio" and rng.random() < 0.5:
                referrer = f"https://www.{platform_}.com/"
            elif channel == "other" and rng.random() < 0.5:
                referrer = "https://mail.google.com/"
        if channel == "ad" and rng.random() < 0.9:
            query = (
                [("ttclid", f"E.C.P.{rng.getrandbits(48):x}")]
                if platform_ == "tiktok"
                else [("utm_source", "instagram"), ("utm_medium", "paid_social")]
            )
        elif channel == "bio" and platform_ == "instagram" and rng.random() < 0.3:
            query = [("igshid", f"{rng.getrandbits(40):x}")]
        # a tenth of bio clicks scan a QR code
        human.append(one(agent, query, referrer, qr=channel == "bio" and n % 10 == 0))
    bots = [one(agent, [], None) for agent in BOT_AGENTS]
    return {"human": human, "bot": bots}


# -- clicks ------------------------------------------------------------------------


def curve(day: int, peak: int) -> float:
    """Attention after a post: a little before it, a spike, a long tail."""
    if day < peak:
        return 0.1
    return 0.15 + math.exp(-(day - peak) / 5.0)


def visitor_hash(day: str, who: str) -> str:
    return hashlib.blake2b(f"{day}\n{who}".encode(), digest_size=10).hexdigest()


def split_counts(n: int, weights: list[float], rng: random.Random) -> list[int]:
    """n spread over cells in proportion to weights: the whole parts, and
    the remainder drawn by the fractions."""
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    rest = n - sum(counts)
    if rest:
        for i in rng.choices(range(len(weights)), weights=[x - int(x) for x in exact], k=rest):
            counts[i] += 1
    return counts


def hour_prefixes(local_date, tz) -> list[str]:
    """'YYYY-MM-DDTHH:' in UTC of each local hour (the zone's offsets are
    whole hours, so minutes and seconds are the same in UTC)."""
    return [
        datetime(local_date.year, local_date.month, local_date.day, h, tzinfo=tz)
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:")
        for h in range(24)
    ]


def generate_clicks(fx: dict, n: int, rng: random.Random, sink) -> None:
    """n click rows (tuples in CLICK_COLUMNS order), a day at a time in time
    order, handed to sink(rows). Today gets clicks only until now.

    About 2% of humans (fewer above ORDER_CLICKS) also go to fx['orders'],
    and every human to the per-day counts that the metrics rows follow.
    """
    creators, tz, start, days = fx["creators"], fx["tz"], fx["start"], fx["days"]
    now = datetime.now(UTC)
    now_local, now_text = now.astimezone(tz), iso_utc(now)
    elapsed = (
        sum(HOUR_WEIGHTS[: now_local.hour])
        + HOUR_WEIGHTS[now_local.hour] * (now_local.minute + 1) / 60
    ) / sum(HOUR_WEIGHTS)
    cells = [(d, ci) for d in range(days) for ci in range(len(creators))]
    weights = [
        creators[ci]["share"] * curve(d, creators[ci]["peak"]) * (elapsed if d == days - 1 else 1.0)
        for d, ci in cells
    ]
    counts = split_counts(n, weights, rng)
    order_share = ORDER_SHARE * min(1.0, ORDER_CLICKS / n)
    channels = [c for c, _ in CHANNEL_MIX]
    campaign_id = fx["campaign"]["id"]
    rand, getrandbits = rng.random, rng.getrandbits
    fx["orders"], fx["human_counts"] = [], Counter()
    for d in range(days):
        local_date = start + timedelta(days=d)
        day = local_date.isoformat()
        prefixes = hour_prefixes(local_date, tz)
        last_hour = now_local.hour if d == days - 1 else 23
        cumulative, total = [], 0.0
        for w in HOUR_WEIGHTS[: last_hour + 1]:
            total += w
            cumulative.append(total)
        per_creator = counts[d * len(creators) : (d + 1) * len(creators)]
        day_total = sum(per_creator)
        people = max(day_total * 6 // 10, 5)  # ~1.7 clicks per human visitor a day
        hashes: dict[int, str] = {}
        bots = [visitor_hash(day, f"bot{i}") for i in range(40)]
        ids = base64.urlsafe_b64encode(rng.randbytes(12 * day_total)).decode()
        next_id = 0
        rows = []
        for ci, creator in enumerate(creators):
            k = per_creator[ci]
            if not k:
                continue
            heads = [
                (fx["link_ids"][(creator["handle"], ch)], campaign_id, creator["id"])
                for ch in channels
            ]
            templates = [
                (creator["templates"][ch]["human"], creator["templates"][ch]["bot"])
                for ch in channels
            ]
            humans = Counter()
            for _ in range(k):
                r = rand()
                channel = 0 if r < 0.55 else (1 if r < 0.95 else 2)
                hour = bisect.bisect(cumulative, rand() * total)
                bot = rand() < BOT_SHARE
                pool = templates[channel][bot]
                static, has_ad, source, audience = pool[int(rand() * len(pool))]
                bits = getrandbits(46)
                at = (
                    f"{prefixes[hour]}{bits % 60:02d}:{bits // 60 % 60:02d}."
                    f"{bits // 3600 % 1_000_000:06d}Z"
                )
                if at > now_text:
                    at = now_text
                click_id = ids[16 * next_id : 16 * next_id + 16]
                next_id += 1
                if click_id[0] in "-_":
                    click_id = "x" + click_id[1:]
                if bot:
                    visitor = bots[int(rand() * 40)]
                else:
                    who = int(rand() * people)
                    visitor = hashes.get(who)
                    if visitor is None:
                        visitor = hashes[who] = visitor_hash(day, f"person{who}")
                    humans[source] += 1
                    if rand() < order_share:
                        fx["orders"].append((click_id, at, creator, source))
                ad = f"E.C.P.{getrandbits(48):x}" if has_ad else None
                rows.append(
                    (click_id,)
                    + heads[channel]
                    + (at, day)
                    + static
                    + (ad, int(bot), visitor)
                    + audience
                )
            for source, count in humans.items():
                fx["human_counts"][(creator["handle"], source, day)] += count
        rows.sort(key=lambda row: row[4])
        sink(rows)


def load_clicks(store, kind: str, url: str, fx: dict, n: int, rng: random.Random) -> dict:
    """Bulk load: SQLite executemany in transactions of SQLITE_BATCH rows,
    PostgreSQL one COPY; `db_seconds` is the time spent in the database calls."""
    db_seconds = 0.0
    t0 = time.perf_counter()
    if kind == "sqlite":
        # The click ids are random: their unique index takes inserts all
        # over the file, and with SQLite's default 2 MB page cache the load
        # runs at half speed. A loading knob only; reset before measuring.
        store.execute("PRAGMA cache_size = -1000000")
        pending: list[tuple] = []

        def flush():
            nonlocal db_seconds
            t = time.perf_counter()
            with store.transaction():
                store.execute_many(INSERT_CLICKS, pending)
            db_seconds += time.perf_counter() - t
            pending.clear()

        def sink(rows):
            pending.extend(rows)
            if len(pending) >= SQLITE_BATCH:
                flush()

        generate_clicks(fx, n, rng, sink)
        if pending:
            flush()
        store.execute("PRAGMA cache_size = -2000")
        batch = f"executemany, {SQLITE_BATCH:,} rows a transaction"
    else:
        with psycopg.connect(url) as conn:
            cur = conn.cursor()
            with cur.copy(f"COPY clicks ({', '.join(CLICK_COLUMNS)}) FROM STDIN") as copy:

                def sink(rows):
                    nonlocal db_seconds
                    t = time.perf_counter()
                    for row in rows:
                        copy.write_row(row)
                    db_seconds += time.perf_counter() - t

                generate_clicks(fx, n, rng, sink)
                t = time.perf_counter()
            conn.commit()
            db_seconds += time.perf_counter() - t
        batch = "one COPY"
    total = time.perf_counter() - t0
    return {
        "rows": n,
        "seconds": total,
        "db_seconds": db_seconds,
        "rows_per_s": n / total,
        "db_rows_per_s": n / db_seconds if db_seconds else None,
        "batch": batch,
    }


def load_orders(store, fx: dict, rng: random.Random) -> dict:
    """Orders through the real importer, each with its click token; 60% also
    carry the creator's promo code (the ad code for sponsored clicks)."""
    tz, now = fx["tz"], datetime.now(UTC)
    records = []
    for line, (click_id, at, creator, source) in enumerate(fx["orders"], 2):
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        bought = min(moment + timedelta(minutes=rng.randrange(2, 90)), now)
        code = ""
        if rng.random() < 0.6:
            code = creator["promo"] + ("-ad" if source == "sponsored" else "")
        records.append(
            (
                line,
                {
                    "order_id": f"#B{100000 + line}",
                    "code": code,
                    "click_id": click_id,
                    "amount": f"{rng.choice([29, 39, 49, 59, 79, 89])}."
                    f"{rng.choice(['00', '50', '99'])}",
                    "currency": "USD",
                    "redeemed_at": bought.astimezone(tz).isoformat(),
                },
            )
        )
    t0 = time.perf_counter()
    result = imports.save_redemptions(store, records, SLUG)
    return {"orders": result["new"], "seconds": time.perf_counter() - t0}


def load_metrics(store, fx: dict, rng: random.Random) -> dict:
    records = []
    for line, ((handle, source, day), clicks) in enumerate(sorted(fx["human_counts"].items()), 2):
        if source not in ("organic", "sponsored"):
            continue
        records.append((line, metrics_record(rng, day, handle, source, clicks + 1)))
    t0 = time.perf_counter()
    result = imports.save_metrics(store, SLUG, records)
    return {"rows": result["rows"], "seconds": time.perf_counter() - t0}


# -- measuring -----------------------------------------------------------------------


def timed(fn, runs: int) -> dict:
    """One warm-up call, then `runs` timed calls."""
    result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "runs_s": times,
        "result": result,
    }


def once_each(fn, runs: int, before=None) -> dict:
    """`runs` timed calls, `before()` untimed ahead of each; no warm-up
    (each call is a first one)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "runs_s": times}


def run_export(store, since: str | None = None) -> dict:
    rows = export.click_rows(store, SLUG, since=since, include_bots=True)
    size = 0
    for chunk in export.csv_chunks(rows):
        size += len(chunk.encode("utf-8"))
    return {"rows": rows.count, "bytes": size}


def export_peak(store, since: str | None) -> dict:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = run_export(store, since)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "rows": out["rows"],
        "peak_growth_bytes": peak - before,
        "retained_bytes": after - before,
    }


# The export's rows in the export's order (it had no ORDER BY before schema
# 14 gave SQLite an index in that order, and read the rows unsorted).
RAW_SCAN = "SELECT * FROM clicks WHERE campaign_id = ? AND day >= ? ORDER BY day, at, id"


def raw_scan_sqlite(path: str, campaign_id: int, since: str):
    def scan() -> int:
        conn = sqlite3.connect(path)
        try:
            cur = conn.execute(RAW_SCAN, (campaign_id, since))
            n = 0
            while True:
                rows = cur.fetchmany(1000)
                if not rows:
                    return n
                n += len(rows)
        finally:
            conn.close()

    return scan


def raw_scan_postgres(url: str, campaign_id: int, since: str):
    def scan() -> int:
        with psycopg.connect(url) as conn, conn.transaction():
            with conn.cursor(name="bench_raw") as cur:
                cur.itersize = 1000
                cur.execute(RAW_SCAN.replace("?", "%s"), (campaign_id, since))
                n = 0
                for _row in cur:
                    n += 1
                return n

    return scan


def real_clock():
    return datetime.now(UTC)


def bench_database(kind: str, url: str, n: int, args, seed: int) -> dict:
    rng = random.Random(seed)
    store = open_store(url)
    try:
        store.migrate()
        log(f"[{kind} {n:,}] building the campaign")
        fx = build_campaign(store, rng, args.days)
        campaign_id = fx["campaign"]["id"]
        log(f"[{kind} {n:,}] loading {n:,} clicks over {args.days} days")
        load = load_clicks(store, kind, url, fx, n, rng)
        log(
            f"[{kind} {n:,}] loaded {load['rows']:,} clicks in {load['seconds']:.1f} s "
            f"({load['rows_per_s']:,.0f} rows/s; "
            f"in the database {load['db_rows_per_s']:,.0f} rows/s)"
        )
        orders = load_orders(store, fx, rng)
        metrics = load_metrics(store, fx, rng)
        log(
            f"[{kind} {n:,}] {orders['orders']} orders ({orders['seconds']:.1f} s), "
            f"{metrics['rows']} metrics rows ({metrics['seconds']:.1f} s)"
        )
        if kind == "postgresql":
            # What autovacuum does to a table this size shortly after a load;
            # done now so that it does not run in the middle of a measurement.
            for table in ("clicks", "orders", "metrics"):
                store.execute(f"VACUUM ANALYZE {table}")
        stored = store.click_count(campaign_id)
        bots = store.one(
            "SELECT SUM(is_bot) AS n FROM clicks WHERE campaign_id = ?", [campaign_id]
        )["n"]
        sources = {
            r["source"]: r["n"]
            for r in store.query(
                "SELECT source, COUNT(*) AS n FROM clicks WHERE campaign_id = ? "
                "GROUP BY source ORDER BY source",
                [campaign_id],
            )
        }
        runs = args.runs
        heavy_runs = runs if n <= FULL_RANGE_MAX else 1
        today, tz = fx["today"], fx["tz"]
        yesterday = (today - timedelta(days=1)).isoformat()

        def clicks_from(day: str) -> int:
            return store.one(
                "SELECT COUNT(*) AS n FROM clicks WHERE campaign_id = ? AND day >= ?",
                [campaign_id, day],
            )["n"]

        m, facts = (
            {},
            {
                "today_clicks": clicks_from(today.isoformat()),
                "yesterday_clicks": clicks_from(yesterday) - clicks_from(today.isoformat()),
                "local_time": datetime.now(tz).strftime("%Y-%m-%d %H:%M %Z"),
            },
        )

        # Every day up to the day before yesterday, at once: a minute before
        # yesterday ended, as after an upgrade or a bulk load.
        log(f"[{kind} {n:,}] rolling up the ended days")
        before_midnight = datetime.combine(today, datetime.min.time(), tz) - timedelta(minutes=1)
        store.clock = lambda: before_midnight.astimezone(UTC)
        t0 = time.perf_counter()
        rolled = store.roll_up_ended_days(campaign_id)
        facts["catch_up"] = {"days": len(rolled), "seconds": time.perf_counter() - t0}
        log(
            f"[{kind} {n:,}] rolled up {len(rolled)} days in {facts['catch_up']['seconds']:.1f} s; "
            "measuring"
        )
        m["report_yesterday_live"] = timed(lambda: reports.campaign_report(store, SLUG, None), runs)

        # Yesterday ends: the first report after it rolls it up.
        store.clock = real_clock

        def reopen_yesterday():
            for table in ("rollup_days", "click_rollups", "visitor_rollups"):
                store.execute(
                    f"DELETE FROM {table} WHERE campaign_id = ? AND day = ?",
                    [campaign_id, yesterday],
                )

        m["first_report_after_day_end"] = once_each(
            lambda: reports.campaign_report(store, SLUG, None), runs, reopen_yesterday
        )
        m["roll_up_one_day"] = once_each(
            lambda: store.roll_up_day(campaign_id, yesterday), runs, reopen_yesterday
        )
        assert yesterday in store.rolled_up_days(campaign_id)

        # Today counted so far from scratch (tracker/store/partials.py), on
        # both databases: what a server's housekeeping does after a restart;
        # later rounds count only the clicks since the last.
        def forget_live_counts():
            for table in partials.TABLES:
                store.execute(f"DELETE FROM {table} WHERE campaign_id = ?", [campaign_id])

        m["count_live_from_scratch"] = once_each(
            lambda: store.count_live_days_so_far(campaign_id), runs, forget_live_counts
        )
        facts["today_counted"] = int(
            store.value(
                "SELECT COALESCE(SUM(clicks + bot_clicks), 0) AS n FROM click_partials "
                "WHERE campaign_id = ? AND day = ?",
                [campaign_id, today.isoformat()],
            )
        )
        m["count"] = timed(lambda: store.click_count(campaign_id), runs)
        for window in WINDOWS:
            m[f"report_{window or 'all'}"] = timed(
                lambda w=window: reports.campaign_report(store, SLUG, w), runs
            )
        m["report_full_scan"] = timed(
            lambda: reports.campaign_report(store, SLUG, None, rollups=False), heavy_runs
        )
        full_summaries = store.click_summaries(campaign_id, GROUPINGS, *ALL_DAYS, rollups=False)
        exact = {
            "report_all": m["report_full_scan"]["result"] == m["report_all"]["result"],
            "groupings": full_summaries == store.click_summaries(campaign_id, GROUPINGS, *ALL_DAYS),
        }
        for key in m:
            m[key].pop("result", None)  # the report document is not part of the output

        since = (
            "0000-01-01"
            if n <= FULL_RANGE_MAX
            else (today - timedelta(days=LARGE_EXPORT_DAYS - 1)).isoformat()
        )
        scan = (
            raw_scan_sqlite(url, campaign_id, since)
            if kind == "sqlite"
            else raw_scan_postgres(url, campaign_id, since)
        )
        # --runs of each even at 10M (about 10 s a run): one run on a shared
        # machine is one sample of its neighbours' load.
        m["raw_scan"] = timed(scan, runs)
        m["export"] = timed(lambda: run_export(store, None if n <= FULL_RANGE_MAX else since), runs)
        rows = m["export"]["result"]["rows"]
        for key in ("raw_scan", "export"):
            count = rows if key == "export" else m[key]["result"]
            m[key]["rows"] = count
            m[key]["rows_per_s_median"] = count / m[key]["median_s"]
            m[key]["rows_per_s_best"] = count / m[key]["min_s"]
        m["export"]["bytes"] = m["export"]["result"]["bytes"]
        m["export"]["mb_per_s_median"] = m["export"]["bytes"] / m["export"]["median_s"] / 1e6
        m["raw_scan"].pop("result")
        m["export"].pop("result")

        recent = (today - timedelta(days=2)).isoformat()
        memory = {
            "last_3_days": export_peak(store, recent),
            "all_days": export_peak(store, None if n <= FULL_RANGE_MAX else since),
        }
        log(f"[{kind} {n:,}] done")

        count_s = m["count"]["median_s"]
        ratios = {
            "report_7_over_count": m["report_7"]["median_s"] / count_s,
            "report_all_over_count": m["report_all"]["median_s"] / count_s,
            "report_all_over_full_scan": (
                m["report_all"]["median_s"] / m["report_full_scan"]["median_s"]
            ),
            "export_over_raw_rows_per_s": (
                m["export"]["rows_per_s_median"] / m["raw_scan"]["rows_per_s_median"]
            ),
        }
        return {
            "database": kind,
            "url": redact(url),
            "clicks": stored,
            "bot_clicks": bots,
            "sources": sources,
            "load": load,
            "orders": orders,
            "metrics": metrics,
            "measurements": m,
            "ratios": ratios,
            "export_memory": memory,
            "facts": facts,
            "exact": exact,
            "export_range": "all days"
            if n <= FULL_RANGE_MAX
            else f"the last {LARGE_EXPORT_DAYS} days",
        }
    finally:
        store.close()


# -- report --------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.2f} s"


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.2f} MiB"


def print_table(report: dict) -> None:
    c = report["config"]
    print()
    print(
        f"report/export benchmark: {', '.join(f'{n:,}' for n in c['clicks'])} clicks over "
        f"{c['days']} days, 10 creators, {c['runs']} runs each after a warm-up "
        f"(median / min); Python {c['python']}, SQLite {c['sqlite']}, {c['cpus']} CPUs"
    )
    for by_size in report["databases"].values():
        for r in by_size.values():
            print_one(r)
        print_scaling(by_size)
    if report.get("note"):
        print()
        print("!" * 72)
        print(f"!!! {report['note']}")
        print("!" * 72)


def print_one(r: dict) -> None:
    m, q, f = r["measurements"], r["ratios"], r["facts"]
    print()
    print(f"== {r['database']}  {r['clicks']:,} clicks  ({r['url']})")
    load = r["load"]
    print(
        f"load     {load['rows']:,} clicks in {load['seconds']:.1f} s = "
        f"{load['rows_per_s']:,.0f} rows/s with generation, "
        f"{load['db_rows_per_s']:,.0f} rows/s in the database ({load['batch']})"
    )
    sources = ", ".join(f"{k} {v:,}" for k, v in r["sources"].items())
    print(
        f"data     {r['clicks']:,} clicks ({r['bot_clicks'] / r['clicks']:.1%} bots; {sources}), "
        f"{r['orders']['orders']:,} orders, {r['metrics']['rows']:,} metrics rows"
    )
    print(
        f"live     {f['local_time']}: today {f['today_clicks']:,} clicks "
        f"({f.get('today_counted', 0):,} counted so far, the rest read from the log), "
        f"yesterday {f['yesterday_clicks']:,}"
    )
    print(
        f"catch-up {f['catch_up']['days']} ended days rolled up at once in "
        f"{ms(f['catch_up']['seconds'])}"
    )
    print()
    head = f"{'measure':<40} {'median':>11} {'min':>11} {'rows/s (median)':>16} {'ratio':>24}"
    print(head)
    print("-" * len(head))

    def line(label, key, rate=None, ratio=""):
        x = m[key]
        print(
            f"{label:<40} {ms(x['median_s']):>11} {ms(x['min_s']):>11} "
            f"{'' if rate is None else f'{rate:,.0f}':>16} {ratio:>24}"
        )

    count_s, full_s = m["count"]["median_s"], m["report_full_scan"]["median_s"]
    line("COUNT(*) campaign clicks (base)", "count")
    line("report, full scan (base)", "report_full_scan", ratio=f"{full_s / count_s:.1f}x count")
    for window in WINDOWS:
        key = f"report_{window or 'all'}"
        line(
            f"report window {window or 'all'}",
            key,
            ratio=f"{m[key]['median_s'] / count_s:.1f}x count, "
            f"{m[key]['median_s'] / full_s:.3f}x full",
        )
    warm_s = m["report_all"]["median_s"]
    line(
        "report all, yesterday not rolled up",
        "report_yesterday_live",
        ratio=f"{m['report_yesterday_live']['median_s'] / warm_s:.1f}x warm",
    )
    line(
        "first report after a day ends",
        "first_report_after_day_end",
        ratio=f"{m['first_report_after_day_end']['median_s'] / warm_s:.1f}x warm",
    )
    line("  of which: rolling up that one day", "roll_up_one_day")
    if "count_live_from_scratch" in m:
        line("counting today so far, from scratch", "count_live_from_scratch")
    line(
        f"raw cursor, {r['export_range']} (base)",
        "raw_scan",
        m["raw_scan"]["rows_per_s_median"],
    )
    line(
        "CSV export, bots included",
        "export",
        m["export"]["rows_per_s_median"],
        f"{q['export_over_raw_rows_per_s']:.2f}x raw rows/s",
    )
    e = m["export"]
    print()
    exact = r["exact"]
    print(
        f"exact    report(all) with rollups == full scan: {exact['report_all']}; "
        f"the four click groupings row for row: {exact['groupings']}"
    )
    print(
        f"export   {e['rows']:,} rows ({r['export_range']}), {e['bytes'] / 1e6:.1f} MB of CSV, "
        f"{e['mb_per_s_median']:.1f} MB/s (median); best {e['rows_per_s_best']:,.0f} rows/s"
    )
    mem = r["export_memory"]
    print(
        f"memory   tracemalloc peak growth during export: "
        f"{mib(mem['last_3_days']['peak_growth_bytes'])} for {mem['last_3_days']['rows']:,} rows "
        f"(last 3 days), {mib(mem['all_days']['peak_growth_bytes'])} for "
        f"{mem['all_days']['rows']:,} rows ({r['export_range']})"
    )


def print_scaling(by_size: dict) -> None:
    if len(by_size) < 2:
        return
    sizes = sorted(by_size)
    small, large = by_size[sizes[0]], by_size[sizes[-1]]
    print()
    print(
        f"== {large['database']}: report at {large['clicks']:,} over {small['clicks']:,} clicks "
        "(medians, same run)"
    )
    keys = [(f"report window {w or 'all'}", f"report_{w or 'all'}") for w in WINDOWS] + [
        ("report, full scan", "report_full_scan"),
        ("first report after a day ends", "first_report_after_day_end"),
    ]
    for label, key in keys:
        a, b = small["measurements"][key]["median_s"], large["measurements"][key]["median_s"]
        print(f"{label:<40} {ms(a):>11} -> {ms(b):>11}   {b / a:6.2f}x")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--clicks",
        default="200000",
        help="clicks to load; several (100000,10000000) run one after the other "
        "and compare (default %(default)s)",
    )
    p.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help="days the clicks spread over, up to today (default %(default)s)",
    )
    p.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        help="default: both when PostgreSQL answers at TRACKER_TEST_POSTGRES "
        f"({redact(PG_URL)}), else sqlite",
    )
    p.add_argument(
        "--runs", type=int, default=5, help="timed runs per measure (default %(default)s)"
    )
    p.add_argument(
        "--seed", type=int, default=1, help="random seed of the data (default %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = p.parse_args(argv)
    try:
        sizes = sorted({int(x.replace("_", "")) for x in args.clicks.split(",") if x.strip()})
    except ValueError:
        p.error("--clicks takes numbers separated by commas")
    if not sizes or sizes[0] < 1000:
        p.error("--clicks must be at least 1000")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.days < 3:
        p.error("--days must be at least 3")

    note = None
    problem = postgres_problem() if args.database != "sqlite" else None
    if args.database is None:
        if problem:
            note = (
                f"PostgreSQL NOT BENCHMARKED: {redact(PG_URL)} does not answer ({problem}); "
                "set TRACKER_TEST_POSTGRES to include it"
            )
            log(note)
            kinds = ["sqlite"]
        else:
            kinds = ["sqlite", "postgresql"]
    else:
        if problem:
            log(f"error: PostgreSQL at {redact(PG_URL)} does not answer ({problem})")
            return 2
        kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    schema = None
    results: dict[str, dict[int, dict]] = defaultdict(dict)
    try:
        for kind in kinds:
            for n in sizes:
                if kind == "sqlite":
                    url = str(tmp / f"bench-{n}.db")
                else:
                    schema, url = new_pg_schema()
                    log(f"[postgresql] schema {schema}")
                try:
                    results[kind][n] = bench_database(kind, url, n, args, args.seed)
                finally:
                    if schema:
                        drop_pg_schema(schema)
                        log(f"[postgresql] dropped schema {schema}")
                        schema = None
                    for leftover in tmp.glob(f"bench-{n}.db*"):
                        leftover.unlink()
        report = {
            "config": {
                "clicks": sizes,
                "runs": args.runs,
                "seed": args.seed,
                "days": args.days,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
            },
            "databases": results,
            "note": note,
        }
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print_table(report)
        return 0
    except Interrupted as exc:
        log(f"interrupted ({exc}); cleaning up")
        return 130
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if schema:
            try:
                drop_pg_schema(schema)
            except Exception as exc:
                log(f"could not drop schema {schema}: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
