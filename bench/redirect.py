"""Redirect benchmark: the real `tracker serve` against two baselines.

    .venv/bin/python bench/redirect.py [--duration 10] [--connections 64]
                                       [--workers N] [--threads 2] [--json]
                                       [--worker-class sync|gthread|tracker]

Three servers run one after another, each under gunicorn with the options of
`tracker serve` (tracker.serve.DEFAULTS) and the same worker count:

  bare-wsgi   a plain WSGI callable: 302 Found, fixed Location
  flask-dict  a minimal Flask app: @app.get("/<code>") -> dict -> redirect()
  tracker     `tracker serve` on a fresh SQLite DB (8 real short codes)

--worker-class runs all three under another gunicorn worker class (the
tracker then through bench/baselines.py, which loads the same app): `sync`
(one request per process), `gthread` (gunicorn's threads) or `tracker`
(tracker.worker.TrackerWorker, what `tracker serve` uses: gthread whose event
loop reads request heads). Threads per worker: tracker.serve.DEFAULTS.

Each is loaded by wrk (bench/mix.lua: codes x query strings x real user
agents, some with Referer) from a second process on this machine. Printed:
req/s, p50/p99 latency, errors, and, for the real run, clicks stored in
SQLite vs 302s answered. The numbers are informative; nothing here fails a
build. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import (
    BENCH,
    HOST,
    PG_URL,
    ROOT,
    Interrupted,
    drop_pg_schema,
    log,
    new_pg_schema,
    on_signal,
    postgres_problem,
    rerun_in_venv,
)

try:
    from tracker.serve import DEFAULTS, default_workers
except ImportError:  # not the project's venv: re-run under it
    rerun_in_venv(__file__)

WORKER_CLASSES = {"sync": "sync", "gthread": "gthread", "tracker": DEFAULTS["worker_class"]}
TARGET_VS_FLASK = 0.8
TARGET_VS_BARE = 0.5
TARGET_P99_OVER_P50 = 2.0

CREATORS = [
    ("mia.moves", "tiktok"),
    ("leo.cooks", "tiktok"),
    ("ana.styles", "instagram"),
    ("sam.lifts", "instagram"),
]


# -- wrk --------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if sudo and not shutil.which("sudo"):
        sys.exit("bench: wrk is missing and this is not root (no sudo): apt-get install wrk")
    log(
        f"wrk not found; installing Debian's wrk: {' '.join(sudo + ['apt-get', 'update', '-qq'])}"
        f" && {' '.join(sudo + ['apt-get', 'install', '-y', '-qq', 'wrk'])}"
    )
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        sudo + ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
    )
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: apt-get finished but wrk is still not on PATH")
    log(f"installed {found}")
    return found


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "wrk"


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unparsable wrk time {text!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse_wrk(out: str) -> dict:
    def grab(pattern, cast=float, default=None):
        m = re.search(pattern, out, re.MULTILINE)
        return cast(m.group(1)) if m else default

    result = {
        "requests": grab(r"^\s*(\d+) requests in ", int, 0),
        "rps": grab(r"^Requests/sec:\s+([\d.]+)", float, 0.0),
        "p50_ms": None,
        "p75_ms": None,
        "p90_ms": None,
        "p99_ms": None,
        "non_2xx_3xx": grab(r"Non-2xx or 3xx responses:\s+(\d+)", int, 0),
        "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
    }
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE)
        if m:
            result[f"p{pct}_ms"] = to_ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        result["socket_errors"] = dict(
            zip(("connect", "read", "write", "timeout"), map(int, m.groups()))
        )
    result["socket_errors_total"] = sum(result["socket_errors"].values())
    # From bench/mix.lua's response()/done() hooks.
    n302 = grab(r"^BENCH 302=(\d+)", int)
    result["other_statuses"] = {
        s: int(n) for s, n in re.findall(r"^BENCH status (\d+)=(\d+)", out, re.MULTILINE)
    }
    if n302 is not None:
        result["answered_302"] = n302
        result["count_302_method"] = "lua response() hook (status == 302)"
    else:
        result["answered_302"] = result["requests"] - result["non_2xx_3xx"]
        result["count_302_method"] = "wrk total requests - Non-2xx or 3xx responses"
    return result


# -- processes --------------------------------------------------------------------


class Procs:
    """Every child runs in its own session; stop() kills the whole group."""

    def __init__(self):
        self.running: list[subprocess.Popen] = []

    def start(self, argv, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(argv, start_new_session=True, **kw)
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 25.0) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # gunicorn: graceful stop
            except ProcessLookupError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Reap the group even if the leader is gone (orphaned workers).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.running):
            self.stop(proc, grace=5.0)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 2.0) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "bench-readiness"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def process_stats():
    """(pid, fields after the command name) of every process in /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        yield int(entry), stat[stat.rfind(")") + 2 :].split()


def children_of(pid: int) -> int:
    return sum(1 for _, fields in process_stats() if len(fields) > 1 and int(fields[1]) == pid)


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of a server and its workers (its process group)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f[11]) + int(f[12]) for _, f in process_stats() if int(f[2]) == pid) / ticks


def postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL server process on this machine
    (the database side of a run; other users of the same server count too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid, f in process_stats():
        try:
            with open(f"/proc/{pid}/comm") as c:
                if c.read().strip() != "postgres":
                    continue
        except OSError:
            continue
        total += int(f[11]) + int(f[12])
    return total / ticks


def wait_ready(
    proc, port: int, path: str, ok, workers: int, logfile: Path, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    answered = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(logfile)}")
        if not answered:
            try:
                answered = ok(http_get(port, path))
            except OSError:
                pass
        # Load only once every worker has booted (and loaded its app).
        if answered and children_of(proc.pid) >= workers:
            warm_up(port, path, workers)
            return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} not ready after {timeout:.0f}s:\n{tail(logfile)}")


def warm_up(port: int, path: str, workers: int) -> None:
    def hit():
        for _ in range(3):
            try:
                http_get(port, path)
            except OSError:
                pass

    pool = [threading.Thread(target=hit) for _ in range(workers * 2)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    time.sleep(0.3)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- setup ------------------------------------------------------------------------


def tracker_cli() -> str:
    beside = Path(sys.executable).parent / "tracker"
    return str(beside) if beside.exists() else (shutil.which("tracker") or "tracker")


def make_data(cli: str, db: Path, base_url: str) -> dict[str, str]:
    """A campaign, 4 creators, a bio and an ad link each: {code: destination}."""

    def run(*args) -> str:
        out = subprocess.run(
            [cli, "--db", str(db), "--base-url", base_url, *args], capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(f"tracker {' '.join(args)} failed:\n{out.stderr}")
        return out.stdout

    run("init")
    run(
        "campaign",
        "create",
        "bench-launch",
        "--name",
        "Bench launch",
        "--destination",
        "https://shop.example.com/launch",
        "--timezone",
        "Europe/Berlin",
    )
    links = {}
    for handle, platform in CREATORS:
        run("creator", "add", handle, "--platform", platform)
        for channel in ("bio", "ad"):
            link = json.loads(
                run("link", "create", "bench-launch", handle, "--channel", channel, "--json")
            )
            links[link["code"]] = link["destination_url"]
    return links


def count_clicks(db) -> int:
    from tracker.store import open_store

    store = open_store(str(db))
    try:
        return store.click_count()
    finally:
        store.close()


# -- one run ----------------------------------------------------------------------


def run_one(
    name: str,
    procs: Procs,
    server_argv,
    health_path: str,
    health_ok,
    args,
    wrk: str,
    codes: list[str],
    tmp: Path,
    env=None,
) -> dict:
    port = free_port()
    argv = [a.replace("{PORT}", str(port)) for a in server_argv]
    logfile = tmp / f"{name}.log"
    log(f"[{name}] starting: {' '.join(argv)}")
    with open(logfile, "wb") as lf:
        server = procs.start(argv, stdout=lf, stderr=subprocess.STDOUT, cwd=str(ROOT), env=env)
    try:
        wait_ready(server, port, health_path, health_ok, args.workers, logfile)
        url = f"http://{HOST}:{port}"
        cmd = [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "-s",
            str(BENCH / "mix.lua"),
            url,
            "--",
            *codes,
        ]
        log(f"[{name}] load: {' '.join(cmd[:7])} {url} -- <{len(codes)} codes>")
        cpu_before = server_cpu_seconds(server.pid)
        pg_before = postgres_cpu_seconds()
        wrk_proc = procs.start(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out, _ = wrk_proc.communicate(timeout=args.duration + 60)
        cpu_used = server_cpu_seconds(server.pid) - cpu_before
        pg_used = postgres_cpu_seconds() - pg_before
        procs.running.remove(wrk_proc)
        if wrk_proc.returncode != 0:
            raise RuntimeError(f"wrk exited with {wrk_proc.returncode}:\n{out}")
        (tmp / f"{name}.wrk.txt").write_text(out)
        result = parse_wrk(out)
        result["port"] = port
        result["server_cpu_us_per_request"] = (
            cpu_used / result["requests"] * 1e6 if result.get("requests") else None
        )
        result["postgres_cpu_us_per_request"] = (
            pg_used / result["requests"] * 1e6 if result.get("requests") else None
        )
        if server.poll() is not None:
            raise RuntimeError(f"[{name}] server died during the run:\n{tail(logfile)}")
    finally:
        procs.stop(server)
    result["server_log_errors"] = sum(
        1
        for line in tail(logfile, 10_000).splitlines()
        if "Traceback" in line or "click not stored" in line or "WORKER TIMEOUT" in line
    )
    log(
        f"[{name}] {result['rps']:.0f} req/s, p50 {fmt(result['p50_ms'])} ms, "
        f"p99 {fmt(result['p99_ms'])} ms, 302s {result['answered_302']}, "
        f"non-2xx/3xx {result['non_2xx_3xx']}, socket errors {result['socket_errors_total']}, "
        f"server CPU {fmt(result['server_cpu_us_per_request'], 0)} us/request"
    )
    return result


# -- report -----------------------------------------------------------------------


def fmt(x, digits=2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return None if not a or not b else a / b


def summarize(runs: dict, clicks: dict, config: dict) -> dict:
    real, flask, bare = runs["tracker"], runs["flask-dict"], runs["bare-wsgi"]
    for r in runs.values():
        r["p99_over_p50"] = ratio(r["p99_ms"], r["p50_ms"])
    vs_flask = ratio(real["rps"], flask["rps"])
    vs_bare = ratio(real["rps"], bare["rps"])
    spread = real["p99_over_p50"]
    targets = [
        {
            "name": "real / flask-dict req/s",
            "value": vs_flask,
            "target": f">= {TARGET_VS_FLASK}x",
            "pass": vs_flask is not None and vs_flask >= TARGET_VS_FLASK,
        },
        {
            "name": "real / bare-wsgi req/s",
            "value": vs_bare,
            "target": f">= {TARGET_VS_BARE}x",
            "pass": vs_bare is not None and vs_bare >= TARGET_VS_BARE,
        },
        {
            "name": "real p99 / p50",
            "value": spread,
            "target": f"<= {TARGET_P99_OVER_P50}x",
            "pass": spread is not None and spread <= TARGET_P99_OVER_P50,
        },
    ]
    return {
        "config": config,
        "runs": runs,
        "ratios": {
            "real_vs_flask_dict": vs_flask,
            "real_vs_bare_wsgi": vs_bare,
            "real_p99_over_p50": spread,
        },
        "targets": targets,
        "clicks": clicks,
    }


def print_table(report: dict) -> None:
    c = report["config"]
    print()
    print(
        f"redirect benchmark: {c['wrk_version']}, -t{c['threads']} -c{c['connections']} "
        f"-d{c['duration']}s, gunicorn {c['gunicorn']['worker_class']} x {c['workers']} workers"
        + (
            ""
            if c["gunicorn"]["worker_class"] == "sync"
            else f" x {c['gunicorn']['threads']} threads"
        )
        + f", {c['cpus']} CPUs, tracker on {c['database']}"
    )
    print()
    head = (
        f"{'server':<11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>8} "
        f"{'requests':>9} {'302s':>9} {'non-2xx/3xx':>11} {'sock err':>8}"
    )
    print(head)
    print("-" * len(head))
    for name, r in report["runs"].items():
        print(
            f"{name:<11} {r['rps']:>9.1f} {fmt(r['p50_ms']):>8} {fmt(r['p99_ms']):>8} "
            f"{fmt(r['p99_over_p50']):>8} {r['requests']:>9} {r['answered_302']:>9} "
            f"{r['non_2xx_3xx']:>11} {r['socket_errors_total']:>8}"
        )
    print()
    for t in report["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:.2f}x"
        print(
            f"{t['name']:<26} {value:>7}   target {t['target']:<8} "
            f"{'PASS' if t['pass'] else 'MISS'}"
        )
    k = report["clicks"]
    print()
    print(
        f"clicks stored {k['stored']}  vs  302s answered {k['answered_302']}"
        f"  ({k['count_302_method']})"
    )
    if k["lost"]:
        print()
        print("!" * 72)
        print(
            f"!!! LOST CLICKS: {k['lost']} redirects were answered with 302 "
            f"but have no row in clicks"
        )
        print("!" * 72)
    elif k["stored"] > k["answered_302"]:
        print(
            f"  ({k['stored'] - k['answered_302']} more stored than answered: requests in "
            f"flight when wrk stopped or timed out; no click lost)"
        )
    else:
        print("  no lost clicks")
    for name, r in report["runs"].items():
        print(f"{name}: server CPU {fmt(r['server_cpu_us_per_request'], 0)} us/request")
    if c["database"] == "postgresql":
        r = report["runs"]["tracker"]
        print(
            f"tracker: PostgreSQL server CPU {fmt(r['postgres_cpu_us_per_request'], 0)} us/click "
            f"(every postgres process on this machine during the run)"
        )
    for name, r in report["runs"].items():
        if r["other_statuses"]:
            print(f"{name}: statuses other than 302: {r['other_statuses']}")
        if r["server_log_errors"]:
            print(f"{name}: {r['server_log_errors']} error lines in the server log")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=10, help="seconds of load per server")
    p.add_argument("--connections", type=int, default=64, help="wrk connections")
    p.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="gunicorn workers for all three servers (default %(default)s)",
    )
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument(
        "--worker-class",
        choices=sorted(WORKER_CLASSES),
        default="tracker",
        help="gunicorn worker class of all three servers (default: tracker serve's)",
    )
    p.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="the tracker's database: a temp SQLite file (default) or a fresh "
        "schema in the PostgreSQL at TRACKER_TEST_POSTGRES",
    )
    args = p.parse_args(argv)
    if args.database == "postgresql" and "--workers" not in " ".join(argv or sys.argv):
        args.workers = default_workers("postgresql://")
    if args.connections < args.threads:
        p.error("--connections must be >= --threads")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    procs = Procs()
    tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    schema = None
    try:
        wrk = ensure_wrk()
        db = tmp / "bench.db"
        if args.database == "postgresql":
            problem = postgres_problem()
            if problem:
                raise RuntimeError(f"PostgreSQL at {PG_URL} does not answer: {problem}")
            schema, db = new_pg_schema()
        cli = tracker_cli()
        log(f"temp dir {tmp}; creating a campaign, {len(CREATORS)} creators and links via {cli}")
        links = make_data(cli, db, f"http://{HOST}:8000")
        codes = list(links)
        log(f"{len(codes)} short codes: {' '.join(codes)}")
        links_file = tmp / "links.json"
        links_file.write_text(json.dumps(links))

        py = sys.executable
        baseline = str(BENCH / "baselines.py")
        worker_class = WORKER_CLASSES[args.worker_class]
        common = [
            "--bind",
            f"{HOST}:{{PORT}}",
            "--workers",
            str(args.workers),
            "--worker-class",
            worker_class,
        ]
        is_redirect = lambda status: status == 302  # noqa: E731
        runs = {}
        runs["bare-wsgi"] = run_one(
            "bare-wsgi",
            procs,
            [py, baseline, "bare", *common],
            f"/{codes[0]}",
            is_redirect,
            args,
            wrk,
            codes,
            tmp,
        )
        runs["flask-dict"] = run_one(
            "flask-dict",
            procs,
            [py, baseline, "flask", *common, "--links", str(links_file)],
            f"/{codes[0]}",
            is_redirect,
            args,
            wrk,
            codes,
            tmp,
        )
        before = count_clicks(db)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        if worker_class == DEFAULTS["worker_class"]:
            argv = [
                cli,
                "--db",
                str(db),
                "--base-url",
                f"http://{HOST}:{{PORT}}",
                "serve",
                "--host",
                HOST,
                "--port",
                "{PORT}",
                "--workers",
                str(args.workers),
            ]
        else:
            argv = [py, baseline, "tracker", *common]
            env.update(TRACKER_DATABASE=str(db), TRACKER_BASE_URL=f"http://{HOST}:8000")
        runs["tracker"] = run_one(
            "tracker",
            procs,
            argv,
            "/healthz",
            lambda status: status == 200,
            args,
            wrk,
            codes,
            tmp,
            env=env,
        )
        # The server has stopped: every committed row is in the DB (WAL).
        stored = count_clicks(db) - before
        answered = runs["tracker"]["answered_302"]
        clicks = {
            "stored": stored,
            "answered_302": answered,
            "lost": max(0, answered - stored),
            "count_302_method": runs["tracker"]["count_302_method"],
        }

        config = {
            "duration": args.duration,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "database": args.database,
            "cpus": os.cpu_count(),
            "wrk_version": wrk_version(wrk),
            "codes": codes,
            "gunicorn": dict(DEFAULTS, worker_class=worker_class),
        }
        report = summarize(runs, clicks, config)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print_table(report)
        return 1 if clicks["lost"] else 0
    except Interrupted as exc:
        log(f"interrupted ({exc}); cleaning up")
        return 130
    except RuntimeError as exc:
        log(f"error: {exc}")
        return 2
    finally:
        # No more signals while we tear down.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
        if schema:
            drop_pg_schema(schema)


if __name__ == "__main__":
    sys.exit(main())
