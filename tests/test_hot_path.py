"""The redirect comes first: nothing else may slow it down or hide its failure.

- slow clients (slowloris) against the real `tracker serve`: a redirect
  still answers at once (deploy/gunicorn.conf.py: tests/test_deploy.py);
- reports, exports and API calls run on a bounded pool of niced threads;
- /healthz is 503 exactly while clicks cannot be written (a full disk, a
  read-only database, PostgreSQL gone or read-only) and 200 again after;
- PostgreSQL: a locked table answers a fast 503, a killed connection is
  replaced and the click retried;
- SQLite: the WAL is emptied once it passes its limit, unless a reader is
  inside it, and without waiting for that reader.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker.heavy import HeavyRoutes
from tracker.settings import Config
from tracker.store import open_store
from tracker.web.app import create_app

from .helpers import campaign_with_links, click_row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from slowloris import SlowLoris  # noqa: E402


def get(port: int, path: str, timeout: float = 5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def click_id(resp) -> str:
    return dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["trk"]


# -- slow clients ------------------------------------------------------------------


def test_fifty_slow_clients_do_not_hold_the_redirect(tmp_path, serve):
    db = str(tmp_path / "t.db")
    store = open_store(db)
    store.migrate()
    campaign_with_links(store)
    store.close()
    server = serve(db, workers=2)
    port = server.port
    with SlowLoris("127.0.0.1", port, count=50, every=1.0) as attack:
        assert attack.open == 50
        time.sleep(2.5)  # each has sent a few header bytes
        assert attack.open == 50
        for _ in range(5):
            started = time.monotonic()
            status, _, _ = get(port, "/mia-bio", timeout=5)
            assert status == 302
            assert time.monotonic() - started < 1.0
        status, _, body = get(port, "/healthz")
        assert status == 200, body


def test_a_head_that_never_ends_is_dropped(tmp_path, serve):
    """TRACKER_HEADER_TIMEOUT after it connected, a slow client is cut off."""
    db = str(tmp_path / "t.db")
    server = serve(db, workers=1, env={"TRACKER_HEADER_TIMEOUT": "1"})
    with SlowLoris("127.0.0.1", server.port, count=3, every=0.3) as attack:
        deadline = time.monotonic() + 10
        while attack.reopened < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert attack.reopened >= 3


# -- heavy routes ----------------------------------------------------------------------


def test_heavy_routes_run_on_a_bounded_niced_pool():
    release = threading.Event()
    seen = {}

    def app(environ, start_response):
        tid = threading.get_native_id()
        seen[environ["PATH_INFO"]] = (
            threading.current_thread().name,
            os.getpriority(os.PRIO_PROCESS, tid),
        )
        if environ["PATH_INFO"] == "/api/boom":
            raise RuntimeError("boom")
        start_response("200 OK", [("Content-Type", "text/plain")])
        if environ["PATH_INFO"].startswith("/stats/slow"):
            release.wait(10)
        return iter([b"a", b"b", b"c"])

    heavy = HeavyRoutes(app, running=1)
    heavy.start()
    statuses = {}

    def call(path):
        def start_response(status, headers, exc_info=None):
            statuses[path] = status

        body = heavy({"PATH_INFO": path}, start_response)
        return b"".join(body)

    # Not heavy: on the calling thread, at its priority.
    assert call("/healthz") == b"abc"
    assert seen["/healthz"][0] == threading.current_thread().name
    # Heavy: on the pool, niced.
    assert call("/stats/x") == b"abc"
    assert seen["/stats/x"][0].startswith("tracker-heavy")
    if sys.platform.startswith("linux"):
        assert seen["/stats/x"][1] >= 10
    with pytest.raises(RuntimeError, match="boom"):
        call("/api/boom")

    # One runs, one waits, the third is turned away at once.
    results = {}
    threads = [
        threading.Thread(target=lambda p=p: results.update({p: call(p)}))
        for p in ("/stats/slow1", "/stats/slow2")
    ]
    for t in threads:
        t.start()
        time.sleep(0.2)
    started = time.monotonic()
    assert call("/stats/third") == b"Busy with other reports, please try again in a few seconds."
    assert statuses["/stats/third"].startswith("503")
    assert time.monotonic() - started < 0.5
    release.set()
    for t in threads:
        t.join(10)
    assert results == {"/stats/slow1": b"abc", "/stats/slow2": b"abc"}
    assert call("/stats/after") == b"abc"


def test_only_reports_pages_and_exports_are_heavy():
    """Small API calls and the shops' webhooks are never turned away as busy."""
    from tracker.heavy import is_heavy

    for path in (
        "/stats/spring",
        "/stats/spring.json",
        "/stats/spring/clicks.csv",
        "/api/campaigns/spring/report",
        "/api/campaigns/spring/clicks.csv",
        "/uploads",
        "/uploads/AbCd/import",
    ):
        assert is_heavy(path), path
    for path in (
        "/api/webhooks/shopify/main",
        "/api/webhooks/redemptions",
        "/api/campaigns/spring/links",
        "/api/campaigns",
        "/healthz",
        "/mia-bio",
        "/",
        "/login",
        "/campaigns/spring",
    ):
        assert not is_heavy(path), path


def test_a_relayed_response_stops_when_the_client_goes():
    produced = []
    done = threading.Event()

    def app(environ, start_response):
        start_response("200 OK", [])

        def body():
            try:
                for i in range(10_000):
                    produced.append(i)
                    yield b"x" * 100
            finally:
                done.set()

        return body()

    heavy = HeavyRoutes(app, running=1)
    heavy.start()
    body = heavy({"PATH_INFO": "/stats/big"}, lambda *a: None)
    it = iter(body)
    next(it)
    body.close()  # what the server does when the client is gone
    assert done.wait(5)
    assert len(produced) < 100


# -- /healthz: SQLite on a small file system --------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs, or skip (mounting needs root)."""
    where = tmp_path / "disk"
    where.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(path: Path) -> None:
    """Take every free byte (appending, so it can be called again after the
    checkpointer freed some by emptying the WAL). Unbuffered: a buffered file
    would keep the bytes that did not fit and fail again when closed."""
    with open(path, "ab", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass


def healthz(client):
    time.sleep(1.05)  # the write is made at most once a second
    resp = client.get("/healthz")
    return resp.status_code, resp.json


def test_healthz_when_the_disk_fills_and_frees(small_disk):
    db = small_disk / "t.db"
    app = create_app(Config(database=str(db), base_url="https://go.example"))
    store = app.extensions["tracker.store"]
    campaign_with_links(store)
    client = app.test_client()
    assert client.get("/mia-bio").status_code == 302
    assert healthz(client)[0] == 200

    fill(small_disk / "ballast")
    statuses = {client.get("/mia-bio").status_code for _ in range(50)}
    assert 503 in statuses
    status, body = healthz(client)
    assert status == 503 and body["status"] == "unavailable"
    assert "full" in body["reason"]

    (small_disk / "ballast").unlink()
    assert healthz(client)[0] == 200
    assert client.get("/mia-bio").status_code == 302


def test_healthz_when_the_database_is_read_only(tmp_path):
    """SQLite's answer for a read-only file (SQLITE_READONLY), made with
    `query_only`: tests run as root, whom chmod does not stop, and a file
    system with open files cannot be remounted read-only."""
    app = create_app(Config(database=str(tmp_path / "t.db"), base_url="https://go.example"))
    store = app.extensions["tracker.store"]
    campaign_with_links(store)
    client = app.test_client()
    assert healthz(client)[0] == 200

    store._conn().execute("PRAGMA query_only = 1")
    assert client.get("/mia-bio").status_code == 503
    status, body = healthz(client)
    assert status == 503 and "readonly" in body["reason"]

    store._conn().execute("PRAGMA query_only = 0")
    assert healthz(client)[0] == 200
    assert client.get("/mia-bio").status_code == 302


def test_healthz_on_the_real_server_with_a_full_disk(small_disk, serve):
    db = str(small_disk / "t.db")
    store = open_store(db)
    store.migrate()
    campaign_with_links(store)
    store.close()
    server = serve(db, workers=1)
    assert get(server.port, "/mia-bio")[0] == 302
    fill(small_disk / "ballast")
    codes = [get(server.port, "/mia-bio")[0] for _ in range(30)]
    assert 503 in codes and 500 not in codes
    time.sleep(0.5)  # the checkpointer empties the WAL: a little space
    fill(small_disk / "ballast")  # ... taken too
    time.sleep(1.05)
    assert get(server.port, "/healthz")[0] == 503
    assert get(server.port, "/mia-bio")[0] == 503
    (small_disk / "ballast").unlink()
    time.sleep(1.05)
    assert get(server.port, "/healthz")[0] == 200
    assert get(server.port, "/mia-bio")[0] == 302


def test_healthz_writes_at_most_once_a_second(tmp_path):
    app = create_app(Config(database=str(tmp_path / "t.db")))
    store = app.extensions["tracker.store"]
    client = app.test_client()
    writes = []
    real = store.write_heartbeat
    store.write_heartbeat = lambda: (writes.append(1), real())[1]
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
    assert len(writes) == 1


# -- PostgreSQL --------------------------------------------------------------------------


@pytest.fixture
def pg_role(new_pg_url):
    """(url of a fresh schema as a fresh login role, admin connection)."""
    import psycopg

    url = new_pg_url()
    schema = parse_qsl(urlsplit(url).query)[0][1].split("=", 1)[1]
    role = "t_role_" + uuid.uuid4().hex[:10]
    admin = psycopg.connect(url.split("?")[0], autocommit=True)
    admin.execute(f"CREATE ROLE {role} LOGIN")
    admin.execute(f"GRANT ALL ON SCHEMA {schema} TO {role}")
    parts = urlsplit(url)
    role_url = parts._replace(netloc=parts.netloc.replace("postgres@", f"{role}@", 1)).geturl()
    yield role_url, role, admin
    admin.execute(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
    )
    admin.execute(f"DROP OWNED BY {role} CASCADE")
    admin.execute(f"DROP ROLE {role}")
    admin.close()


def kick(admin, role: str) -> None:
    """End every session of the role (settings of a role apply to new ones)."""
    admin.execute(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
    )


def test_healthz_when_postgres_is_read_only_or_gone(pg_role):
    url, role, admin = pg_role
    app = create_app(Config(database=url, base_url="https://go.example"))
    store = app.extensions["tracker.store"]
    campaign_with_links(store)
    client = app.test_client()
    assert client.get("/mia-bio").status_code == 302
    assert healthz(client)[0] == 200

    admin.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
    kick(admin, role)
    assert client.get("/mia-bio").status_code == 503
    status, body = healthz(client)
    assert status == 503 and "read-only" in body["reason"]

    admin.execute(f"ALTER ROLE {role} RESET default_transaction_read_only")
    kick(admin, role)
    assert healthz(client)[0] == 200
    assert client.get("/mia-bio").status_code == 302

    admin.execute(f"ALTER ROLE {role} NOLOGIN")  # as good as down for the app
    kick(admin, role)
    assert client.get("/mia-bio").status_code == 503
    assert healthz(client)[0] == 503
    admin.execute(f"ALTER ROLE {role} LOGIN")
    assert healthz(client)[0] == 200
    assert client.get("/mia-bio").status_code == 302
    store.close()


@pytest.mark.parametrize("table", ["clicks", "links"])
def test_a_locked_table_answers_a_fast_503(pg_url, table):
    import psycopg

    store = open_store(pg_url)
    app = create_app(Config(database=pg_url, base_url="https://go.example"), store=store)
    campaign_with_links(store)
    client = app.test_client()
    assert client.get("/mia-bio").status_code == 302  # link cached, connection open
    with psycopg.connect(pg_url) as locker:
        locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        assert client.get("/mia-bio").status_code == 503
        waited = time.monotonic() - started
        locker.rollback()
    assert 1.5 < waited < 3.5  # TRACKER_PG_TIMEOUT, 2 s; not retried
    assert client.get("/mia-bio").status_code == 302
    assert store.click_count() == 2
    store.close()


def test_a_killed_connection_is_replaced_and_the_click_retried(pg_url):
    import psycopg

    store = open_store(pg_url)
    app = create_app(Config(database=pg_url, base_url="https://go.example"), store=store)
    campaign_with_links(store)
    client = app.test_client()
    assert client.get("/mia-bio").status_code == 302
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [store.last_hot.info.backend_pid])
    resp = client.get("/mia-bio")
    assert resp.status_code == 302
    assert store.one("SELECT id FROM clicks WHERE id = ?", [click_id(resp)]) is not None
    assert store.click_count() == 2
    store.close()


def test_a_retry_that_finds_its_own_click_counts_it_once(pg_url):
    """The connection is lost while the INSERT is in flight: it may have
    committed. The retry then finds the click id (random, the primary key)
    already there: the click is stored, once, and it is a 302."""
    import psycopg

    store = open_store(pg_url)
    store.migrate()
    campaign_with_links(store)
    link = store.link_for_redirect("mia-bio")
    click = click_row(link, 0, id="retryclick00000000000001")
    assert store.insert_click(click) is True  # "the first attempt committed"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [store.last_hot.info.backend_pid])
    assert store.insert_click(click) is True  # ... and the answer was lost
    assert store.click_count() == 1
    store.close()


# -- the SQLite WAL ------------------------------------------------------------------------


def test_the_wal_starts_over_past_its_limit_unless_a_reader_is_in_it(tmp_path, monkeypatch):
    """Past the limit the log is started over in place (RESTART: the next
    click writes its first frame, and the file is cut back to the limit);
    a reader inside the WAL makes the checkpointer give up at once; when
    no click comes the file is emptied (TRUNCATE)."""
    import sqlite3

    monkeypatch.setenv("TRACKER_WAL_MAX_MB", "1")
    db = str(tmp_path / "t.db")
    store = open_store(db)
    store.migrate()
    store._checkpointing = True  # as a served worker: no autocheckpoint
    store.close()
    campaign_with_links(store)
    link = store.link_for_redirect("mia-bio")
    checkpointer = sqlite3.connect(db, isolation_level=None)
    checkpointer.execute("PRAGMA busy_timeout = 5")
    lock = open(db + "-writelock", "a")
    limit = 1024 * 1024

    def clicks(n, start):
        for i in range(start, start + n):
            store.insert_click(click_row(link, i, user_agent="x" * 300))

    def frames():
        return checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]

    clicks(3000, 0)
    assert store.wal_bytes() > limit
    assert store.checkpoint(checkpointer, lock, limit) == "restarted"
    clicks(1, 3000)
    assert frames() < 20  # the log started over from its first frame ...
    assert store.wal_bytes() <= limit  # ... in a file cut back to the limit

    # A reader inside the WAL: the checkpointer gives up at once.
    clicks(3000, 3001)
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM clicks").fetchone()
    clicks(200, 6001)
    started = time.monotonic()
    assert store.checkpoint(checkpointer, lock, limit) == "restart-busy"
    assert time.monotonic() - started < 0.5
    reader.execute("COMMIT")
    clicks(1, 6201)
    assert store.checkpoint(checkpointer, lock, limit) == "restarted"
    clicks(1, 6202)
    assert frames() < 20 and store.wal_bytes() <= limit

    # No click since the last round: the file is emptied.
    assert store.checkpoint(checkpointer, lock, limit) == "passive"
    assert store.checkpoint(checkpointer, lock, limit) == "truncated"
    assert store.wal_bytes() == 0
    assert store.click_count() == 6203
    store.close()


def test_sqlite_click_insert_checks_the_link_in_the_same_statement(tmp_path):
    """The SQLite insert (VALUES with the link id as a subquery, no
    ephemeral table under the rollups' trigger) writes nothing for a
    disabled or unknown link, and any other constraint still fails loudly."""
    import sqlite3

    store = open_store(str(tmp_path / "t.db"))
    store.migrate()
    campaign_with_links(store)
    link = store.link_for_redirect("mia-bio")
    assert store.insert_click(click_row(link, 1)) is True
    store.set_link_disabled("mia-bio", True)
    assert store.insert_click(click_row(link, 2)) is False
    assert store.insert_click(click_row(dict(link, id=10**9), 3)) is False
    store.set_link_disabled("mia-bio", False)
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_click(click_row(link, 1))  # the same click id again
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_click(click_row(link, 4, source=None))
    assert store.click_count() == 1
    store.close()
