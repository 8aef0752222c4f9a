"""Outgrowing one machine: SQLite copied into PostgreSQL, and two app servers
on one PostgreSQL database at once."""

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

from tracker.store import open_store
from tracker.store.copying import COPY_ORDER

from .conftest import tracker


def request(server, method, path, token=None, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body)
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, resp.getheader("Location"), payload


def test_migrate_data_keeps_every_row_and_every_number(tmp_path, pg_url):
    sqlite = str(tmp_path / "old.db")
    tracker("demo", "--clicks", "900", db=sqlite)
    tracker("token", "create", "ops", db=sqlite)
    out = tracker("migrate-data", "--from", sqlite, "--to", pg_url, "--json", db=sqlite)
    copied = json.loads(out.stdout)
    source, target = open_store(sqlite), open_store(pg_url)
    for table, _ in COPY_ORDER:
        assert target.count(table) == source.count(table) == copied["tables"][table], table
    for window in ("7", "30", "all"):
        before = tracker("report", "demo-launch", "--window", window, "--json", db=sqlite).stdout
        after = tracker("report", "demo-launch", "--window", window, "--json", db=pg_url).stdout
        assert json.loads(before) == json.loads(after)
    assert json.loads(before)["totals"]["conversions"] > 0
    # New rows get fresh ids after the copied ones.
    tracker("link", "create", "demo-launch", "mia.moves", "--channel", "post", db=pg_url)
    assert target.count("links") == source.count("links") + 1
    # A second copy into a database that holds data is refused, writing nothing.
    again = tracker("migrate-data", "--from", sqlite, "--to", pg_url, db=sqlite, check=False)
    assert again.returncode == 2 and "already holds data" in again.stderr
    assert target.count("links") == source.count("links") + 1
    source.close()
    target.close()


def test_two_app_servers_on_one_postgres(pg_url, serve):
    tracker("init", db=pg_url)
    tracker(
        "campaign",
        "create",
        "multi",
        "--name",
        "Multi",
        "--destination",
        "https://shop.example/",
        db=pg_url,
    )
    tracker("creator", "add", "mia", "--platform", "tiktok", db=pg_url)
    tracker("link", "create", "multi", "mia", "--channel", "bio", "--code", "mia-bio", db=pg_url)
    token = tracker("token", "create", "ops", db=pg_url).stdout.strip()
    a, b = serve(pg_url), serve(pg_url)
    ua = {
        "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1"
    }

    def click(i):
        return request(
            (a, b)[i % 2], "GET", "/mia-bio?ttclid=x" if i % 3 else "/mia-bio", headers=ua
        )

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(click, range(400)))
    tokens = {loc.split("trk=")[1] for status, loc, _ in answers if status == 302}
    assert len(tokens) == 400
    store = open_store(pg_url)
    assert store.click_count() == 400
    stored = {r["id"] for r in store.query("SELECT id FROM clicks")}
    assert stored == tokens

    def make_link(i):
        return request(
            (a, b)[i % 2],
            "POST",
            "/api/campaigns/multi/links",
            token,
            {"creator": "mia", "channel": "post"},
        )

    with ThreadPoolExecutor(16) as pool:
        made = list(pool.map(make_link, range(120)))
    assert [status for status, _, _ in made] == [201] * 120
    codes = [json.loads(payload)["code"] for _, _, payload in made]
    assert len(set(codes)) == 120
    assert store.one("SELECT COUNT(*) AS n FROM links")["n"] == 121

    reports = [
        json.loads(request(s, "GET", "/api/campaigns/multi/report?window=all", token)[2])
        for s in (a, b)
    ]
    assert reports[0] == reports[1]
    assert reports[0]["totals"]["clicks"] == 400
    assert reports[0]["sources"]["sponsored"]["clicks"] == sum(1 for i in range(400) if i % 3)
    store.close()


def test_migrate_data_from_a_missing_file_is_refused(tmp_path, pg_url):
    missing = str(tmp_path / "missing.db")
    proc = tracker("migrate-data", "--from", missing, "--to", pg_url, db=missing, check=False)
    assert proc.returncode == 2 and "no such database file" in proc.stderr
    assert not (tmp_path / "missing.db").exists()
