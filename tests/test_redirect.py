"""GET /<code>: the 302, the click row, and what must not make a row."""
from urllib.parse import parse_qsl, urlsplit

from tracker.redirect import client_ip

from .helpers import campaign_with_links

IG_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Mobile/15E148 Instagram 123.1.0.26.115 (iPhone11,8; iOS 13_3; "
          "en_US; en-US; scale=2.00; 828x1792; 190542906)")


def clicks(store):
    return store.query("SELECT * FROM clicks ORDER BY at")


def test_redirect_logs_one_classified_click(store, client):
    campaign_with_links(store)
    resp = client.get("/mia-bio?ttclid=E.C.P.xyz", headers={"User-Agent": IG_IOS},
                      environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert resp.status_code == 302
    assert resp.headers["Cache-Control"] == "no-store"
    location = urlsplit(resp.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "shop.example", "/p")
    params = dict(parse_qsl(location.query))
    assert params["ttclid"] == "E.C.P.xyz" and params["utm_content"] == "mia"
    rows = clicks(store)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == params["trk"]
    assert (row["source"], row["platform"], row["is_bot"]) == ("sponsored", "tiktok", 0)
    assert row["ad_click_id"] == "E.C.P.xyz"
    assert row["in_app"] == "instagram" and row["device"] == "mobile"
    assert row["at"].endswith("Z") and len(row["day"]) == 10
    # The address is never stored, in any column.
    assert not any("203.0.113.9" in str(v) for v in row.values())


def test_unknown_and_disabled_codes_are_404_without_a_row(store, client):
    campaign_with_links(store)
    store.set_link_disabled("mia-bio", True)
    for path in ("/nope123", "/mia-bio"):
        resp = client.get(path)
        assert resp.status_code == 404
        assert b"Link not found" in resp.data
    assert clicks(store) == []


def test_head_and_prefetch_make_no_row(store, client):
    campaign_with_links(store)
    head = client.head("/mia-bio")
    assert head.status_code == 302 and "trk=" not in head.headers["Location"]
    for header in ({"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"},
                   {"X-Purpose": "preview"}):
        resp = client.get("/mia-bio", headers=header)
        assert resp.status_code == 302 and "trk=" not in resp.headers["Location"]
    assert clicks(store) == []


def test_bots_are_redirected_and_flagged(store, client):
    campaign_with_links(store)
    resp = client.get("/mia-ad", headers={"User-Agent": "facebookexternalhit/1.1"})
    assert resp.status_code == 302
    row = clicks(store)[0]
    assert row["is_bot"] == 1 and row["source"] == "sponsored" and row["device"] == "bot"


def test_visitor_hash_is_stable_within_a_day_and_per_person(store, client):
    campaign_with_links(store)
    for ip in ("198.51.100.1", "198.51.100.1", "198.51.100.2"):
        client.get("/jade-bio", headers={"User-Agent": IG_IOS}, environ_overrides={"REMOTE_ADDR": ip})
    visitors = [r["visitor"] for r in clicks(store)]
    assert visitors[0] == visitors[1] != visitors[2]
    assert len(store.query("SELECT * FROM visitor_salts")) == 1


def test_forwarded_for_is_ignored_unless_proxies_are_trusted():
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.5"}
    assert client_ip(environ, 0) == "10.0.0.1"
    assert client_ip(environ, 1) == "203.0.113.5"
    assert client_ip(environ, 2) == "1.1.1.1"
    assert client_ip(environ, 5) == "1.1.1.1"


def test_the_location_never_leaves_the_links_destination(store, client):
    campaign_with_links(store)
    for attack in ("?next=https://evil.example", "?@evil.example", "?%0d%0aLocation:%20https://evil.example",
                   "?url=//evil.example&redirect=javascript:alert(1)"):
        resp = client.get("/mia-bio" + attack)
        loc = urlsplit(resp.headers["Location"])
        assert (loc.scheme, loc.netloc, loc.path) == ("https", "shop.example", "/p")
        assert "\r" not in resp.headers["Location"] and "\n" not in resp.headers["Location"]


def test_post_to_a_code_is_not_a_click(store, client):
    campaign_with_links(store)
    assert client.post("/mia-bio").status_code in (404, 405)
    assert clicks(store) == []


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json["status"] == "ok"


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    from tracker.web.app import create_app
    from tracker.settings import Config

    db = tmp_path / "gone" / "t.db"
    db.parent.mkdir()
    app = create_app(Config(database=str(db)))
    app.extensions["tracker.store"].close()
    for f in db.parent.iterdir():
        f.unlink()
    db.parent.rmdir()
    assert app.test_client().get("/healthz").status_code == 503


def test_click_day_is_the_campaigns_local_day(store, app):
    from datetime import datetime, timezone

    campaign_with_links(store, tz="America/New_York")
    app.wsgi_app.clock = lambda: datetime(2026, 11, 10, 3, 30, tzinfo=timezone.utc)
    app.test_client().get("/mia-bio")
    row = clicks(store)[0]
    assert row["at"] == "2026-11-10T03:30:00.000000Z"
    assert row["day"] == "2026-11-09"   # 22:30 the evening before in New York


def test_click_ids_are_unguessable_and_spreadsheet_safe():
    from tracker.redirect import new_click_id

    ids = {new_click_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 16 and i[0].isalnum() for i in ids)


def test_disabling_a_link_stops_it_at_once_even_when_cached(store, client):
    campaign_with_links(store)
    assert client.get("/mia-bio").status_code == 302        # now cached in the worker
    store.set_link_disabled("mia-bio", True)
    assert client.get("/mia-bio").status_code == 404
    assert client.head("/mia-bio").status_code == 404
    assert len(clicks(store)) == 1
    store.set_link_disabled("mia-bio", False)
    assert client.get("/mia-bio").status_code == 302
    assert len(clicks(store)) == 2


def test_nul_characters_in_the_request_are_never_stored(store, client):
    campaign_with_links(store)
    resp = client.get("/mia-bio?ttclid=abc%00def", headers={"User-Agent": "Mozilla/5.0\x00x"})
    assert resp.status_code == 302
    row = clicks(store)[0]
    assert row["ad_click_id"] == "abcdef" and "\x00" not in row["user_agent"]
