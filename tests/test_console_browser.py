"""The console in real headless Chromium (Debian's, never downloaded) against
a real `tracker serve` (gunicorn), driven as a marketer would: sign in,
create a campaign, add a creator, make a link (live preview), copy it,
download its QR code, upload an orders file (preview, then import), make a
creator's share link, sign out. And a viewer, who can change nothing.
Both databases."""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path

import pytest

from tracker import users
from tracker.qr import qr_code
from tracker.store import open_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN, VIEWER, PASSWORD = "marketer@example.com", "boss@example.com", "correct horse battery"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
ORDERS = (
    "order_id,code,amount,currency,redeemed_at\n"
    "#1001,MIA15,49.90,EUR,2026-11-05T18:22:10+01:00\n"
    "#1002,mia15,20.00,EUR,2026-11-06T09:00:00Z\n"
)

pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: `make test` installs it")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def server(db_url, serve):
    """A real server on an empty install with an admin and a viewer."""
    store = open_store(db_url)
    store.migrate()
    users.add_user(store, ADMIN, PASSWORD, "admin")
    users.add_user(store, VIEWER, PASSWORD, "viewer")
    store.close()
    running = serve(db_url)
    running.store = open_store(db_url)
    yield running
    running.store.close()


def watched(context):
    """A page that records script errors, CSP violations and missing files."""
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            page.problems.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            page.problems.append(f"{r.status} {r.url}")
            if r.status >= 400
            and r.request.resource_type in ("script", "stylesheet", "image", "font", "fetch")
            else None
        ),
    )
    return page


def sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/")
    assert page.url.startswith(url + "/login")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(url + "/")


def click_link(server, code: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", f"/{code}", headers={"User-Agent": CHROME})
    return conn.getresponse().status


def test_a_marketer_runs_a_campaign_from_the_console(browser, server, tmp_path):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        accept_downloads=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = watched(context)
    url = server.url

    # Sign in: the console is the home page.
    sign_in(page, url, ADMIN)
    assert "No campaigns yet" in page.text_content("main")
    assert page.text_content("#who").strip().startswith(ADMIN)

    # A campaign; a destination without a scheme is refused next to its field.
    page.click("#new-campaign")
    page.fill("#campaign-slug", "spring")
    page.fill("#campaign-name", "Spring launch")
    page.fill("#campaign-destination", "shop.example/serum")
    page.fill("#campaign-starts_on", "2026-11-01")
    page.fill("#campaign-timezone", "Europe/Berlin")
    page.fill("#campaign-currency", "EUR")
    page.fill("#campaign-budget", "5000")
    page.click("#campaign-form button[type=submit]")
    assert "must start with http:// or https://" in page.text_content("#campaign-destination-error")
    assert page.input_value("#campaign-name") == "Spring launch"  # kept as typed
    assert server.store.campaign("spring") is None
    page.fill("#campaign-destination", "https://shop.example/serum")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url(url + "/campaigns/spring")
    assert page.text_content("#campaign-name") == "Spring launch"

    # A creator, then on the campaign with a fee.
    page.click("nav.main >> text=Creators")
    page.fill("#creator-handle", "@Mia.Moves")
    page.select_option("#creator-platform", "tiktok")
    page.fill("#creator-name", "Mia Moves")
    page.click("#creator-form button[type=submit]")
    # The form posts and the page comes back with the new row (waited for:
    # on a busy machine it is not there the moment the click returns).
    page.wait_for_selector("#creators-table tr[data-handle='mia.moves']")
    assert page.locator("#creators-table tr[data-handle='mia.moves']").count() == 1
    page.goto(url + "/campaigns/spring")
    page.select_option("#enrol-creator", "mia.moves")
    page.fill("#enrol-fee", "1500")
    page.click("#enrol-form button[type=submit]")
    assert page.input_value("#fee-mia\\.moves") == "1500.00"

    # A link: the preview follows the choices before anything is made.
    page.select_option("#link-creator", "mia.moves")
    page.select_option("#link-channel", "ad")
    page.wait_for_function(
        "() => document.getElementById('link-preview').textContent"
        ".includes('utm_medium=paid_social')"
    )
    page.fill("#link-destination", "https://shop.example/other?ref=x")
    page.wait_for_function(
        "() => document.getElementById('link-preview').textContent.startsWith("
        "'https://shop.example/other?ref=x&utm_source=tiktok')"
    )
    page.fill("#link-destination", "")
    page.wait_for_function(
        "() => document.getElementById('link-preview').textContent.startsWith("
        "'https://shop.example/serum?utm_source=tiktok')"
    )
    previewed = page.text_content("#link-preview").strip()
    page.fill("#link-code", "mia-ad")
    page.click("#create-link")
    page.wait_for_url(url + "/campaigns/spring#links")
    short = f"{url}/mia-ad"
    assert page.text_content("#flash-url") == short
    assert server.store.link("mia-ad")["target_url"] == previewed

    # Copy it: the clipboard holds the short URL.
    row = page.locator("#links-table tr[data-code='mia-ad']")
    row.locator("button.copy").click()
    page.wait_for_function("() => document.body.dataset.copied !== undefined")
    assert page.evaluate("navigator.clipboard.readText()") == short
    assert row.locator("button.copy").text_content() == "Copied"

    # Its QR code: shown, and downloaded as PNG and SVG.
    row.locator("details.qr summary").click()
    page.wait_for_function(
        "() => { const img = document.querySelector("
        "\"tr[data-code='mia-ad'] .qr-box img\"); "
        "return img.complete && img.naturalWidth > 100; }"
    )
    with page.expect_download() as png:
        row.locator("a.qr-png").click()
    assert png.value.suggested_filename == "mia-ad-qr.png"
    assert Path(png.value.path()).read_bytes() == qr_code(short, "png")
    with page.expect_download() as svg:
        row.locator("a.qr-svg").click()
    assert Path(svg.value.path()).read_bytes() == qr_code(short, "svg")

    # A click on the link shows up on the page.
    assert click_link(server, "mia-ad") == 302
    page.reload()
    assert page.text_content("#links-table tr[data-code='mia-ad'] .link-clicks").strip() == "1"

    # A promo code, then an orders file: previewed, nothing written, then imported.
    page.select_option("#promo-creator", "mia.moves")
    page.fill("#promo-code", "MIA15")
    page.click("#promo-form button[type=submit]")
    assert page.locator("#promo-codes tr[data-code='mia15']").count() == 1
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    page.click("text=Upload a file")
    assert page.input_value("#upload-campaign") == "spring"
    page.check("#upload-kind-orders")
    page.set_input_files("#upload-file", str(orders))
    page.click("#upload-button")
    page.wait_for_selector("#preview-counts")
    assert page.text_content("#count-read") == "2" and page.text_content("#count-new") == "2"
    assert server.store.one("SELECT COUNT(*) AS n FROM orders")["n"] == 0
    page.click("#import-button")
    page.wait_for_url(url + "/campaigns/spring")
    assert "2 order(s) imported: 2 new" in page.text_content(".flashes")
    assert page.text_content("#kpi-orders") == "2"
    assert page.text_content("#kpi-revenue") == "€69.90"

    # A share link for the creator: copied, and it opens their numbers only.
    page.select_option("#share-creator", "mia.moves")
    page.select_option("#share-expires", "7d")
    page.click("#create-share")
    share = page.text_content("#flash-url")
    assert share.startswith(f"{url}/stats/spring?share=")
    page.click(".flashes button.copy")
    page.wait_for_function("share => document.body.dataset.copied === share", arg=share)
    outsider = browser.new_page()
    outsider.goto(share)
    assert outsider.text_content("#campaign-name") == "Spring launch"
    assert outsider.locator("#creators tbody tr").count() == 1
    assert outsider.get_attribute("#creators tbody tr", "data-handle") == "mia.moves"
    outsider.close()

    # The stats button opens the page for the signed-in marketer.
    page.click("#stats-button")
    assert page.text_content("#kpi-conversions").strip() == "2"
    page.go_back()

    # Sign out: the console is closed again.
    page.click("#sign-out")
    page.wait_for_url(url + "/login")
    page.goto(url + "/campaigns/spring")
    assert page.url.startswith(url + "/login?next=")
    assert page.problems == []
    context.close()


def test_a_viewer_reads_but_cannot_change_anything(browser, server):
    store = server.store
    from tracker import campaigns

    campaigns.create_campaign(
        store,
        "spring",
        "Spring launch",
        "https://shop.example/serum",
        "2026-11-01",
        "Europe/Berlin",
        "EUR",
    )
    campaigns.add_creator(store, "mia", "tiktok")
    campaigns.create_link(store, server.url, "spring", "mia", "bio", code="mia-bio")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = watched(context)
    sign_in(page, server.url, VIEWER)
    page.click("#campaigns a")
    assert page.text_content("#campaign-name") == "Spring launch"
    assert (
        page.locator(
            "#link-form, #enrol-form, #promo-form, #share-form, #edit-campaign, #archive-campaign"
        ).count()
        == 0
    )
    assert page.locator("#links-table tr[data-code='mia-bio']").count() == 1
    # A viewer who crafts the request anyway, with a valid CSRF token: 403.
    csrf = page.get_attribute("form.who input[name=csrf_token]", "value")
    before = store.link("mia-bio")
    for path, form in (
        ("/links/mia-bio/disable", {}),
        ("/campaigns/spring/links", {"creator": "mia", "channel": "ad"}),
        ("/campaigns/new", {"slug": "x", "name": "x", "destination": "https://x.example"}),
    ):
        resp = page.request.post(
            server.url + path, form={**form, "csrf_token": csrf}, max_redirects=0
        )
        assert resp.status == 403, (path, resp.status)
    assert store.link("mia-bio") == before and len(store.links(store.campaign("spring")["id"])) == 1
    assert store.campaign("x") is None
    # And without the token, 400, whoever asks.
    assert (
        page.request.post(server.url + "/links/mia-bio/disable", form={}, max_redirects=0).status
        == 400
    )
    page.click("#sign-out")
    page.wait_for_url(server.url + "/login")
    assert page.problems == []
    context.close()
