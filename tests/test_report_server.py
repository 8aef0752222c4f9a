"""Stats pages, reports and exports in the report server's own processes.

- the proxy relays a request as it came and the answer as it goes (a real
  gunicorn on a Unix socket, tests/relay_echo.py): method, target, headers
  (never a client's forged relay header), bodies of known and chunked
  length, status, repeated headers, a streamed body that stops when the
  client goes away;
- `tracker serve` starts the report server beside its workers (niced, its
  socket private), answers stats pages, exports and API reads through it
  exactly as the app does, answers 503 when it is gone while redirects go
  on, and takes it down with it, killed or stopped;
- TRACKER_REPORT_WORKERS=0 leaves it out.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder

from tracker import access
from tracker.report_proxy import ReportProxy
from tracker.report_server import SOCKET_ENV
from tracker.settings import Config
from tracker.store import open_store
from tracker.web.app import create_app

from .helpers import BASE, campaign_with_links, click_row

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


# -- the proxy against a real gunicorn on a Unix socket -----------------------------


@pytest.fixture
def echo_server(tmp_path):
    socket_path = tmp_path / "echo.sock"
    closed = tmp_path / "closed"
    proc = subprocess.Popen(
        [
            str(GUNICORN),
            "--bind",
            f"unix:{socket_path}",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "tests.relay_echo:app",
        ],
        cwd=ROOT,
        env={**os.environ, "RELAY_ECHO_CLOSED": str(closed)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # No waiting here: the proxy itself waits for a server that is starting.
    yield ReportProxy(str(socket_path)), closed
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(20)


def call(proxy, environ):
    """The proxy as a WSGI server calls it: (status, headers, body)."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    body = proxy(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return seen["status"], seen["headers"], data


def test_the_proxy_relays_the_request_as_it_came(echo_server):
    proxy, _ = echo_server
    payload = os.urandom(300_000)
    environ = EnvironBuilder(
        method="POST",
        path="/api/campaigns/spring/redemptions",
        query_string="dry_run=1&x=%C3%A9",
        headers={
            "Authorization": "Bearer t0ken",
            "User-Agent": BROWSER_UA,
            "X-Tracker-Relay-Remote-Addr": "6.6.6.6",  # forged by the client
            "Connection": "keep-alive",
        },
        data=payload,
        content_type="text/csv",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        base_url="https://go.example",
    ).get_environ()

    status, headers, body = call(proxy, environ)

    assert status == "201 Made Up"
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert not any(k.lower() in ("connection", "transfer-encoding") for k, _ in headers)
    seen = json.loads(body)
    assert seen["REQUEST_METHOD"] == "POST"
    assert seen["PATH_INFO"] == "/api/campaigns/spring/redemptions"
    assert seen["QUERY_STRING"] == "dry_run=1&x=%C3%A9"
    assert seen["REMOTE_ADDR"] == "203.0.113.9"  # the worker's view, not the forgery
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["headers"]["AUTHORIZATION"] == "Bearer t0ken"
    assert seen["headers"]["USER_AGENT"] == BROWSER_UA
    assert seen["headers"]["HOST"] == "go.example"
    assert not any(k.startswith("X_TRACKER_RELAY") for k in seen["headers"])
    assert seen["body_length"] == len(payload)
    assert seen["body_sha256"] == hashlib.sha256(payload).hexdigest()


def test_the_proxy_relays_a_chunked_body(echo_server):
    proxy, _ = echo_server
    payload = b"order_id,code\n" + b"".join(b"%d,SPRING\n" % i for i in range(20_000))
    environ = EnvironBuilder(method="POST", path="/uploads", data=payload).get_environ()
    # As gunicorn passes a chunked request on: no length, the input ends itself.
    del environ["CONTENT_LENGTH"]
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"

    status, _, body = call(proxy, environ)

    assert status.startswith("201")
    seen = json.loads(body)
    assert seen["body_sha256"] == hashlib.sha256(payload).hexdigest()


def test_a_relayed_stream_stops_when_the_client_goes(echo_server):
    proxy, closed = echo_server
    environ = EnvironBuilder(path="/stream", query_string="pieces=100000").get_environ()
    seen = {}
    body = proxy(environ, lambda status, headers, exc_info=None: seen.update(status=status))
    pieces = iter(body)
    received = sum(len(next(pieces)) for _ in range(20))  # ~1.3 MB of ~6.5 GB
    body.close()  # what the server does when the client has gone
    assert seen["status"] == "200 OK" and received >= 20

    deadline = time.monotonic() + 10
    while not closed.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed.exists(), "the report server went on producing"
    sent = int(closed.read_text().split()[-1])
    assert sent < 1000


def test_the_proxy_answers_503_when_nobody_listens(tmp_path):
    proxy = ReportProxy(str(tmp_path / "nobody.sock"), start_wait=0.2)
    status, headers, body = call(proxy, EnvironBuilder(path="/stats/spring").get_environ())
    assert status.startswith("503")
    assert dict(headers)["Retry-After"] == "5"
    assert b"not available" in body


# -- the report server of `tracker serve` ---------------------------------------------


def processes() -> dict[int, dict]:
    """pid -> parent, nice and command line, for every process we can see."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fields[0] == "Z":
            continue
        found[int(entry.name)] = {"ppid": int(fields[1]), "nice": int(fields[16]), "cmd": cmdline}
    return found


def report_processes(master: int) -> list[int]:
    """The report server's master (a child of `master`) and its workers."""
    seen = processes()
    top = [
        p for p, v in seen.items() if v["ppid"] == master and "tracker.report_server" in v["cmd"]
    ]
    return top + [p for p, v in seen.items() if v["ppid"] in top]


def wait_for(predicate, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def get(server, path: str, headers: dict | None = None, timeout: float = 30.0):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": BROWSER_UA, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.fixture
def site(tmp_path):
    db = str(tmp_path / "reports.db")
    store = open_store(db)
    store.migrate()
    access.ensure_secrets(store)
    campaign_with_links(store)
    share = access.share_link(store, BASE, "spring")["url"].split("?share=")[1]
    token = access.create_token(store, "ops")["token"]
    store.close()
    return {"db": db, "share": share, "token": token}


def test_tracker_serve_answers_reports_from_its_report_server(site, serve):
    server = serve(site["db"])
    for code in ("mia-bio", "mia-ad", "jade-bio"):
        status, _, _ = get(server, f"/{code}")
        assert status == 302

    reports = running_report_server(server)
    assert {processes()[p]["nice"] for p in reports} == {10}
    socket_path = Path(processes()[reports[0]]["cmd"].split()[-1])
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700

    # What the report server answers is what the app answers.
    app = create_app(Config(database=site["db"], base_url=server.url))
    client = app.test_client()
    share, auth = site["share"], {"Authorization": f"Bearer {site['token']}"}
    for path, headers in (
        (f"/stats/spring.json?share={share}", {}),
        (f"/stats/spring/clicks.csv?share={share}", {}),
        ("/api/campaigns/spring/report?window=7", auth),
        ("/api/campaigns/spring/clicks.csv", auth),
    ):
        status, got_headers, body = get(server, path, headers)
        expected = client.get(path, headers=headers)
        assert status == expected.status_code == 200, (path, body[:300])
        assert got_headers["Content-Type"] == expected.headers["Content-Type"]
        if path.endswith("clicks.csv") or "clicks.csv?" in path:
            assert body == expected.data and body.count(b"\n") == 4
        else:
            assert json.loads(body) == json.loads(expected.data)
    status, _, page = get(server, f"/stats/spring?share={share}")
    assert status == 200 and b"Spring launch" in page
    app.extensions["tracker.store"].close()

    # Without it, reports are unavailable, and redirects are not.
    for pid in reports:
        os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    status, headers, body = get(server, f"/stats/spring?share={share}")
    assert status == 503 and headers["Retry-After"] == "5"
    assert b"Reports are not available" in body
    assert time.monotonic() - started < 15
    status, _, _ = get(server, "/mia-bio", timeout=2)
    assert status == 302

    output = server.output()
    # Refused, or reset by a socket on its way out: said in the log either way.
    assert "[ERROR] the report server" in output, output


def running_report_server(server) -> list[int]:
    """Its processes, once all have started (its master and a worker per core)."""
    expected = 1 + min(os.cpu_count() or 1, 4)
    wait_for(lambda: len(report_processes(server.proc.pid)) == expected)
    reports = report_processes(server.proc.pid)
    assert len(reports) == expected, reports
    return reports


def test_the_report_server_goes_with_its_master(site, serve):
    server = serve(site["db"])
    # Up and running (a master killed in the report server's first second
    # leaves its empty directory behind, in systemd's RuntimeDirectory or
    # PrivateTmp, which go with the service).
    reports = running_report_server(server)
    directory = Path(processes()[reports[0]]["cmd"].split()[-1]).parent
    assert directory.is_dir()

    # Killed: the kernel tells the report server (PR_SET_PDEATHSIG).
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(10)
    gone = wait_for(lambda: not (set(reports) & set(processes())), 30)
    assert gone, "the report server outlived its killed master"
    assert wait_for(lambda: not directory.exists(), 10)


def test_a_stopped_server_stops_its_report_server(site, serve):
    server = serve(site["db"])
    reports = running_report_server(server)
    directory = Path(processes()[reports[0]]["cmd"].split()[-1]).parent
    server.proc.send_signal(signal.SIGTERM)  # the master alone, as systemd does
    assert server.proc.wait(30) == 0
    assert not (set(reports) & set(processes()))
    assert not directory.exists()


def test_no_report_server_when_it_is_turned_off(site, serve):
    server = serve(site["db"], env={"TRACKER_REPORT_WORKERS": "0"})
    status, _, body = get(server, f"/stats/spring.json?share={site['share']}")
    assert status == 200 and json.loads(body)["campaign"]["slug"] == "spring"
    time.sleep(1)
    assert report_processes(server.proc.pid) == []
    assert SOCKET_ENV not in os.environ


def test_rollups_and_live_counts_run_in_the_report_server_when_there_is_one(monkeypatch):
    """Workers that answer clicks leave them to it; without one, they do them."""
    from types import SimpleNamespace

    from tracker import serve

    def worker_app():
        calls = []
        store = SimpleNamespace(
            start_checkpointer=lambda: calls.append("checkpointer"),
            start_counting=lambda: calls.append("counting"),
        )
        return SimpleNamespace(extensions={"tracker.store": store}), calls

    monkeypatch.setenv(SOCKET_ENV, "/nowhere/reports.sock")
    app, calls = worker_app()
    serve.start_worker_threads(app)
    assert calls == ["checkpointer"]

    monkeypatch.delenv(SOCKET_ENV)
    app, calls = worker_app()
    serve.start_worker_threads(app)
    assert calls == ["checkpointer", "counting"]


def test_the_report_server_rolls_up_ended_days(site, serve):
    store = open_store(site["db"])
    link = store.link_for_redirect("mia-bio")
    for n in range(5):
        store.insert_click(click_row(link, n))  # 2026-11-10, long ended
    campaign_id = link["campaign_id"]
    assert store.rolled_up_days(campaign_id) == []

    server = serve(site["db"])
    running_report_server(server)
    assert wait_for(lambda: store.rolled_up_days(campaign_id) == ["2026-11-10"], 30)
    store.close()


def test_a_worker_hands_on_at_most_so_many_reports_at_once(echo_server):
    """The slots are the worker's threads that wait on the report server;
    one is freed when its answer is closed (done, or the client gone)."""
    from tracker.heavy import BUSY_PAGE, HeavyRoutes

    proxy, _ = echo_server
    heavy = HeavyRoutes(app=None, running=1, relays=3)
    heavy.start(report_socket=proxy.socket_path)
    statuses = []

    def ask():
        environ = EnvironBuilder(path="/stats/spring").get_environ()
        return heavy(environ, lambda status, headers, exc_info=None: statuses.append(status))

    held = [ask() for _ in range(3)]
    busy = ask()
    assert statuses[:3] == ["201 Made Up"] * 3
    assert statuses[3].startswith("503") and b"".join(busy) == BUSY_PAGE
    held.pop().close()
    again = ask()
    assert statuses[4] == "201 Made Up"
    for body in [again, *held]:
        assert json.loads(b"".join(body))["PATH_INFO"] == "/stats/spring"
        body.close()
