"""Isolation benchmark: does a stats page, an export or a slow client make a redirect wait?

    .venv/bin/python bench/isolation.py [--clicks 1000000] [--duration 10]
                                        [--connections 16] [--slow 50]
                                        [--front gunicorn|deploy] [--json]

Builds one SQLite campaign of --clicks clicks over 30 days (the generator and
bulk loader of bench/report_export.py: 10 creators, real classifications),
then starts a real `tracker serve` on it, as `make run` does (its default
workers and threads), or with --front deploy gunicorn with
deploy/gunicorn.conf.py (the systemd unit's shape; the nginx in front is
left out: it would only add its own buffering). Then three phases of wrk
(bench/mix.lua on the campaign's short codes) of --duration seconds each:

  idle     redirects alone
  reports  redirects while 4 clients load the campaign's stats page in a
           loop and 1 downloads its CSV export in a loop
  slow     redirects while --slow slowloris connections (bench/slowloris.py)
           trickle header bytes

and prints each phase's redirect p50/p99, the ratios p99 (phase) / p99
(idle) (target < 2x), what the stats and export clients got done, and the
largest size of the SQLite WAL file seen in each phase (sampled every
100 ms). --server-path runs the server from another checkout (PYTHONPATH),
to compare with the code before a change on the same data.
Only loopback addresses are used; every loop stops with its phase.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import BENCH, HOST, ROOT, Interrupted, log, on_signal, rerun_in_venv

try:
    import report_export
    from redirect import Procs, ensure_wrk, free_port, parse_wrk, tail, tracker_cli, wait_ready
    from slowloris import SlowLoris

    from tracker import access
    from tracker.serve import default_workers
    from tracker.store import open_store
except ImportError:  # not the project's venv: re-run under it
    rerun_in_venv(__file__)

TARGET = 2.0


def build(db: str, clicks: int, seed: int = 1) -> dict:
    """The campaign of bench/report_export.py, its clicks bulk-loaded."""
    rng = random.Random(seed)
    store = open_store(db)
    try:
        store.migrate()
        fx = report_export.build_campaign(store, rng, report_export.DEFAULT_DAYS)
        log(f"loading {clicks:,} clicks")
        load = report_export.load_clicks(store, "sqlite", db, fx, clicks, rng)
        log(f"loaded in {load['seconds']:.1f} s ({load['rows_per_s']:,.0f} rows/s)")
        # As on a server that has been running: ended days rolled up, today
        # counted so far (a fresh bulk load would have the first minutes of
        # the run spent on that backlog instead).
        t0 = time.perf_counter()
        store.roll_up_ended_days()
        store.count_live_days_so_far()
        log(f"rolled up and counted in {time.perf_counter() - t0:.1f} s")
        codes = [link["code"] for c in fx["creators"] for link in c["links"].values()]
        share = access.share_link(store, "http://x", report_export.SLUG, expires="1d")["url"]
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return {"codes": codes, "share": urlsplit(share).query}


class Loop(threading.Thread):
    """GET a path again and again until stopped; counts, times, bytes."""

    def __init__(self, port: int, path: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.path, self.stop = port, path, stop
        self.times: list[float] = []
        self.statuses: dict[int, int] = {}
        self.bytes = 0

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
                conn.request("GET", self.path)
                resp = conn.getresponse()
                while True:
                    chunk = resp.read(65536)
                    if not chunk or self.stop.is_set():
                        break
                    self.bytes += len(chunk)
                conn.close()
                status = resp.status
            except OSError:
                status = 0
            if self.stop.is_set() and status == 200 and not self.times:
                pass
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.times.append(time.monotonic() - started)
            if status != 200:
                time.sleep(0.5)


class WalWatch(threading.Thread):
    def __init__(self, db: str):
        super().__init__(daemon=True)
        self.path = db + "-wal"
        self.max = 0
        self.stop = threading.Event()

    def size(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def run(self):
        while not self.stop.wait(0.1):
            self.max = max(self.max, self.size())


def wrk_phase(wrk: str, port: int, codes: list[str], args, tmp: Path, name: str) -> dict:
    cmd = [
        wrk,
        "-t2",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "-s",
        str(BENCH / "mix.lua"),
        f"http://{HOST}:{port}",
        "--",
        *codes,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 120)
    (tmp / f"{name}.wrk.txt").write_text(out.stdout)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr}")
    return parse_wrk(out.stdout)


def start_server(procs: Procs, args, db: str, port: int, tmp: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    if args.server_path:
        env["PYTHONPATH"] = str(Path(args.server_path).resolve())
    env.update(kv.split("=", 1) for kv in args.env)
    logfile = tmp / "server.log"
    if args.front == "deploy":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        conf = Path(args.server_path or ROOT) / "deploy" / "gunicorn.conf.py"
        env.update(TRACKER_DATABASE=db, TRACKER_BIND=f"{HOST}:{port}")
        argv = [gunicorn, "--config", str(conf)]
    else:
        argv = [tracker_cli(), "--db", db, "serve", "--host", HOST, "--port", str(port)]
    log(f"starting: {' '.join(argv)}")
    with open(logfile, "wb") as lf:
        server = procs.start(argv, stdout=lf, stderr=subprocess.STDOUT, cwd=str(tmp), env=env)
    wait_ready(server, port, "/healthz", lambda s: s == 200, default_workers(db), logfile)
    return server, logfile


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clicks", type=int, default=1_000_000)
    p.add_argument("--duration", type=int, default=10, help="seconds of wrk per phase")
    p.add_argument("--connections", type=int, default=16, help="wrk connections")
    p.add_argument("--slow", type=int, default=50, help="slowloris connections in phase 3")
    p.add_argument(
        "--front",
        choices=["gunicorn", "deploy"],
        default="gunicorn",
        help="tracker serve (make run), or gunicorn with deploy/gunicorn.conf.py",
    )
    p.add_argument("--phases", default="idle,reports,slow")
    p.add_argument("--server-path", help="run the server from this checkout (PYTHONPATH)")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server, e.g. TRACKER_THREADS=8 (repeatable)",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    phases = args.phases.split(",")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    procs = Procs()
    tmp = Path(tempfile.mkdtemp(prefix="tracker-isolation-"))
    try:
        wrk = ensure_wrk()
        db = str(tmp / "bench.db")
        data = build(db, args.clicks)
        port = free_port()
        server, logfile = start_server(procs, args, db, port, tmp)
        slug = report_export.SLUG
        results: dict = {}
        for phase in phases:
            watch = WalWatch(db)
            watch.start()
            stop = threading.Event()
            loops: list[Loop] = []
            attack = None
            if phase == "reports":
                loops = [Loop(port, f"/stats/{slug}?{data['share']}", stop) for _ in range(4)]
                loops.append(
                    Loop(port, f"/stats/{slug}/clicks.csv?{data['share']}&include_bots=1", stop)
                )
                for loop in loops:
                    loop.start()
                time.sleep(1.0)  # the reports are under way
            elif phase == "slow":
                attack = SlowLoris(
                    HOST, port, count=args.slow, every=2.0, limit=args.duration + 60
                ).start()
                time.sleep(3.0)
            log(f"[{phase}] wrk -c{args.connections} -d{args.duration}s")
            r = wrk_phase(wrk, port, data["codes"], args, tmp, phase)
            stop.set()
            if attack is not None:
                r["slow_open_at_end"] = attack.open
                r["slow_opened"] = attack.opened
                attack.stop()
            for loop in loops:
                loop.join(30)
            watch.stop.set()
            watch.join()
            r["wal_max_mb"] = watch.max / 1e6
            if loops:
                stats, export = loops[:4], loops[4]
                times = sorted(t for lp in stats for t in lp.times)
                r["stats_pages"] = sum(lp.statuses.get(200, 0) for lp in stats)
                r["stats_statuses"] = {}
                for lp in stats:
                    for k, v in lp.statuses.items():
                        r["stats_statuses"][k] = r["stats_statuses"].get(k, 0) + v
                r["stats_median_s"] = times[len(times) // 2] if times else None
                r["exports"] = export.statuses
                r["export_mb"] = export.bytes / 1e6
            time.sleep(1.5)
            r["wal_after_mb"] = watch.size() / 1e6
            results[phase] = r
            log(
                f"[{phase}] p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, {r['rps']:.0f} req/s, "
                f"WAL max {r['wal_max_mb']:.1f} MB"
            )
        if server.poll() is not None:
            raise RuntimeError(f"server died:\n{tail(logfile)}")
        idle = results.get("idle")
        for name, r in results.items():
            if idle and name != "idle" and idle["p99_ms"]:
                if not r["requests"]:  # not one redirect answered
                    r["p99_over_idle"] = r["p50_over_idle"] = float("inf")
                else:
                    r["p99_over_idle"] = r["p99_ms"] / idle["p99_ms"]
                    r["p50_over_idle"] = r["p50_ms"] / idle["p50_ms"]
        report = {
            "config": {
                "clicks": args.clicks,
                "duration": args.duration,
                "connections": args.connections,
                "slow": args.slow,
                "front": args.front,
                "server_path": args.server_path,
                "env": args.env,
                "cpus": os.cpu_count(),
            },
            "phases": results,
        }
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print_table(report)
        return 0
    except Interrupted as exc:
        log(f"interrupted ({exc})")
        return 130
    except RuntimeError as exc:
        log(f"error: {exc}")
        return 2
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def print_table(report: dict) -> None:
    c = report["config"]
    print()
    print(
        f"isolation benchmark: {c['clicks']:,} clicks (SQLite), front {c['front']}"
        f"{' from ' + c['server_path'] if c['server_path'] else ''}"
        f"{' ' + ' '.join(c['env']) if c['env'] else ''}, wrk -t2 "
        f"-c{c['connections']} -d{c['duration']}s per phase, {c['cpus']} CPUs"
    )
    print()
    head = (
        f"{'phase':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99/idle':>9} "
        f"{'non-3xx':>8} {'sock err':>8} {'WAL max MB':>10} {'WAL after':>9}"
    )
    print(head)
    print("-" * len(head))
    for name, r in report["phases"].items():
        ratio = r.get("p99_over_idle")
        print(
            f"{name:<8} {r['rps']:>8.0f} {r['p50_ms'] or 0:>8.2f} {r['p99_ms'] or 0:>8.2f} "
            f"{'-' if ratio is None else f'{ratio:.2f}x':>9} {r['non_2xx_3xx']:>8} "
            f"{r['socket_errors_total']:>8} {r['wal_max_mb']:>10.1f} {r['wal_after_mb']:>9.1f}"
        )
    print()
    for name, r in report["phases"].items():
        if "stats_pages" in r:
            med = r["stats_median_s"]
            print(
                f"{name}: stats pages answered {r['stats_pages']} (statuses "
                f"{r['stats_statuses']}, median {'-' if med is None else f'{med:.2f} s'}); "
                f"exports {r['exports']}, {r['export_mb']:.0f} MB of CSV"
            )
        if "slow_open_at_end" in r:
            print(
                f"{name}: slowloris connections open at the end {r['slow_open_at_end']}, "
                f"opened in all {r['slow_opened']}"
            )
        ratio = r.get("p99_over_idle")
        if ratio is not None:
            shown = "no redirect answered" if ratio == float("inf") else f"{ratio:.2f}x"
            print(
                f"{name}: redirect p99 / idle p99 = {shown}   target < {TARGET}x   "
                f"{'PASS' if ratio < TARGET else 'MISS'}"
            )


if __name__ == "__main__":
    sys.exit(main())
