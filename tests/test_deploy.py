"""The files in deploy/, checked with the real tools where this machine has them.

- deploy/gunicorn.conf.py: real gunicorn on a temp SQLite database, /healthz,
  a short link, the WAL checkpointer hook, a live `sqlite3 .backup`.
- deploy/nginx.conf: `nginx -t`, and a live nginx in front of gunicorn
  (X-Forwarded-For with TRACKER_TRUSTED_PROXIES=1, Cache-Control, Server header).
- deploy/tracker.service: `systemd-analyze verify`.
- deploy/compose.yaml: parsed with PyYAML.
- deploy/Containerfile: its HEALTHCHECK command, run against a live server.

A tool that is not installed skips its test, with the reason.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import runpy
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tracker.serve import DEFAULTS, default_workers
from tracker.settings import Config

from .conftest import free_port, tracker

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONF = DEPLOY / "gunicorn.conf.py"
NGINX_CONF = DEPLOY / "nginx.conf"
UNIT = DEPLOY / "tracker.service"
COMPOSE = DEPLOY / "compose.yaml"
CONTAINERFILE = DEPLOY / "Containerfile"
VENV_BIN = Path(sys.executable).parent
GUNICORN = VENV_BIN / "gunicorn"
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
# Settings the tests set themselves; inherited values must not leak in.
OWN_ENV = ("TRACKER_", "FORWARDED_ALLOW_IPS", "RUNTIME_DIRECTORY", "GUNICORN_CMD_ARGS")


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_ENV)}
    env.update(extra)
    return env


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port} after {timeout}s:\n{log.read_text()}")


def request(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    """One request, redirects not followed; (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers={"User-Agent": BROWSER_UA, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


class Gunicorn:
    """`gunicorn --config deploy/gunicorn.conf.py`, as the systemd unit runs it."""

    def __init__(self, workdir: Path, db: Path, **env):
        self.port = free_port()
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.env = clean_env(
            TRACKER_DATABASE=str(db),
            TRACKER_BIND=f"127.0.0.1:{self.port}",
            TRACKER_WORKERS="2",
            TRACKER_ACCESS_LOG="-",
            **env,
        )
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [str(GUNICORN), "--config", str(CONF)],
                cwd=workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(self.port, self.proc, self.log)
        except AssertionError:
            self.stop()
            raise

    def stop(self) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def site(tmp_path):
    """A database with a campaign and two links, as an operator sets it up."""
    db = tmp_path / "tracker.db"
    tracker("init", db=str(db))
    tracker(
        "campaign",
        "create",
        "spring",
        "--name",
        "Spring",
        "--destination",
        "https://shop.example/p",
        db=str(db),
    )
    tracker("creator", "add", "mia", "--platform", "tiktok", db=str(db))
    tracker("campaign", "enroll", "spring", "mia", db=str(db))
    tracker("link", "create", "spring", "mia", "--channel", "bio", "--code", "mia-bio", db=str(db))
    tracker(
        "link", "create", "spring", "mia", "--channel", "post", "--code", "mia-post", db=str(db)
    )
    return db


@pytest.fixture
def gunicorn(tmp_path):
    servers = []

    def start(db, **env):
        server = Gunicorn(tmp_path, db, **env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def clicks(db: Path) -> list[dict]:
    out = tracker("export", "clicks", "spring", db=str(db)).stdout
    return list(csv.DictReader(io.StringIO(out)))


def load_conf(monkeypatch, **env) -> dict:
    """Execute the config file the way gunicorn does, in a controlled environment."""
    for name in list(os.environ):
        if name.startswith(OWN_ENV):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


# -- deploy/gunicorn.conf.py ---------------------------------------------------------


def test_gunicorn_conf_shares_tracker_serve_settings(monkeypatch):
    from gunicorn.config import Config as GunicornConfig

    conf = load_conf(monkeypatch)
    for key, value in DEFAULTS.items():
        assert conf.get(key) == value, f"{key}: {conf.get(key)!r} != tracker.serve {value!r}"
    assert conf["wsgi_app"] == "tracker.wsgi:app"
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == default_workers("")
    assert "%(h)" not in conf["access_log_format"]
    assert conf.get("control_socket_disable") is True
    # Every setting in the file is one gunicorn knows: a misspelt name would
    # be ignored by gunicorn without a word.
    known = GunicornConfig().settings
    imported = {
        "os",
        "DEFAULTS",
        "default_workers",
        "start_worker_threads",
        "ReportServer",
        "Config",
        "SettingsError",
    }
    unknown = [
        name
        for name in conf
        if not name.startswith("_") and name not in imported and name not in known
    ]
    assert unknown == []
    # The report server comes and goes with the master, as with `tracker serve`.
    reports = conf["_reports"]
    for hook in ("on_starting", "on_reload", "on_exit"):
        assert conf[hook] == getattr(reports, hook)


def test_gunicorn_conf_reads_the_environment(monkeypatch):
    conf = load_conf(
        monkeypatch,
        TRACKER_DATABASE="postgresql://db/tracker",
        TRACKER_BIND="10.0.0.11:8000",
        FORWARDED_ALLOW_IPS="10.0.0.2",
        TRACKER_ACCESS_LOG="-",
        RUNTIME_DIRECTORY="/run/tracker",
    )
    assert conf["workers"] == default_workers("postgresql://db/tracker")
    assert conf["bind"] == ["10.0.0.11:8000"]
    assert conf["forwarded_allow_ips"] == "10.0.0.2"
    assert conf["accesslog"] == "-"
    assert conf["control_socket"] == "/run/tracker/gunicorn.ctl"
    assert "control_socket_disable" not in conf
    assert load_conf(monkeypatch, TRACKER_WORKERS="7")["workers"] == 7


@pytest.mark.parametrize(
    "line,kept,gone",
    [
        (
            "Invalid request from ip=203.0.113.9: Invalid HTTP request line",
            "ip=<address>:",
            "203.0.113",
        ),
        ("Listening at: http://[2001:db8::1]:8000 (12)", "[<address>]:8000", "2001:db8"),
        ("peer ::ffff:10.0.0.5 left. Then fe80::1%eth0.", "peer <address> left", "10.0.0.5"),
        ('"GET /stats/s?window=7&share=eyJj.x-Y_z HTTP/1.1" 200', "&share=*** HTTP/1.1", "eyJj"),
        (
            '"GET /api/x?token=trk_abcdefgh12 HTTP/1.1" "Bearer trk_zyxwvuts98"',
            "token=***",
            "trk_a",
        ),
        ("Authorization: Bearer trk_zyxwvuts98", "Bearer ***", "zyxw"),
        ("[25/Nov/2026:12:30:45 +0000] 12:30:45.5", "[25/Nov/2026:12:30:45 +0000] 12:30:45.5", "<"),
        (
            "Chrome/124.0.0.0 Instagram 312.0.0.32.112",
            "Chrome/124.0.0.0 Instagram 312.0.0.32.112",
            "<",
        ),
    ],
)
def test_log_lines_lose_addresses_and_tokens(line, kept, gone):
    from tracker.logs import scrub

    assert kept in scrub(line) and gone not in scrub(line)


def test_post_worker_init_starts_the_checkpointer_in_process(monkeypatch, tmp_path):
    """The hook finds the store through worker.wsgi, the loaded Flask app,
    and starts the checkpointer and the salt housekeeping."""
    from tracker.web.app import create_app

    conf = load_conf(monkeypatch)
    app = create_app(Config(database=str(tmp_path / "hook.db")))
    store = app.extensions["tracker.store"]
    redirector = app.extensions["tracker.redirector"]
    assert store._checkpointing is False and redirector.housekeeping is None
    conf["post_worker_init"](SimpleNamespace(wsgi=app))
    assert store._checkpointing is True
    assert redirector.housekeeping is not None and not redirector.housekeeping.is_set()
    redirector.housekeeping.set()
    # gunicorn's error app (when the import failed) has no extensions: no crash.
    conf["post_worker_init"](SimpleNamespace(wsgi=lambda environ, start_response: []))


def test_gunicorn_serves_with_the_deploy_conf(site, gunicorn, tmp_path):
    server = gunicorn(site)
    status, headers, body = request(server.port, "/healthz")
    assert status == 200, body
    assert json.loads(body) == {"status": "ok", "database": "sqlite"}

    status, headers, _ = request(server.port, "/mia-bio")
    assert status == 302
    assert headers["Location"].startswith("https://shop.example/p")
    assert headers["Cache-Control"] == "no-store"
    assert len(clicks(site)) == 1

    assert server.stop() == 0
    log = server.log.read_text()
    assert f"Listening at: http://<address>:{server.port}" in log
    access = [line for line in log.splitlines() if '"GET /' in line]
    assert len(access) == 2, log  # the access log is on, ...
    assert "127.0.0.1" not in log, log  # ... and no log line has an address
    assert "Traceback" not in log and "[ERROR]" not in log, log


def test_the_deployed_server_answers_reports_from_its_report_server(site, gunicorn, tmp_path):
    """The systemd shape: the report server's socket in RuntimeDirectory,
    stats answered through it, nothing left there once stopped."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o750)
    server = gunicorn(site, RUNTIME_DIRECTORY=str(runtime))
    share = re.search(r"share=(\S+)", tracker("share", "spring", db=str(site)).stdout).group(1)

    status, _, body = request(server.port, f"/stats/spring.json?share={share}")
    assert status == 200, body
    assert json.loads(body)["campaign"]["slug"] == "spring"
    sockets = list(runtime.glob("tracker-reports-*/reports.sock"))
    assert len(sockets) == 1, list(runtime.iterdir())

    assert server.stop() == 0
    assert list(runtime.iterdir()) == []
    log = server.log.read_text()
    assert "Listening at: unix:" in log and "Traceback" not in log, log


def test_checkpointer_runs_in_gunicorn_workers(site, gunicorn, tmp_path):
    """With the WAL checkpointer started by post_worker_init, clicks reach the
    main database file within a second; without it they would stay in the
    -wal file until it grows to 1000 pages."""
    server = gunicorn(site)
    for _ in range(5):
        assert request(server.port, "/mia-bio")[0] == 302
    copy = tmp_path / "main-file-only.db"
    deadline = time.time() + 10
    count = None
    while time.time() < deadline:
        shutil.copyfile(site, copy)  # the main file, without its WAL
        with sqlite3.connect(copy) as conn:
            count = conn.execute("SELECT count(*) FROM clicks").fetchone()[0]
        conn.close()
        for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)
        if count == 5:
            break
        time.sleep(0.3)
    assert count == 5


@pytest.mark.parametrize("command", [".backup {out}", "VACUUM INTO '{out}'"])
def test_sqlite_backup_of_a_live_database(site, gunicorn, tmp_path, command):
    """docs/operating.md's backup commands (section "Backups"), while gunicorn serves."""
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli is None:
        pytest.skip("the sqlite3 command-line shell is not installed")
    server = gunicorn(site)
    for _ in range(3):
        assert request(server.port, "/mia-bio")[0] == 302
    backup = tmp_path / "backup.db"
    proc = subprocess.run(
        [sqlite3_cli, str(site), command.format(out=backup)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert request(server.port, "/mia-bio")[0] == 302  # still serving, still writing
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert len(clicks(backup)) == 3  # the clicks before the copy
    assert len(clicks(site)) == 4


def containerfile_healthcheck() -> list[str]:
    text = CONTAINERFILE.read_text()
    match = re.search(r"^HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])$", text, re.M)
    assert match, "no HEALTHCHECK ... CMD [...] in deploy/Containerfile"
    return json.loads(match.group(1))


def test_containerfile_healthcheck_command(site, gunicorn):
    argv = containerfile_healthcheck()
    assert argv[:2] == ["python", "-c"] and "/healthz" in argv[2]
    server = gunicorn(site)
    code = argv[2].replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
    assert code != argv[2]
    ok = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    server.stop()
    down = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert down.returncode != 0


def test_slow_clients_do_not_hold_the_deployed_redirect(site, gunicorn):
    """50 slowloris connections straight at gunicorn with the deploy conf
    (as if nginx were bypassed): a redirect still answers within a second."""
    sys.path.insert(0, str(ROOT / "bench"))
    from slowloris import SlowLoris

    server = gunicorn(site)
    with SlowLoris("127.0.0.1", server.port, count=50, every=1.0) as attack:
        time.sleep(2.5)
        assert attack.open == 50
        for _ in range(5):
            started = time.monotonic()
            assert request(server.port, "/mia-bio")[0] == 302
            assert time.monotonic() - started < 1.0


# -- deploy/nginx.conf -----------------------------------------------------------------


def test_nginx_body_limit_matches_the_app():
    match = re.search(r"^\s*client_max_body_size\s+(\d+)([kKmM]?);", NGINX_CONF.read_text(), re.M)
    assert match, "no client_max_body_size in deploy/nginx.conf"
    size = int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2).lower()]
    assert size == Config().max_body_bytes


def nginx_binary() -> str:
    exe = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if exe is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light to run this check)")
    return exe


def nginx_setup(
    exe: str, tmp: Path, listen: int | None = None, upstream: int | None = None
) -> tuple[Path, list[str]]:
    """A main nginx.conf in tmp whose http{} includes deploy/nginx.conf.

    Only what cannot work outside a real install is changed, in a copy: log
    files go to tmp (not /var/log/nginx) and, for the live test, the listen
    port and upstream port. The TLS lines stay commented, as shipped.
    """
    tmp.mkdir(mode=0o755, exist_ok=True)
    tmp.chmod(0o755)
    text = NGINX_CONF.read_text()
    site = text.replace("/var/log/nginx/", f"{tmp}/")
    assert site.count(f"{tmp}/") == 2  # the access and the error log
    if listen is not None:
        plain = "    listen 80;\n    listen [::]:80;\n"
        assert site.count(plain) == 1
        site = site.replace(plain, f"    listen 127.0.0.1:{listen};\n")
    if upstream is not None:
        assert site.count("    server 127.0.0.1:8000;\n") == 1
        site = site.replace("    server 127.0.0.1:8000;\n", f"    server 127.0.0.1:{upstream};\n")
    included = tmp / "tracker-site.conf"
    included.write_text(site)

    build = subprocess.run([exe, "-V"], capture_output=True, text=True).stderr
    temp_paths = [f"client_body_temp_path {tmp}/client_body;", f"proxy_temp_path {tmp}/proxy;"]
    temp_paths += [
        f"{m}_temp_path {tmp}/{m};"
        for m in ("fastcgi", "uwsgi", "scgi")
        if f"--without-http_{m}_module" not in build
    ]
    main = tmp / "nginx.conf"
    main.write_text(
        f"pid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n    " + "\n    ".join(temp_paths) + f"\n    include {included};\n}}\n"
    )
    args = ["-p", str(tmp), "-c", str(main)]
    version = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", build)
    if version and tuple(map(int, version.groups())) >= (1, 19, 5):
        args += ["-e", f"{tmp}/error.log"]  # not even a first line to /var/log/nginx
    return main, args


def test_nginx_conf_is_valid(tmp_path):
    exe = nginx_binary()
    text = NGINX_CONF.read_text()
    assert re.search(r"^\s*# ssl_certificate\s", text, re.M), "the TLS placeholder is missing"
    assert not re.search(r"^\s*ssl_certificate\s", text, re.M), "TLS lines must ship commented"
    _, args = nginx_setup(exe, tmp_path / "nginx")
    proc = subprocess.run([exe, "-t", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def test_nginx_in_front_of_gunicorn(site, gunicorn, tmp_path):
    """The proxy headers and TRACKER_TRUSTED_PROXIES=1 fit together: a client
    cannot choose the address the app hashes into the visitor id, redirects
    keep Cache-Control: no-store, and nginx does not show its version."""
    exe = nginx_binary()
    app = gunicorn(site, TRACKER_TRUSTED_PROXIES="1")
    port = free_port()
    _, args = nginx_setup(exe, tmp_path / "nginx", listen=port, upstream=app.port)
    log = tmp_path / "nginx" / "stderr.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [exe, *args, "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, proc, log)
        status, headers, _ = request(port, "/healthz")
        assert status == 200
        assert headers["Server"] == "nginx"  # server_tokens off

        forged = ["203.0.113.7", "198.51.100.9"]
        for address in forged:  # through nginx
            status, headers, body = request(port, "/mia-bio", {"X-Forwarded-For": address})
            assert status == 302, body
            assert headers["Cache-Control"] == "no-store"
            assert headers["Location"].startswith("https://shop.example/p")
        for address in forged:  # straight to gunicorn
            assert request(app.port, "/mia-post", {"X-Forwarded-For": address})[0] == 302
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful stop
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    rows = clicks(site)
    via_nginx = {r["visitor"] for r in rows if r["channel"] == "bio"}
    direct = {r["visitor"] for r in rows if r["channel"] == "post"}
    assert len(rows) == 4
    # Direct, the forged header is believed (which is why gunicorn must only be
    # reachable through the proxy) ...
    assert len(direct) == 2
    # ... through nginx the app sees the address nginx appended, not the forgery.
    assert len(via_nginx) == 1
    access = (tmp_path / "nginx" / "tracker.access.log").read_text()
    assert "GET /mia-bio" in access
    assert not any(a in access for a in forged)


# -- deploy/tracker.service ----------------------------------------------------------------


def unit_complaints(exe: str, path: Path) -> tuple[int, list[str]]:
    proc = subprocess.run([exe, "verify", str(path)], capture_output=True, text=True, timeout=60)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if path.name in line]
    return proc.returncode, lines


def test_systemd_unit_verifies(tmp_path):
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is not installed")
    text = UNIT.read_text()
    assert re.search(r"^User=tracker$", text, re.M)
    assert re.search(r"^ExecStartPre=/opt/tracker/\.venv/bin/tracker init$", text, re.M)
    assert re.search(
        r"^ExecStart=/opt/tracker/\.venv/bin/gunicorn --config /opt/tracker/deploy/gunicorn\.conf\.py$",
        text,
        re.M,
    )

    # As shipped: only the missing /opt/tracker install may be reported.
    _, lines = unit_complaints(exe, UNIT)
    assert [
        line for line in lines if not re.search(r"Command /opt/tracker/\S+ is not executable", line)
    ] == []

    # With the commands pointed at this virtualenv: nothing at all.
    copy = tmp_path / "tracker.service"
    copy.write_text(text.replace("/opt/tracker/.venv/bin/", f"{VENV_BIN}/"))
    code, lines = unit_complaints(exe, copy)
    assert (code, lines) == (0, [])

    # And the check has teeth here: a misspelt directive is reported.
    typo = tmp_path / "typo" / "tracker.service"
    typo.parent.mkdir()
    typo.write_text(copy.read_text().replace("PrivateTmp=yes", "PrivatTmp=yes"))
    _, lines = unit_complaints(exe, typo)
    assert any("PrivatTmp" in line for line in lines), lines


# -- deploy/compose.yaml -------------------------------------------------------------------


def test_compose_file_parses():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed in this environment")
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert services["db"]["image"] == "postgres:15"
    assert "healthcheck" in services["db"]
    app = services["app"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["environment"]["TRACKER_DATABASE"] == "postgresql://tracker:tracker@db:5432/tracker"
    assert app["build"]["dockerfile"] == "deploy/Containerfile"
    assert (COMPOSE.parent / app["build"]["context"] / app["build"]["dockerfile"]).is_file()
    assert app["healthcheck"]["test"] == ["CMD", *containerfile_healthcheck()]
    volume = services["db"]["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
