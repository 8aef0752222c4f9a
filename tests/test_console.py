"""The console over HTTP (Flask's test client), on real SQLite and PostgreSQL:
every route's authorization (anonymous, viewer, admin), CSRF on every
state-changing request, the session cookie's flags, sign-in slowing,
forms that refuse with the error next to the field and write nothing, and
uploads previewed by a dry run before anything is imported.

The browser tests (tests/test_console_browser.py) drive the same pages in
Chromium against a real server.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
import types
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tracker import access, campaigns, reports, users
from tracker.settings import Config
from tracker.store import open_store
from tracker.web import console
from tracker.web.app import create_app

from .helpers import BASE, campaign_with_links

pytestmark = pytest.mark.usefixtures("cheap_hashes")

ADMIN, VIEWER, PASSWORD = "ana@example.com", "vic@example.com", "correct horse battery"
TABLES = (
    "campaigns",
    "creators",
    "campaign_creators",
    "links",
    "clicks",
    "promo_codes",
    "shops",
    "orders",
    "refunds",
    "metrics",
    "api_tokens",
    "share_secrets",
    "users",
)
ORDERS_CSV = (
    "order_id,code,amount,redeemed_at\n"
    "o-1,MIA10,19.99,2026-11-03T10:00:00Z\n"
    "o-2,mia10,5.00,2026-11-03T11:00:00Z\n"
)
PARAMS = {"slug": "spring", "code": "mia-bio", "handle": "zoe", "upload_id": "x" * 24}
# Rules whose <code> is a promo code, not a short link's.
PROMO_RULES = {"/campaigns/<slug>/promo-codes/<code>/remove"}


def upload_file(text: str = ORDERS_CSV, name: str = "orders.csv"):
    return (io.BytesIO(text.encode("utf-8")), name)


# Every console route, with a request an admin may make. A new route fails
# test_every_route_is_listed until it is added here (and so tested below).
VALID = {
    ("/", "GET"): None,
    ("/login", "GET"): None,
    ("/login", "POST"): {"email": ADMIN, "password": PASSWORD},
    ("/logout", "POST"): {},
    ("/campaigns/new", "GET"): None,
    ("/campaigns/new", "POST"): {
        "slug": "autumn",
        "name": "Autumn",
        "destination": "https://shop.example/a",
    },
    ("/campaigns/<slug>", "GET"): None,
    ("/campaigns/<slug>/edit", "GET"): None,
    ("/campaigns/<slug>/edit", "POST"): {
        "name": "Spring relaunch",
        "destination": "https://shop.example/p?ref=abc",
        "starts_on": "2026-11-01",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "budget": "900",
    },
    ("/campaigns/<slug>/archive", "POST"): {"archived": "1"},
    ("/campaigns/<slug>/creators", "POST"): {"creator": "kai", "fee": "10"},
    ("/campaigns/<slug>/creators/<handle>/fee", "POST"): {"fee": "99.50"},
    ("/campaigns/<slug>/creators/<handle>/remove", "POST"): {},
    ("/campaigns/<slug>/links", "POST"): {"creator": "mia", "channel": "story"},
    ("/campaigns/<slug>/link-preview", "GET"): None,
    ("/links/<code>/disable", "POST"): {},
    ("/links/<code>/enable", "POST"): {},
    ("/links/<code>/qr.svg", "GET"): None,
    ("/links/<code>/qr.png", "GET"): None,
    ("/campaigns/<slug>/promo-codes", "POST"): {"creator": "mia", "code": "MIA20"},
    ("/campaigns/<slug>/promo-codes/<code>/remove", "POST"): {},
    ("/campaigns/<slug>/share-links", "POST"): {"expires": "7d"},
    ("/campaigns/<slug>/share-links/revoke", "POST"): {},
    ("/creators", "GET"): None,
    ("/creators", "POST"): {"handle": "newbie", "platform": "tiktok"},
    ("/creators/<handle>/edit", "GET"): None,
    ("/creators/<handle>/edit", "POST"): {"handle": "zoe", "platform": "youtube", "name": "Zoe"},
    ("/uploads", "GET"): None,
    ("/uploads", "POST"): "upload",
    ("/uploads/<upload_id>", "GET"): None,
    ("/uploads/<upload_id>/import", "POST"): {},
    ("/uploads/<upload_id>/discard", "POST"): {},
}


def console_routes() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "routes.db")
        st = open_store(db)
        try:
            app = create_app(Config(database=db), store=st)
            return sorted(
                (r.rule, m, r.endpoint)
                for r in app.url_map.iter_rules()
                if r.endpoint.startswith("console.")
                for m in r.methods - {"HEAD", "OPTIONS"}
            )
        finally:
            st.close()


ROUTES = console_routes()
PUBLIC = [r for r in ROUTES if r[2] in console.PUBLIC]
GUARDED = [r for r in ROUTES if r[2] not in console.PUBLIC]
CHANGES = [r for r in GUARDED if r[1] != "GET" and r[2] not in console.VIEWER_MAY_POST]
READS = [r for r in GUARDED if r[1] == "GET"]
POSTS = [r for r in ROUTES if r[1] == "POST"]


def ids(routes):
    return [f"{m} {r}" for r, m, _ in routes]


def fill(rule: str, **values) -> str:
    params = dict(PARAMS, code="mia10" if rule in PROMO_RULES else PARAMS["code"], **values)
    return re.sub(
        r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(str(params[m.group(1)]), safe=""), rule
    )


# -- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def site(store):
    """spring (mia, jade with links; zoe enrolled without any; promo code
    mia10), kai not on any campaign, and an admin and a viewer."""
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10")
    campaigns.add_creator(store, "zoe", "youtube")
    campaigns.enroll(store, "spring", "zoe", "100")
    campaigns.add_creator(store, "kai", "instagram")
    users.add_user(store, ADMIN, PASSWORD, "admin")
    users.add_user(store, VIEWER, PASSWORD, "viewer")
    return store


def snapshot(store) -> dict:
    return {t: sorted(map(str, store.query(f"SELECT * FROM {t}"))) for t in TABLES}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def token(client) -> str:
    """A CSRF token of this client's session, from a page that has a form."""
    page = client.get("/login")
    if page.status_code == 303:  # signed in: the campaign list has the sign-out form
        page = client.get("/")
    return csrf_of(page.get_data(as_text=True))


def sign_in(client, email: str, password: str = PASSWORD, **kw):
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token(client)}, **kw
    )


@pytest.fixture
def admin(app, site):
    client = app.test_client()
    assert sign_in(client, ADMIN).status_code == 303
    return client


@pytest.fixture
def viewer(app, site):
    client = app.test_client()
    assert sign_in(client, VIEWER).status_code == 303
    return client


def send(client, rule: str, method: str, csrf: str | None = "auto", **values):
    url = fill(rule, **values)
    if method == "GET":
        return client.get(url + ("?creator=mia&channel=ad" if "link-preview" in rule else ""))
    body = VALID[(rule, method)]
    data = (
        {"kind": "orders", "campaign": "spring", "file": upload_file()}
        if body == "upload"
        else dict(body)
    )
    if csrf == "auto":
        data["csrf_token"] = token(client)
    elif csrf is not None:
        data["csrf_token"] = csrf
    return client.post(url, data=data, content_type="multipart/form-data")


def upload(
    client,
    text: str = ORDERS_CSV,
    kind: str = "orders",
    campaign: str = "spring",
    name: str = "orders.csv",
) -> str:
    resp = client.post(
        "/uploads",
        data={
            "kind": kind,
            "campaign": campaign,
            "file": upload_file(text, name),
            "csrf_token": token(client),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    return resp.headers["Location"].rsplit("/", 1)[1]


def field_error(html: str, form: str, field: str) -> str | None:
    match = re.search(rf'id="{form}-{field}-error">([^<]*)<', html)
    return match.group(1) if match else None


# -- the route list --------------------------------------------------------------------


def test_every_route_is_listed():
    assert {(r, m) for r, m, _ in ROUTES} == set(VALID)
    assert {e for _, _, e in PUBLIC} == {"console.login", "console.login_form"}
    assert len(CHANGES) == 18 and len(READS) == 11


# -- anonymous: sent to sign in (pages) or 401 (JSON, images); nothing changes ---------------


@pytest.mark.parametrize("rule,method,endpoint", READS, ids=ids(READS))
def test_anonymous_reads_are_sent_to_sign_in(app, site, rule, method, endpoint):
    client = app.test_client()
    resp = send(client, rule, method)
    if endpoint in console.NOT_PAGES:
        assert resp.status_code == 401
        assert resp.get_json()["error"]["code"] == "unauthorized"
    else:
        assert resp.status_code == 303
        location = urlsplit(resp.headers["Location"])
        assert location.path == "/login"
        assert parse_qs(location.query)["next"] == [fill(rule)]


@pytest.mark.parametrize("rule,method,endpoint", CHANGES, ids=ids(CHANGES))
def test_anonymous_changes_are_refused(app, site, rule, method, endpoint):
    client = app.test_client()
    before = snapshot(site)
    resp = send(client, rule, method)  # with a valid CSRF token of its own session
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")
    assert snapshot(site) == before


# -- viewers read everything and change nothing ----------------------------------------------


@pytest.mark.parametrize("rule,method,endpoint", CHANGES, ids=ids(CHANGES))
def test_viewers_get_403_on_every_change(viewer, site, rule, method, endpoint):
    before = snapshot(site)
    resp = send(viewer, rule, method)
    assert resp.status_code == 403
    assert "Only admins can change things" in resp.get_data(as_text=True)
    assert snapshot(site) == before


@pytest.mark.parametrize("rule,method,endpoint", READS, ids=ids(READS))
def test_viewers_read_every_page(viewer, site, rule, method, endpoint):
    if "<upload_id>" in rule:
        assert send(viewer, rule, method).status_code == 404  # no upload of theirs
        return
    resp = send(viewer, rule, method)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]


def test_viewers_see_no_forms_but_can_sign_out(viewer, site):
    for path in ("/", "/campaigns/spring", "/creators", "/uploads"):
        html = viewer.get(path).get_data(as_text=True)
        actions = set(re.findall(r'<form[^>]*action="([^"]+)"', html))
        assert actions == {"/logout"}, (path, actions)
        assert "viewer" in html
    assert viewer.post("/logout", data={"csrf_token": token(viewer)}).status_code == 303
    assert viewer.get("/").status_code == 303


# -- admins may do everything -----------------------------------------------------------------


@pytest.mark.parametrize(
    "rule,method,endpoint",
    [r for r in ROUTES if r[2] != "console.logout"],
    ids=ids([r for r in ROUTES if r[2] != "console.logout"]),
)
def test_admins_may_use_every_route(admin, site, rule, method, endpoint):
    values = {}
    if "<upload_id>" in rule:
        values["upload_id"] = upload(admin)
    resp = send(admin, rule, method, **values)
    assert resp.status_code in (200, 303), (resp.status_code, resp.get_data(as_text=True)[:500])
    if endpoint == "console.login":
        assert resp.headers["Location"] == "/"


def test_admin_changes_are_written(admin, site):
    send(admin, "/campaigns/new", "POST")
    assert site.campaign("autumn")["name"] == "Autumn"
    send(admin, "/campaigns/<slug>/creators/<handle>/fee", "POST")
    assert (
        site.enrolment(site.campaign("spring")["id"], site.creator("zoe")["id"])["fee_minor"]
        == 9950
    )
    send(admin, "/links/<code>/disable", "POST")
    assert site.link("mia-bio")["disabled"]
    send(admin, "/campaigns/<slug>/promo-codes", "POST")
    assert site.promo_code("mia20")["campaign_id"] == site.campaign("spring")["id"]
    send(admin, "/campaigns/<slug>/archive", "POST")
    assert site.campaign("spring")["archived_at"]


# -- CSRF: every POST needs the session's token ----------------------------------------------


@pytest.mark.parametrize("rule,method,endpoint", POSTS, ids=ids(POSTS))
def test_posts_without_or_with_a_wrong_csrf_token_are_400(app, admin, site, rule, method, endpoint):
    other = app.test_client()
    foreign = token(other)  # valid, but another session's
    before = snapshot(site)
    forged = token(admin).rsplit(".", 1)[0] + "." + "A" * 27  # a forged signature
    for csrf in (None, "", "not-a-token", foreign, forged):
        resp = send(admin, rule, method, csrf=csrf)
        assert resp.status_code == 400, (csrf, resp.status_code)
        assert "did not come from this site" in resp.get_data(as_text=True)
    assert snapshot(site) == before
    assert admin.get("/").status_code == 200  # still signed in


def test_csrf_header_works_for_scripts(admin, site):
    resp = admin.post(
        "/campaigns/spring/promo-codes",
        data={"creator": "mia", "code": "HDR1"},
        headers={"X-CSRFToken": token(admin)},
    )
    assert resp.status_code == 303 and site.promo_code("hdr1")


def test_the_api_and_the_webhook_need_no_csrf_token(app, site):
    client = app.test_client()
    api_token = access.create_token(site, "ops")["token"]
    resp = client.post(
        "/api/creators",
        json={"handle": "via-api", "platform": "tiktok"},
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert resp.status_code == 201
    body = (
        b'{"order_id": "w-1", "code": "mia10", "amount": "5", '
        b'"redeemed_at": "2026-11-03T10:00:00Z"}'
    )
    stamp = str(int(time.time()))
    resp = client.post(
        "/api/webhooks/redemptions",
        data=body,
        content_type="application/json",
        headers={
            "X-Tracker-Timestamp": stamp,
            "X-Tracker-Signature": access.sign_webhook(access.webhook_secret(site), stamp, body),
        },
    )
    assert resp.status_code == 200
    # a shop's own webhook: its signature decides (404 for a shop not connected), never CSRF
    assert client.post("/api/webhooks/shopify/nowhere", data=b"{}").status_code == 404


# -- the session cookie ------------------------------------------------------------------------


def cookie_flags(resp) -> dict:
    header = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("tracker_session="))
    parts = [p.strip() for p in header.split(";")]
    return {
        p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else True) for p in parts[1:]
    }


@pytest.mark.parametrize(
    "base,secure", [("https://go.example", True), ("http://127.0.0.1:8000", False)]
)
def test_session_cookie_flags(store, db_url, site, base, secure):
    app = create_app(Config(database=db_url, base_url=base), store=store)
    client = app.test_client()
    resp = sign_in(client, ADMIN)
    flags = cookie_flags(resp)
    assert flags["httponly"] is True and flags["samesite"] == "Lax" and flags["path"] == "/"
    assert ("secure" in flags) is secure
    assert "expires" in flags  # 12 hours, not forever


def test_reads_do_not_resend_the_session(admin, site):
    """A page's own requests (the link preview, QR images) answered after a
    form post must not overwrite the session the post stored (a flash)."""
    admin.get("/campaigns/spring")  # the first page after signing in makes the CSRF token
    for path in (
        "/campaigns/spring",
        "/campaigns/spring/link-preview?creator=mia&channel=bio",
        "/links/mia-bio/qr.svg",
    ):
        assert "Set-Cookie" not in admin.get(path).headers, path


def test_the_session_secret_is_the_installs_own(store, db_url, site, tmp_path):
    app = create_app(Config(database=db_url, base_url=BASE), store=store)
    assert app.secret_key == site.setting(access.SESSION_SECRET)
    assert len(app.secret_key) >= 40
    other = open_store(str(tmp_path / "other.db"))
    try:
        other_app = create_app(Config(database=str(tmp_path / "other.db")), store=other)
        assert other_app.secret_key != app.secret_key
    finally:
        other.close()


def test_a_session_from_another_install_is_worthless(store, db_url, site, tmp_path):
    mine = create_app(Config(database=db_url, base_url=BASE), store=store).test_client()
    sign_in(mine, ADMIN)
    cookie = mine.get_cookie("tracker_session").value
    other_db = str(tmp_path / "other.db")
    other = open_store(other_db)
    try:
        other.migrate()
        users.add_user(other, ADMIN, PASSWORD, "admin")
        stranger = create_app(Config(database=other_db), store=other).test_client()
        stranger.set_cookie("tracker_session", cookie)
        assert stranger.get("/").status_code == 303
    finally:
        other.close()


def test_signing_in_starts_a_new_session(app, site):
    client = app.test_client()
    before = token(client)
    sign_in(client, ADMIN)
    resp = client.post(
        "/campaigns/spring/promo-codes", data={"creator": "mia", "code": "X1", "csrf_token": before}
    )
    assert resp.status_code == 400  # the token of before signing in is void


def test_a_password_change_or_removal_ends_sessions(app, admin, viewer, site):
    users.set_password(site, ADMIN, "a brand new password")
    assert admin.get("/").status_code == 303
    users.remove_user(site, VIEWER)
    assert viewer.get("/").status_code == 303


def test_sign_out(admin):
    resp = admin.post("/logout", data={"csrf_token": token(admin)})
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert admin.get("/").status_code == 303
    assert "You are signed out" in admin.get("/login").get_data(as_text=True)


# -- signing in ----------------------------------------------------------------------------------


def test_wrong_password_is_one_plain_message(app, site):
    client = app.test_client()
    resp = sign_in(client, ADMIN, "not the password")
    assert resp.status_code == 401
    html = resp.get_data(as_text=True)
    assert "this e-mail address and password do not match" in html
    assert 'value="ana@example.com"' in html and "not the password" not in html
    assert sign_in(client, "ghost@example.com").status_code == 401


@pytest.mark.parametrize(
    "target,lands",
    [
        ("/campaigns/spring", "/campaigns/spring"),
        ("/creators?x=1", "/creators?x=1"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        ("javascript:alert(1)", "/"),
        ("/campaigns\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_after_sign_in_only_local_pages(app, site, target, lands):
    client = app.test_client()
    resp = client.post(
        "/login",
        data={"email": ADMIN, "password": PASSWORD, "next": target, "csrf_token": token(client)},
    )
    assert resp.headers["Location"] == lands


def test_a_page_asked_for_before_sign_in_is_shown_after(app, site):
    client = app.test_client()
    asked = client.get("/campaigns/spring/edit")
    login = client.get(asked.headers["Location"])
    assert 'name="next" value="/campaigns/spring/edit"' in login.get_data(as_text=True)


@pytest.fixture
def clock(monkeypatch):
    now = [float(int(time.time()))]  # whole seconds: no rounding at the microsecond
    monkeypatch.setattr(access, "time", types.SimpleNamespace(time=lambda: now[0]))
    return lambda **kw: now.__setitem__(0, now[0] + timedelta(**kw).total_seconds())


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_sign_in_is_slowed_per_account_and_recovers(app, site, clock):
    for n in range(access.MAX_ACCOUNT_FAILURES_PER_MINUTE):
        resp = sign_in(from_address(app, f"198.51.100.{n}"), ADMIN, f"guess {n}")
        assert resp.status_code == 401
    fresh = from_address(app, "192.0.2.1")
    resp = sign_in(fresh, ADMIN)  # the right password, refused unchecked
    assert resp.status_code == 429
    assert "too many failed sign-ins; try again in" in resp.get_data(as_text=True)
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert sign_in(fresh, VIEWER).status_code == 303  # other accounts are not slowed
    clock(minutes=2)
    assert sign_in(from_address(app, "192.0.2.1"), ADMIN).status_code == 303


def test_sign_in_is_slowed_per_client_and_recovers(app, site, clock):
    client = from_address(app, "203.0.113.50")
    for n in range(access.MAX_FAILURES_PER_MINUTE):
        assert sign_in(client, f"nobody{n}@example.com").status_code == 401
    assert sign_in(client, ADMIN).status_code == 429
    assert sign_in(from_address(app, "203.0.113.51"), ADMIN).status_code == 303
    # the same client's API tokens are refused too: one limiter
    assert (
        client.get("/api/campaigns", headers={"Authorization": "Bearer trk_x"}).status_code == 429
    )
    clock(minutes=2)
    assert sign_in(client, ADMIN).status_code == 303


# -- forms: errors next to their field, nothing written ------------------------------------


@pytest.mark.parametrize(
    "data,field,words",
    [
        ({"slug": "Bad Slug"}, "slug", "campaign slug 'Bad Slug' must be"),
        ({"slug": "spring"}, "slug", "campaign 'spring' already exists"),
        ({"name": ""}, "name", "campaign name must not be empty"),
        ({"destination": "shop.example/p"}, "destination", "must start with http:// or https://"),
        ({"destination": "javascript:alert(1)"}, "destination", "must start with http"),
        ({"starts_on": "1/11/2026"}, "starts_on", "start date '1/11/2026' is not a date"),
        ({"timezone": "Mars/Base"}, "timezone", "time zone 'Mars/Base' is unknown"),
        ({"currency": "EURO"}, "currency", "currency 'EURO' is not an ISO 4217 code"),
        ({"budget": "12,50"}, "budget", "budget '12,50' is not a number"),
    ],
)
def test_campaign_form_errors_sit_next_to_their_field(admin, site, data, field, words):
    before = snapshot(site)
    form = {
        "slug": "autumn",
        "name": "Autumn",
        "destination": "https://shop.example/a",
        "csrf_token": token(admin),
        **data,
    }
    resp = admin.post("/campaigns/new", data=form)
    assert resp.status_code in (400, 409)
    html = resp.get_data(as_text=True)
    assert words in field_error(html, "campaign", field).replace("&#39;", "'")
    assert f'id="campaign-{field}"' in html and 'aria-invalid="true"' in html
    for name, value in form.items():  # what was typed is kept
        if name != "csrf_token" and value:
            assert f'value="{value}"'.replace("'", "&#39;") in html or name == "timezone"
    assert snapshot(site) == before


def test_editing_a_campaign_refuses_a_time_zone_change_after_clicks(admin, site):
    admin.get("/mia-bio", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"})
    before = snapshot(site)
    form = dict(VALID[("/campaigns/<slug>/edit", "POST")], timezone="UTC", csrf_token=token(admin))
    resp = admin.post("/campaigns/spring/edit", data=form)
    assert resp.status_code == 400
    error = field_error(resp.get_data(as_text=True), "campaign", "timezone")
    assert "1 click(s)" in error and "only before the first click" in error
    assert snapshot(site) == before  # the name did not change either


@pytest.mark.parametrize(
    "path,data,form,field,words",
    [
        (
            "/campaigns/spring/links",
            {"creator": "mia", "channel": "bio", "code": "a b"},
            "link",
            "code",
            "must be 3-32 letters",
        ),
        (
            "/campaigns/spring/links",
            {"creator": "mia", "channel": "bio", "code": "mia-bio"},
            "link",
            "code",
            "already taken",
        ),
        (
            "/campaigns/spring/links",
            {"creator": "mia", "channel": "bio", "code": "login"},
            "link",
            "code",
            "reserved",
        ),
        (
            "/campaigns/spring/links",
            {"creator": "mia", "channel": "bio", "destination": "ftp://x.example"},
            "link",
            "destination",
            "must start with http",
        ),
        (
            "/campaigns/spring/links",
            {"creator": "ghost", "channel": "bio"},
            "link",
            "creator",
            "does not exist",
        ),
        (
            "/campaigns/spring/creators",
            {"creator": "kai", "fee": "-5"},
            "enrol",
            "fee",
            "must not be negative",
        ),
        (
            "/campaigns/spring/promo-codes",
            {"creator": "jade", "code": "mia10"},
            "promo",
            "code",
            "already belongs to a campaign",
        ),
        (
            "/campaigns/spring/promo-codes",
            {"creator": "jade", "code": "J1", "source": "paid"},
            "promo",
            "source",
            "source must be one of organic, sponsored",
        ),
        (
            "/campaigns/spring/share-links",
            {"creator": "kai", "expires": "7d"},
            "share",
            "creator",
            "not on campaign",
        ),
        (
            "/campaigns/spring/share-links",
            {"expires": "forever"},
            "share",
            "expires",
            "must look like 90m",
        ),
        (
            "/creators",
            {"handle": "mia", "platform": "tiktok"},
            "creator",
            "handle",
            "already exists",
        ),
        (
            "/creators",
            {"handle": "new", "platform": "myspace"},
            "creator",
            "platform",
            "platform must be one of",
        ),
        (
            "/creators/zoe/edit",
            {"handle": "jade", "platform": "youtube"},
            "creator",
            "handle",
            "taken by another creator",
        ),
    ],
)
def test_form_errors_on_pages_sit_next_to_their_field(admin, site, path, data, form, field, words):
    before = snapshot(site)
    resp = admin.post(path, data={**data, "csrf_token": token(admin)})
    assert resp.status_code in (400, 404, 409), resp.status_code
    error = field_error(resp.get_data(as_text=True), form, field)
    assert error is not None and words in error.replace("&#39;", "'"), error
    assert snapshot(site) == before


def test_refusals_without_a_field_are_shown_on_the_row(admin, site):
    before = snapshot(site)
    resp = admin.post("/campaigns/spring/creators/mia/remove", data={"csrf_token": token(admin)})
    assert resp.status_code == 400
    assert "cannot leave campaign" in resp.get_data(as_text=True)
    assert snapshot(site) == before


def test_unknown_things_are_404_pages(admin, site):
    for path in (
        "/campaigns/ghost",
        "/campaigns/ghost/edit",
        "/creators/ghost/edit",
        "/links/ghost-code/qr.svg",
        "/nothing/here",
    ):
        resp = admin.get(path)
        assert resp.status_code == 404 and "text/html" in resp.content_type, path
    resp = admin.post(
        "/campaigns/ghost/links",
        data={"creator": "mia", "channel": "bio", "csrf_token": token(admin)},
    )
    assert resp.status_code == 404


# -- the link preview, QR codes, the stats page ---------------------------------------------


def test_link_preview_is_what_the_link_gets(admin, site):
    preview = admin.get(
        "/campaigns/spring/link-preview?creator=jade&channel=ad&destination=https://shop.example/x"
    ).get_json()
    made = campaigns.create_link(site, BASE, "spring", "jade", "ad", "https://shop.example/x")
    assert preview["destination_url"] == made["destination_url"]
    bad = admin.get("/campaigns/spring/link-preview?creator=jade&channel=ad&destination=nope")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["details"] == {"field": "destination"}


def test_console_qr_codes(admin, site):
    from tracker.qr import qr_code

    resp = admin.get("/links/mia-bio/qr.png?download=1")
    assert resp.data == qr_code("https://go.example/mia-bio", "png")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="mia-bio-qr.png"'


def test_signed_in_users_see_stats_pages(app, viewer, site):
    assert viewer.get("/stats/spring").status_code == 200
    assert viewer.get("/stats/spring.json").get_json()["campaign"]["slug"] == "spring"
    assert app.test_client().get("/stats/spring").status_code == 401


def test_campaign_list_shows_clicks_and_revenue(admin, site):
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
    admin.get("/mia-bio", headers={"User-Agent": chrome})
    admin.get("/mia-bio", headers={"User-Agent": "curl/8.0"})  # a bot: not counted
    upload_id = upload(admin)
    admin.post(f"/uploads/{upload_id}/import", data={"csrf_token": token(admin)})
    html = admin.get("/").get_data(as_text=True)
    row = re.search(r'<tr data-slug="spring">(.*?)</tr>', html, re.DOTALL).group(1)
    assert re.search(r'class="num clicks[^"]*">1<', row)
    assert "€24.99" in row
    # the same figures as the report's totals (one attribution, one rule)
    totals = reports.campaign_report(site, "spring", "all")["totals"]
    summary = reports.campaign_summaries(site)[site.campaign("spring")["id"]]
    assert (
        summary
        == {
            "clicks": totals["clicks"],
            "conversions": totals["conversions"],
            "revenue_minor": int(Decimal(totals["revenue"]) * 100),
        }
        == {"clicks": 1, "conversions": 2, "revenue_minor": 2499}
    )


# -- uploads ------------------------------------------------------------------------------------


def test_upload_preview_writes_nothing_then_import_writes(admin, site):
    before = snapshot(site)
    upload_id = upload(admin)
    html = admin.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert re.search(r'id="count-read">2<', html) and re.search(r'id="count-new">2<', html)
    assert snapshot(site) == before
    path = console.upload_path(upload_id)
    assert os.path.exists(path) and (os.stat(path).st_mode & 0o077) == 0
    resp = admin.post(f"/uploads/{upload_id}/import", data={"csrf_token": token(admin)})
    assert resp.status_code == 303 and resp.headers["Location"] == "/campaigns/spring"
    assert site.one("SELECT COUNT(*) AS n FROM orders")["n"] == 2
    assert not os.path.exists(path)
    assert "2 order(s) imported: 2 new" in admin.get("/campaigns/spring").get_data(as_text=True)
    # the same file again: nothing new
    again = upload(admin)
    html = admin.get(f"/uploads/{again}").get_data(as_text=True)
    assert re.search(r'id="count-new">0<', html) and re.search(r'id="count-unchanged">2<', html)


def test_upload_with_bad_lines_lists_every_one_and_cannot_be_imported(admin, site):
    text = ORDERS_CSV + (
        'o-3,MIA10,"19,99",2026-11-03T10:00:00Z\n'
        "o-4,MIA10,-5.00,2026-11-03T10:00:00Z\n"
        "o-5,MIA10,5.00,yesterday\n"
    )
    before = snapshot(site)
    upload_id = upload(admin, text)
    resp = admin.get(f"/uploads/{upload_id}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    rows = re.findall(
        r'<tr><td class="num" data-label="Line">(\d+)</td><td class="reason">([^<]+)</td></tr>',
        html,
    )
    assert [int(line) for line, _ in rows] == [4, 5, 6]
    assert "'19,99'" in rows[0][1].replace("&#39;", "'") and "negative" in rows[1][1]
    assert "redeemed_at" in rows[2][1]
    assert "5 row(s) read" in html and 'id="import-button"' not in html
    resp = admin.post(f"/uploads/{upload_id}/import", data={"csrf_token": token(admin)})
    assert resp.status_code == 400 and snapshot(site) == before


def test_metrics_upload_counts_new_and_replaced(admin, site):
    text = (
        "date,creator,source,impressions,spend\n"
        "2026-11-03,mia,sponsored,1000,25.00\n2026-11-03,jade,organic,500,\n"
    )
    upload_id = upload(admin, text, kind="metrics")
    admin.post(f"/uploads/{upload_id}/import", data={"csrf_token": token(admin)})
    upload_id = upload(
        admin, text.replace("1000", "1200") + "2026-11-04,mia,organic,7,\n", kind="metrics"
    )
    html = admin.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert re.search(r'id="count-read">3<', html) and re.search(r'id="count-new">1<', html)
    assert re.search(r'id="count-updated">2<', html)


@pytest.mark.parametrize(
    "data,field",
    [
        ({"kind": "orders", "campaign": "spring"}, "file"),
        ({"kind": "metrics", "campaign": "", "file": "yes"}, "campaign"),
        ({"kind": "videos", "campaign": "spring", "file": "yes"}, "kind"),
        ({"kind": "orders", "campaign": "ghost", "file": "yes"}, "campaign"),
    ],
)
def test_upload_form_errors(admin, site, data, field):
    if data.get("file"):
        data = dict(data, file=upload_file())
    resp = admin.post(
        "/uploads", data={**data, "csrf_token": token(admin)}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400
    assert field_error(resp.get_data(as_text=True), "upload", field)


def test_unreadable_files_are_a_plain_message(admin, site):
    for text, words in (("", "the file is empty"), ("a,b\n1,2\n", "missing column(s)")):
        upload_id = upload(admin, text)
        resp = admin.get(f"/uploads/{upload_id}")
        assert resp.status_code == 400 and words in resp.get_data(as_text=True)


def test_uploads_belong_to_their_session_and_expire(app, admin, site):
    upload_id = upload(admin)
    other = app.test_client()
    sign_in(other, ADMIN)  # the same user, another browser
    assert other.get(f"/uploads/{upload_id}").status_code == 404
    assert (
        other.post(f"/uploads/{upload_id}/import", data={"csrf_token": token(other)}).status_code
        == 404
    )
    old = time.time() - console.UPLOAD_MAX_AGE - 5
    os.utime(console.upload_path(upload_id), (old, old))
    upload(admin)  # any upload sweeps the old ones
    assert not os.path.exists(console.upload_path(upload_id))
    assert admin.get(f"/uploads/{upload_id}").status_code == 404


def test_an_upload_directory_others_made_or_can_read_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"tracker-uploads-{os.getuid()}"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with pytest.raises(RuntimeError, match="not a private directory"):
        console.upload_dir()
    shared.chmod(0o700)
    assert console.upload_dir() == str(shared)


def test_discard_removes_the_file(admin, site):
    upload_id = upload(admin)
    resp = admin.post(f"/uploads/{upload_id}/discard", data={"csrf_token": token(admin)})
    assert resp.status_code == 303 and not os.path.exists(console.upload_path(upload_id))
    assert site.one("SELECT COUNT(*) AS n FROM orders")["n"] == 0


# -- pages are safe to render --------------------------------------------------------------


class Markup(HTMLParser):
    """Every tag and its attributes, as a browser would read them."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed(html: str) -> list[tuple[str, dict]]:
    parser = Markup()
    parser.feed(html)
    return parser.tags


def test_pages_carry_no_inline_script_and_send_the_csp(admin, site):
    campaigns.add_creator(site, "evil", "tiktok", "<img src=x onerror=alert(1)>")
    campaigns.enroll(site, "spring", "evil")
    campaigns.update_campaign(site, "spring", name="<script>alert(1)</script>")
    for path in (
        "/login",
        "/",
        "/campaigns/spring",
        "/campaigns/spring/edit",
        "/creators",
        "/uploads",
        "/campaigns/new",
    ):
        resp = admin.get(path)
        html = resp.get_data(as_text=True)
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Cache-Control"] == "no-store"
        tags = parsed(html)
        for tag, attrs in tags:
            assert not [a for a in attrs if a.startswith("on")], (path, tag, attrs)
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/"), (path, attrs)
        assert [t for t, a in tags if t == "img" and a.get("src") == "x"] == []
        assert "<script>alert(1)" not in html
