"""Report and export benchmark: the real report and CSV export against plain queries.

    .venv/bin/python bench/report_export.py [--clicks 200000]
                                            [--database sqlite|postgresql|both]
                                            [--runs 5] [--json]

For each database (a temp SQLite file; a fresh schema in the PostgreSQL at
TRACKER_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test,
dropped at the end) this builds one campaign: 10 creators (tiktok and
instagram), a bio, an ad and an "other" link each (the last gives the
"unknown" source), promo codes. It then loads N clicks over the last 30 days
(8% bots, visitor hashes that repeat within a day, `day` = the campaign's
local day) in batches with store.copy_rows() inside store.transaction(); a
bench fixture, not the click path. About 2% of the human clicks become orders
(imports.save_redemptions, with click_id) and there are daily platform
metrics (imports.save_metrics).

Measured, after one warm-up run, over --runs runs (median and min):

  count        SELECT COUNT(*) over the campaign's clicks       (baseline)
  report 7     reports.campaign_report(store, slug, 7)
  report all   reports.campaign_report(store, slug, None)
  raw scan     a plain cursor over SELECT * FROM clicks WHERE campaign_id = ?,
               streamed like the export (SQLite fetchmany, PostgreSQL a
               server-side cursor, 1000 rows a fetch)             (baseline)
  export       export.csv_chunks(export.click_rows(..., include_bots=True)):
               every row through to CSV text, encoded to UTF-8 bytes

and the peak of Python memory allocated during an export (tracemalloc, in
separate runs, since tracing slows Python down) for the last 3 days and for
all 30: the same peak for ~10x the rows means memory does not grow with the
export. The numbers are informative; nothing here fails a build.
"""
from __future__ import annotations

import argparse
import base64
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
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from common import (PG_URL, Interrupted, drop_pg_schema, log, new_pg_schema, on_signal,
                    postgres_problem, rerun_in_venv)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

try:
    import psycopg

    from tracker import campaigns, imports, reports
    from tracker.reports import export
    from tracker.classify import classify, referrer_host
    from tracker.demo import BOT_AGENTS, HUMAN_AGENTS, metrics_record
    from tracker.store import open_store
    from tracker.store.clicks import CLICK_COLUMNS
    from tracker.validate import iso_utc
except ImportError:  # not the project's venv: re-run under it
    rerun_in_venv(__file__)

SLUG = "bench-report"
TIMEZONE = "Europe/Berlin"
DAYS = 30
BATCH = 5000
BOT_SHARE = 0.08
ORDER_SHARE = 0.02
# Where a creator's clicks go: the bio link, the ad link, the "other" link.
CHANNEL_MIX = (("bio", 0.55), ("ad", 0.40), ("other", 0.05))
# Clicks by local hour: quiet at night, busy in the evening.
HOUR_WEIGHTS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 4, 4.5,
                5, 5, 4.5, 4.5, 5, 6, 7, 8, 8.5, 8, 6, 3]
# Where clicks come from (None: a private or unlisted address) and in which language.
COUNTRY_MIX = (("DE", 50), ("AT", 10), ("CH", 8), ("US", 8), ("GB", 4), ("NL", 3), ("FR", 3),
               ("PL", 2), ("BR", 2), ("IN", 2), ("TR", 1), (None, 7))
LANGUAGE_MIX = (("de", 60), ("en", 25), ("fr", 4), ("nl", 3), ("pl", 2), ("tr", 1), (None, 5))


def redact(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}@{host}"


# -- the campaign ------------------------------------------------------------------

def build_campaign(store, rng: random.Random) -> dict:
    """Campaign, 10 creators, 3 links and 2 promo codes each; per link the
    click templates (real classification of real user agents)."""
    tz = ZoneInfo(TIMEZONE)
    today = datetime.now(tz).date()
    start = today - timedelta(days=DAYS - 1)
    campaigns.create_campaign(store, SLUG, "Report benchmark", "https://shop.example.com/launch",
                          start.isoformat(), TIMEZONE, "USD", "25000")
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
            code = campaigns.create_link(store, "http://bench.invalid", SLUG, handle, channel)["code"]
            made[channel] = store.link(code)
        creators.append({
            "handle": handle, "platform": platform_, "promo": promo,
            # Long-tailed traffic: a few creators bring most clicks.
            "share": 1.0 / (i + 1) ** 0.8,
            "peak": rng.randrange(DAYS - 5),
            "links": made,
        })
    campaign = store.campaign(SLUG)
    ids = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    link_ids = {}
    for c in creators:
        c["id"] = ids[c["handle"]]
        for channel, link in c["links"].items():
            link_ids[(c["handle"], channel)] = link_id(store, link["code"])
        c["templates"] = {channel: click_templates(rng, c["platform"], channel)
                          for channel, _ in CHANNEL_MIX}
    return {"campaign": campaign, "creators": creators, "link_ids": link_ids,
            "start": start, "today": today, "tz": tz}


def link_id(store, code: str) -> int:
    return store.one("SELECT id FROM links WHERE code = ?", [code])["id"]


def click_templates(rng: random.Random, platform_: str, channel: str) -> dict:
    """{'human': [...], 'bot': [...]}: click fields as the redirect would store them."""
    def one(agent: str, query: list, referrer: str | None) -> dict:
        found = classify(channel, query, referrer, agent, platform_)
        a = found.agent
        return {"referrer": referrer, "referrer_host": referrer_host(referrer),
                "user_agent": agent, "device": a.device, "os": a.os, "browser": a.browser,
                "in_app": a.in_app, "source": found.source, "platform": found.platform,
                "reason": found.reason, "ad_click_id": found.ad_click_id,
                "is_bot": int(found.is_bot), "qr": 0,
                "country": rng.choices(*zip(*COUNTRY_MIX))[0],
                "language": rng.choices(*zip(*LANGUAGE_MIX))[0]}

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
            query = ([("ttclid", f"E.C.P.{rng.getrandbits(48):x}")] if platform_ == "tiktok"
                     else [("utm_source", "instagram"), ("utm_medium", "paid_social")])
        elif channel == "bio" and platform_ == "instagram" and rng.random() < 0.3:
            query = [("igshid", f"{rng.getrandbits(40):x}")]
        human.append(one(agent, query, referrer))
        if channel == "bio" and n % 10 == 0:      # a tenth of bio clicks scan a QR code
            human[-1].update(qr=1, reason=human[-1]["reason"] + "; QR scan")
    bots = [one(agent, [], None) for agent in BOT_AGENTS]
    return {"human": human, "bot": bots}


# -- clicks ------------------------------------------------------------------------

def curve(day: int, peak: int) -> float:
    """Attention after a post: a little before it, a spike, a long tail."""
    if day < peak:
        return 0.1
    return 0.15 + math.exp(-(day - peak) / 5.0)


def new_id(rng: random.Random) -> str:
    """Like redirect.new_click_id (96 bits, URL-safe, alphanumeric first), seeded."""
    while True:
        token = base64.urlsafe_b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode()
        if token[0].isalnum():
            return token


def visitor_hash(day: str, who: str) -> str:
    return hashlib.blake2b(f"{day}\n{who}".encode(), digest_size=10).hexdigest()


def generate_clicks(fx: dict, n: int, rng: random.Random, sink) -> None:
    """n click rows, day by day in time order, handed to sink(row).

    Each click also goes to fx['orders'] (about 2% of humans) and to the
    per-day human counts that the metrics rows follow.
    """
    creators, tz, start = fx["creators"], fx["tz"], fx["start"]
    now = datetime.now(timezone.utc)
    cells = [(d, ci) for d in range(DAYS) for ci in range(len(creators))]
    weights = [creators[ci]["share"] * curve(d, creators[ci]["peak"]) for d, ci in cells]
    counts = Counter(rng.choices(range(len(cells)), weights=weights, k=n))
    channels = [c for c, _ in CHANNEL_MIX]
    channel_weights = [w for _, w in CHANNEL_MIX]
    hours = list(range(24))
    fx["orders"], fx["human_counts"] = [], Counter()
    for d in range(DAYS):
        local_date = start + timedelta(days=d)
        day = local_date.isoformat()
        day_total = sum(counts.get(d * len(creators) + ci, 0) for ci in range(len(creators)))
        people = max(day_total * 6 // 10, 5)      # ~1.7 clicks per human visitor a day
        rows = []
        for ci, creator in enumerate(creators):
            k = counts.get(d * len(creators) + ci, 0)
            if not k:
                continue
            picked_channels = rng.choices(channels, channel_weights, k=k)
            picked_hours = rng.choices(hours, HOUR_WEIGHTS, k=k)
            for channel, hour in zip(picked_channels, picked_hours):
                bot = rng.random() < BOT_SHARE
                t = rng.choice(creator["templates"][channel]["bot" if bot else "human"])
                local = datetime(local_date.year, local_date.month, local_date.day, hour,
                                 rng.randrange(60), rng.randrange(60), rng.randrange(1_000_000),
                                 tzinfo=tz)
                moment = min(local.astimezone(timezone.utc), now)
                who = f"bot{rng.randrange(40)}" if bot else f"person{rng.randrange(people)}"
                row = dict(t)
                row.update({
                    "id": new_id(rng), "link_id": fx["link_ids"][(creator["handle"], channel)],
                    "campaign_id": fx["campaign"]["id"], "creator_id": creator["id"],
                    "at": iso_utc(moment), "day": day, "visitor": visitor_hash(day, who),
                })
                if t["ad_click_id"] is not None:
                    row["ad_click_id"] = f"E.C.P.{rng.getrandbits(48):x}"
                if not bot:
                    fx["human_counts"][(creator["handle"], row["source"], day)] += 1
                    if rng.random() < ORDER_SHARE:
                        fx["orders"].append((row["id"], moment, creator, row["source"]))
                rows.append(row)
        rows.sort(key=lambda r: r["at"])
        for row in rows:
            sink({c: row[c] for c in CLICK_COLUMNS})


def load_clicks(store, fx: dict, n: int, rng: random.Random) -> dict:
    batch: list[dict] = []
    db_seconds = 0.0

    def flush():
        nonlocal db_seconds
        t0 = time.perf_counter()
        with store.transaction():
            store.copy_rows("clicks", batch)
        db_seconds += time.perf_counter() - t0
        batch.clear()

    def sink(row):
        batch.append(row)
        if len(batch) >= BATCH:
            flush()

    t0 = time.perf_counter()
    generate_clicks(fx, n, rng, sink)
    if batch:
        flush()
    total = time.perf_counter() - t0
    return {"rows": n, "seconds": total, "db_seconds": db_seconds,
            "rows_per_s": n / total, "db_rows_per_s": n / db_seconds if db_seconds else None,
            "batch": BATCH}


def load_orders(store, fx: dict, rng: random.Random) -> dict:
    """Orders through the real importer, each with its click token; 60% also
    carry the creator's promo code (the ad code for sponsored clicks)."""
    tz, now = fx["tz"], datetime.now(timezone.utc)
    records = []
    for line, (click_id, moment, creator, source) in enumerate(fx["orders"], 2):
        bought = min(moment + timedelta(minutes=rng.randrange(2, 90)), now)
        code = ""
        if rng.random() < 0.6:
            code = creator["promo"] + ("-ad" if source == "sponsored" else "")
        records.append((line, {
            "order_id": f"#B{100000 + line}", "code": code, "click_id": click_id,
            "amount": f"{rng.choice([29, 39, 49, 59, 79, 89])}.{rng.choice(['00', '50', '99'])}",
            "currency": "USD", "redeemed_at": bought.astimezone(tz).isoformat()}))
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
    return {"median_s": statistics.median(times), "min_s": min(times), "runs_s": times,
            "result": result}


def run_export(store, since: str | None = None) -> dict:
    rows = 0
    size = 0

    def counted(it):
        nonlocal rows
        for row in it:
            rows += 1
            yield row

    for chunk in export.csv_chunks(counted(export.click_rows(store, SLUG, since=since,
                                                              include_bots=True))):
        size += len(chunk.encode("utf-8"))
    return {"rows": rows - 1, "bytes": size}   # without the header


def export_peak(store, since: str | None) -> dict:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = run_export(store, since)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"rows": out["rows"], "peak_growth_bytes": peak - before,
            "retained_bytes": after - before}


def raw_scan_sqlite(path: str, campaign_id: int):
    def scan() -> int:
        conn = sqlite3.connect(path)
        try:
            cur = conn.execute("SELECT * FROM clicks WHERE campaign_id = ?", (campaign_id,))
            n = 0
            while True:
                rows = cur.fetchmany(1000)
                if not rows:
                    return n
                n += len(rows)
        finally:
            conn.close()
    return scan


def raw_scan_postgres(url: str, campaign_id: int):
    def scan() -> int:
        with psycopg.connect(url) as conn, conn.transaction():
            with conn.cursor(name="bench_raw") as cur:
                cur.itersize = 1000
                cur.execute("SELECT * FROM clicks WHERE campaign_id = %s", (campaign_id,))
                n = 0
                for _row in cur:
                    n += 1
                return n
    return scan


def bench_database(kind: str, url: str, args, seed: int) -> dict:
    rng = random.Random(seed)
    store = open_store(url)
    try:
        store.migrate()
        log(f"[{kind}] building the campaign")
        fx = build_campaign(store, rng)
        campaign_id = fx["campaign"]["id"]
        log(f"[{kind}] loading {args.clicks} clicks in batches of {BATCH}")
        load = load_clicks(store, fx, args.clicks, rng)
        log(f"[{kind}] loaded {load['rows']} clicks in {load['seconds']:.1f} s "
            f"({load['rows_per_s']:,.0f} rows/s; in copy_rows {load['db_rows_per_s']:,.0f} rows/s)")
        orders = load_orders(store, fx, rng)
        metrics = load_metrics(store, fx, rng)
        log(f"[{kind}] {orders['orders']} orders ({orders['seconds']:.1f} s), "
            f"{metrics['rows']} metrics rows ({metrics['seconds']:.1f} s)")
        if kind == "postgresql":
            # What autovacuum does to a table this size shortly after a load;
            # done now so that it does not run in the middle of a measurement.
            for table in ("clicks", "orders", "metrics"):
                store.execute(f"VACUUM ANALYZE {table}")
        stored = store.click_count(campaign_id)
        bots = store.one("SELECT SUM(is_bot) AS n FROM clicks WHERE campaign_id = ?",
                         [campaign_id])["n"]
        sources = {r["source"]: r["n"] for r in store.query(
            "SELECT source, COUNT(*) AS n FROM clicks WHERE campaign_id = ? "
            "GROUP BY source ORDER BY source", [campaign_id])}

        runs = args.runs
        log(f"[{kind}] measuring, {runs} runs each after a warm-up")
        m = {}
        m["count"] = timed(lambda: store.click_count(campaign_id), runs)
        m["report_7"] = timed(lambda: reports.campaign_report(store, SLUG, 7), runs)
        m["report_all"] = timed(lambda: reports.campaign_report(store, SLUG, None), runs)
        scan = (raw_scan_sqlite(url, campaign_id) if kind == "sqlite"
                else raw_scan_postgres(url, campaign_id))
        m["raw_scan"] = timed(scan, runs)
        m["export"] = timed(lambda: run_export(store), runs)
        for key in ("count", "report_7", "report_all"):
            m[key]["result"] = None       # the report document is not part of the output
        rows = m["export"]["result"]["rows"]
        for key in ("raw_scan", "export"):
            n = rows if key == "export" else m[key]["result"]
            m[key]["rows"] = n
            m[key]["rows_per_s_median"] = n / m[key]["median_s"]
            m[key]["rows_per_s_best"] = n / m[key]["min_s"]
        m["export"]["bytes"] = m["export"]["result"]["bytes"]
        m["export"]["mb_per_s_median"] = m["export"]["bytes"] / m["export"]["median_s"] / 1e6

        recent = (fx["today"] - timedelta(days=2)).isoformat()
        memory = {"last_3_days": export_peak(store, recent), "all_days": export_peak(store, None)}
        log(f"[{kind}] done")

        count_s = m["count"]["median_s"]
        ratios = {
            "report_7_over_count": m["report_7"]["median_s"] / count_s,
            "report_all_over_count": m["report_all"]["median_s"] / count_s,
            "export_over_raw_rows_per_s": (m["export"]["rows_per_s_median"]
                                           / m["raw_scan"]["rows_per_s_median"]),
        }
        return {"database": kind, "url": redact(url), "clicks": stored, "bot_clicks": bots,
                "sources": sources, "load": load, "orders": orders, "metrics": metrics,
                "measurements": m, "ratios": ratios, "export_memory": memory}
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
    print(f"report/export benchmark: {c['clicks']:,} clicks over {DAYS} days, 10 creators, "
          f"{c['runs']} runs each after a warm-up (median / min); Python {c['python']}, "
          f"{c['cpus']} CPUs")
    for r in report["databases"].values():
        m, q = r["measurements"], r["ratios"]
        print()
        print(f"== {r['database']}  ({r['url']})")
        load = r["load"]
        print(f"load     {load['rows']:,} clicks in {load['seconds']:.1f} s = "
              f"{load['rows_per_s']:,.0f} rows/s with generation, "
              f"{load['db_rows_per_s']:,.0f} rows/s in copy_rows (batches of {load['batch']:,})")
        sources = ", ".join(f"{k} {v:,}" for k, v in r["sources"].items())
        print(f"data     {r['clicks']:,} clicks ({r['bot_clicks'] / r['clicks']:.1%} bots; {sources}), "
              f"{r['orders']['orders']:,} orders, {r['metrics']['rows']:,} metrics rows")
        print()
        head = f"{'measure':<34} {'median':>11} {'min':>11} {'rows/s (median)':>16} {'ratio':>22}"
        print(head)
        print("-" * len(head))

        def line(label, key, rate=None, ratio="", m=m):
            x = m[key]
            print(f"{label:<34} {ms(x['median_s']):>11} {ms(x['min_s']):>11} "
                  f"{'' if rate is None else f'{rate:,.0f}':>16} {ratio:>22}")

        line("COUNT(*) campaign clicks (base)", "count")
        line("report window 7", "report_7", ratio=f"{q['report_7_over_count']:.1f}x count")
        line("report window all", "report_all", ratio=f"{q['report_all_over_count']:.1f}x count")
        line("raw cursor SELECT * (base)", "raw_scan", m["raw_scan"]["rows_per_s_median"])
        line("CSV export, bots included", "export", m["export"]["rows_per_s_median"],
             f"{q['export_over_raw_rows_per_s']:.2f}x raw rows/s")
        e = m["export"]
        print()
        print(f"export   {e['rows']:,} rows, {e['bytes'] / 1e6:.1f} MB of CSV, "
              f"{e['mb_per_s_median']:.1f} MB/s (median); best {e['rows_per_s_best']:,.0f} rows/s")
        mem = r["export_memory"]
        print(f"memory   tracemalloc peak growth during export: "
              f"{mib(mem['last_3_days']['peak_growth_bytes'])} for {mem['last_3_days']['rows']:,} rows "
              f"(last 3 days), {mib(mem['all_days']['peak_growth_bytes'])} for "
              f"{mem['all_days']['rows']:,} rows (all)")
    if report.get("note"):
        print()
        print("!" * 72)
        print(f"!!! {report['note']}")
        print("!" * 72)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clicks", type=int, default=200_000, help="clicks to load (default %(default)s)")
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"),
                   help="default: both when PostgreSQL answers at TRACKER_TEST_POSTGRES "
                        f"({redact(PG_URL)}), else sqlite")
    p.add_argument("--runs", type=int, default=5, help="timed runs per measure (default %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the data (default %(default)s)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = p.parse_args(argv)
    if args.clicks < 1000:
        p.error("--clicks must be at least 1000")
    if args.runs < 1:
        p.error("--runs must be at least 1")

    note = None
    problem = postgres_problem() if args.database != "sqlite" else None
    if args.database is None:
        if problem:
            note = (f"PostgreSQL NOT BENCHMARKED: {redact(PG_URL)} does not answer ({problem}); "
                    "set TRACKER_TEST_POSTGRES to include it")
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
    results = {}
    try:
        for kind in kinds:
            if kind == "sqlite":
                url = str(tmp / "bench.db")
            else:
                schema, url = new_pg_schema()
                log(f"[postgresql] schema {schema}")
            try:
                results[kind] = bench_database(kind, url, args, args.seed)
            finally:
                if schema:
                    drop_pg_schema(schema)
                    log(f"[postgresql] dropped schema {schema}")
                    schema = None
        report = {"config": {"clicks": args.clicks, "runs": args.runs, "seed": args.seed,
                             "days": DAYS, "batch": BATCH, "cpus": os.cpu_count(),
                             "python": platform.python_version(),
                             "sqlite": sqlite3.sqlite_version},
                  "databases": results, "note": note}
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
