"""End to end: real gunicorn, real user-agent strings, the CSV export checked
row by row against what each request should have been classified as."""

import csv
import http.client
import io
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from .conftest import tracker

QUERIES = [
    ("", None),  # the declared channel (bio) decides
    ("?ttclid=E.C.P.Cq4Bx", ("sponsored", "tiktok")),
    ("?utm_medium=cpc", ("sponsored", None)),
    ("?fbclid=IwAR0abc", ("organic", None)),
]


def get(server, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, resp.getheader("Location")


def setup_campaign(db):
    tracker(
        "campaign",
        "create",
        "e2e",
        "--name",
        "E2E",
        "--destination",
        "https://shop.example/landing",
        db=db,
    )
    tracker("creator", "add", "jade", "--platform", "instagram", db=db)
    tracker("link", "create", "e2e", "jade", "--channel", "bio", "--code", "jade-bio", db=db)


def test_real_server_classifies_real_agents(tmp_path, serve, real_agents):
    db = str(tmp_path / "e2e.db")
    setup_campaign(db)
    server = serve(db)
    expected = {}
    jobs = []
    for i, agent in enumerate(real_agents):
        query, rule = QUERIES[i % len(QUERIES)]
        jobs.append((query, rule, agent))

    def send(job):
        query, rule, agent = job
        status, location = get(server, "/jade-bio" + query, {"User-Agent": agent["ua"]})
        return status, location, rule, agent

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, jobs))
    for status, location, rule, agent in results:
        assert status == 302
        assert urlsplit(location).netloc == "shop.example"
        click_id = parse_qs(urlsplit(location).query)["trk"][0]
        fallback = agent["in_app"] or "instagram"
        if rule is None:
            source, platform = "organic", fallback
        else:
            source, platform = (
                rule[0],
                rule[1]
                or ("facebook" if "fbclid" in location and not agent["in_app"] else fallback),
            )
        expected[click_id] = (source, platform, "true" if agent["is_bot"] else "false")

    out = tracker("export", "clicks", "e2e", "--include-bots", db=db).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(real_agents)  # every 302 has its row
    got = {r["click_id"]: (r["source"], r["platform"], r["is_bot"]) for r in rows}
    assert got == expected
    humans_only = list(
        csv.DictReader(io.StringIO(tracker("export", "clicks", "e2e", db=db).stdout))
    )
    assert len(humans_only) == sum(not a["is_bot"] for a in real_agents)


def test_concurrent_clicks_are_all_stored(tmp_path, serve):
    db = str(tmp_path / "load.db")
    setup_campaign(db)
    server = serve(db, workers=3)
    ua = {
        "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1"
    }
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: get(server, "/jade-bio", ua)[0], range(400)))
    answered = statuses.count(302)
    assert answered == 400
    server.stop()
    out = tracker("export", "clicks", "e2e", db=db).stdout
    assert len(out.strip().splitlines()) - 1 == answered


def test_server_basics(tmp_path, serve):
    db = str(tmp_path / "basics.db")
    setup_campaign(db)
    server = serve(db)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/healthz")
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200 and b'"ok"' in body
    assert "/" not in (resp.getheader("Server") or "")  # no version banner
    status, _ = get(server, "/does-not-exist", {})
    assert status == 404


def test_served_logs_carry_no_client_addresses_and_no_tokens(tmp_path, serve):
    """gunicorn's error log names the client of a bad request, and the access
    log writes request lines and referrers, share tokens and all: neither may
    reach the log."""
    import socket
    import urllib.request

    from tracker import access
    from tracker.store import open_store

    from .helpers import BASE, campaign_with_links

    db = str(tmp_path / "logs.db")
    store = open_store(db)
    store.migrate()
    access.ensure_secrets(store)
    campaign_with_links(store)
    share = access.share_link(store, BASE, "spring")["url"].split("?share=")[1]
    api_token = access.create_token(store, "ops")["token"]
    store.close()

    # Bound by name: `tracker serve` announces its listening address itself,
    # so the only 127.0.0.1 left to find is the client's.
    server = serve(db, args=["--host", "localhost", "--access-log"])
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(b"NOT A REQUEST LINE\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    opened = urllib.request.urlopen(f"{server.url}/stats/spring.json?share={share}", timeout=10)
    assert opened.status == 200
    for path, headers in (
        (f"/api/campaigns?token={api_token}", {}),
        (
            "/api/campaigns",
            {
                "Authorization": f"Bearer {api_token}",
                "Referer": f"{server.url}/stats/spring?share={share}",
            },
        ),
        ("/mia-bio", {"User-Agent": "Mozilla/5.0 Chrome/124.0.0.0 Safari/537.36"}),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
        conn.close()

    log = server.output()
    assert "Invalid request from ip=" in log  # the error line is there ...
    assert "/stats/spring.json?share=***" in log  # ... and the access lines
    assert "/api/campaigns?token=***" in log and "share=***" in log
    assert "Chrome/124.0.0.0" in log  # a version is not an address
    assert "127.0.0.1" not in log, log
    assert share not in log and api_token not in log, log
