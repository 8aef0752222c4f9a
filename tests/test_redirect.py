"""GET /<code>: the 302, the click row, and what must not make a row."""

from datetime import UTC
from urllib.parse import parse_qsl, urlsplit

from tracker.redirect import client_ip

from .helpers import campaign_with_links

IG_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 123.1.0.26.115 (iPhone11,8; iOS 13_3; "
    "en_US; en-US; scale=2.00; 828x1792; 190542906)"
)


def clicks(store):
    return store.query("SELECT * FROM clicks ORDER BY at")


def test_redirect_logs_one_classified_click(store, client):
    campaign_with_links(store)
    resp = client.get(
        "/mia-bio?ttclid=E.C.P.xyz",
        headers={"User-Agent": IG_IOS},
        environ_overrides={"REMOTE_ADDR": "203.0.113.9"},
    )
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
    for header in (
        {"Sec-Purpose": "prefetch;prerender"},
        {"Purpose": "prefetch"},
        {"X-Purpose": "preview"},
    ):
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
        client.get(
            "/jade-bio", headers={"User-Agent": IG_IOS}, environ_overrides={"REMOTE_ADDR": ip}
        )
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
    for attack in (
        "?next=https://evil.example",
        "?@evil.example",
        "?%0d%0aLocation:%20https://evil.example",
        "?url=//evil.example&redirect=javascript:alert(1)",
    ):
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
    from tracker.settings import Config
    from tracker.web.app import create_app

    db = tmp_path / "gone" / "t.db"
    db.parent.mkdir()
    app = create_app(Config(database=str(db)))
    app.extensions["tracker.store"].close()
    for f in db.parent.iterdir():
        f.unlink()
    db.parent.rmdir()
    assert app.test_client().get("/healthz").status_code == 503


def test_click_day_is_the_campaigns_local_day(store, app):
    from datetime import datetime

    campaign_with_links(store, tz="America/New_York")
    app.wsgi_app.clock = lambda: datetime(2026, 11, 10, 3, 30, tzinfo=UTC)
    app.test_client().get("/mia-bio")
    row = clicks(store)[0]
    assert row["at"] == "2026-11-10T03:30:00.000000Z"
    assert row["day"] == "2026-11-09"  # 22:30 the evening before in New York


def test_click_ids_are_unguessable_and_spreadsheet_safe():
    from tracker.redirect import new_click_id

    ids = {new_click_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 16 and i[0].isalnum() for i in ids)


def test_disabling_a_link_stops_it_at_once_even_when_cached(store, client):
    campaign_with_links(store)
    assert client.get("/mia-bio").status_code == 302  # now cached in the worker
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


# -- destinations outside ASCII ------------------------------------------------------


def header_safe(location: str) -> bool:
    """What gunicorn can send and what a URI may hold: printable ASCII, no space."""
    return location.isascii() and all(0x21 <= ord(ch) <= 0x7E for ch in location)


def test_unicode_destinations_are_stored_as_ascii_uris_and_redirect(store, client):
    from urllib.parse import unquote

    from tracker import campaigns

    made = campaigns.create_campaign(
        store,
        "intl",
        "Intl",
        "https://shop.example/日本/é?q=ü&r=50%25#teil-ä",
        "2026-11-01",
        "UTC",
        "EUR",
    )
    assert made["destination"] == (
        "https://shop.example/%E6%97%A5%E6%9C%AC/%C3%A9?q=%C3%BC&r=50%25#teil-%C3%A4"
    )
    campaigns.add_creator(store, "mia", "tiktok")
    campaigns.create_link(store, "https://go.example", "intl", "mia", "bio", code="mia-jp")
    idn = campaigns.create_link(
        store,
        "https://go.example",
        "intl",
        "mia",
        "post",
        code="mia-idn",
        destination="https://Bücher.example:8443/straße",
    )
    assert idn["destination_url"].startswith("https://xn--bcher-kva.example:8443/stra%C3%9Fe?")
    for code, host, path in (
        ("mia-jp", "shop.example", "/日本/é"),
        ("mia-idn", "xn--bcher-kva.example:8443", "/straße"),
    ):
        resp = client.get(f"/{code}?ttclid=E.C.P.x")
        assert resp.status_code == 302
        location = resp.headers["Location"]
        assert header_safe(location), location
        parts = urlsplit(location)
        assert (parts.netloc, unquote(parts.path)) == (host, path)
        assert client.head(f"/{code}").status_code == 302
    assert len(clicks(store)) == 2


def test_ascii_destinations_are_kept_as_typed():
    from tracker import validate

    for url in (
        "https://Shop.example/p?a=1&b=%2F#x",
        "http://[2001:db8::1]:8080/a;b?c=d",
        "https://shop.example/p?",
    ):
        assert validate.url(url) == url


def test_invisible_characters_in_destinations_are_refused(store):
    import pytest

    from tracker import campaigns
    from tracker.errors import BadInput

    for bad in (
        "https://shop.example/a\u200bb",
        "https://shop\u200b.example/",
        "https://shop.example/?x=\u202e",
        "\ufeffhttps://shop.example/",
    ):
        with pytest.raises(BadInput, match="invisible"):
            campaigns.create_campaign(store, "c1", "C", bad)
    for bad in ("https://bü_cher.example/", "https://" + "ü" * 70 + ".example/"):
        with pytest.raises(BadInput, match="host"):
            campaigns.create_campaign(store, "c1", "C", bad)
    assert store.campaigns() == []


def test_a_stored_target_that_cannot_be_a_location_is_503_without_a_row(store, client):
    """An old row made before destinations were normalised: no 302 that the
    server could not send, and so no click row either."""
    from tracker.campaigns import now_utc

    campaign_with_links(store)
    spring, mia = store.campaign("spring"), store.creator("mia")
    for code, target in (
        ("old-jp", "https://shop.example/日本?utm_source=tiktok"),
        ("old-sp", "https://shop.example/a b"),
        ("old-zw", "https://shop.example/a\u200bb"),
    ):
        store.insert(
            "links",
            {
                "code": code,
                "campaign_id": spring["id"],
                "creator_id": mia["id"],
                "channel": "bio",
                "destination": target,
                "target_url": target,
                "created_at": now_utc(),
            },
        )
        for _ in range(2):
            resp = client.get(f"/{code}")
            assert resp.status_code == 503 and "Location" not in resp.headers
            assert resp.headers["Retry-After"] and resp.headers["Cache-Control"] == "no-store"
        assert client.head(f"/{code}").status_code == 503
    assert clicks(store) == []
    assert client.get("/mia-bio").status_code == 302 and len(clicks(store)) == 1


# -- visitor salts go two days later, with or without clicks -------------------------


def salt_days(store):
    return sorted(r["day"] for r in store.query("SELECT day FROM visitor_salts"))


def test_old_salts_are_deleted_without_any_click(store, db_url):
    import time
    from datetime import datetime, timedelta

    from tracker.settings import Config
    from tracker.web.app import create_app

    today = datetime.now(UTC)
    recent = f"{(today - timedelta(days=1)).date()}|Europe/Berlin"
    store.visitor_salt("2020-01-01|UTC", "old")
    store.visitor_salt(recent, "recent")

    # app start
    app = create_app(Config(database=db_url), store=store)
    assert salt_days(store) == [recent]

    # /healthz, which a load balancer or the container calls all day
    redirector = app.extensions["tracker.redirector"]
    redirector.clock = lambda: today + timedelta(days=1)
    store.visitor_salt("2020-01-02|UTC", "old")
    assert app.test_client().get("/healthz").status_code == 200
    assert salt_days(store) == [recent]

    # the housekeeping thread of a served worker nobody visits
    redirector.clock = lambda: today + timedelta(days=4)
    stop = redirector.start_housekeeping(interval=0.05)
    try:
        deadline = time.time() + 10
        while salt_days(store) and time.time() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert salt_days(store) == []
    assert clicks(store) == []
