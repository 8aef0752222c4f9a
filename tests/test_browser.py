"""The stats page in real headless Chromium (Debian's, never downloaded),
against a real gunicorn server with the demo campaign."""

import csv
import http.client
import io
import json
import shutil
import urllib.request

import pytest

from tracker.store import open_store

from .conftest import tracker

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


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
def demo_server(tmp_path, serve):
    db = str(tmp_path / "demo.db")
    tracker("demo", "--clicks", "1500", db=db)
    server = serve(db)
    server.share = tracker("--base-url", server.url, "share", "demo-launch", db=db).stdout.strip()
    server.token = tracker("token", "create", "browser-test", "--read-only", db=db).stdout.strip()
    return server


def report_json(server, window="all"):
    request = urllib.request.Request(
        f"{server.url}/stats/demo-launch.json?window={window}",
        headers={"Authorization": f"Bearer {server.token}"},
    )
    with urllib.request.urlopen(request) as r:
        return json.load(r)


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def shown_int(page, selector):
    return int(page.text_content(selector).replace(",", ""))


def test_stats_page_windows_sorting_csv_and_screenshot(browser, demo_server, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo_server.share)
    everything = report_json(demo_server)
    assert shown_int(page, "#kpi-clicks") == everything["totals"]["clicks"]
    assert shown_int(page, "#kpi-conversions") == everything["totals"]["conversions"]

    # Best ROI first by default.
    rois = [r["total"]["roi"] for r in everything["creators"]]
    first = page.get_attribute("#creators tbody tr:first-child", "data-handle")
    best = max(everything["creators"], key=lambda c: c["total"]["roi"] or -1e9)
    assert first == best["handle"] and len(rois) == 4

    # Switch to the 7-day window: the numbers follow the JSON for that window.
    page.click("nav.windows a[data-window='7']")
    page.wait_for_url("**window=7*")
    week = report_json(demo_server, 7)
    assert shown_int(page, "#kpi-clicks") == week["totals"]["clicks"]
    assert (
        page.text_content("#window-range").strip()
        == f"{week['window']['from']} → {week['window']['to']}"
    )
    assert week["totals"]["clicks"] < everything["totals"]["clicks"]

    # Sort the creator table by clicks (descending), then ascending.
    page.click("#creators th:has-text('Clicks') >> nth=0")
    clicks = [
        int(v)
        for v in page.eval_on_selector_all(
            "#creators tbody tr td[data-key=clicks]", "cells => cells.map(c => c.dataset.value)"
        )
    ]
    assert clicks == sorted(clicks, reverse=True)
    page.click("#creators th:has-text('Clicks') >> nth=0")
    clicks = [
        int(v)
        for v in page.eval_on_selector_all(
            "#creators tbody tr td[data-key=clicks]", "cells => cells.map(c => c.dataset.value)"
        )
    ]
    assert clicks == sorted(clicks)

    # Download the click log: humans only, one row per human click of the
    # window shown (the link follows the window: here the first 7 days).
    with page.expect_download() as download:
        page.click("#csv-link")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert len(rows) == week["totals"]["clicks"]
    assert {r["is_bot"] for r in rows} == {"false"}

    # Creators (CSV) is the page's table: same rows, same order, the cells' values.
    page.goto(demo_server.share)
    with page.expect_download() as download:
        page.click("#creators-csv-link")
    table = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    shown = page.eval_on_selector_all(
        "#creators tbody tr",
        "rows => rows.map(r => Array.from(r.querySelectorAll("
        "'td[data-key]')).map(c => c.dataset.value))",
    )
    headings = page.eval_on_selector_all(
        "#creators thead th[data-key]", "hs => hs.map(h => h.textContent.trim())"
    )
    assert table[0] == headings
    assert [[float(v) if _number(v) else v for v in row] for row in table[1:]] == [
        [float(v) if _number(v) else v for v in row] for row in shown
    ]
    assert len(table) == 1 + len(everything["creators"])

    # Last 7 days and a custom range, from the page, follow the JSON.
    page.click("nav.windows a[data-window='last7']")
    page.wait_for_url("**window=last7*")
    last7 = report_json(demo_server, "last7")
    assert shown_int(page, "#kpi-clicks") == last7["totals"]["clicks"]
    page.fill("#range-form input[name=from]", last7["window"]["from"])
    page.fill("#range-form input[name=to]", last7["window"]["to"])
    page.click("#range-form button")
    page.wait_for_url("**to=*")
    assert shown_int(page, "#kpi-clicks") == last7["totals"]["clicks"]
    assert (
        page.text_content("#window-range").strip()
        == f"{last7['window']['from']} → {last7['window']['to']}"
    )

    # A screenshot that is not blank: the chart and tables put many colours on it.
    page.goto(demo_server.share)
    shot = tmp_path / "stats.png"
    page.screenshot(path=str(shot), full_page=True)
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert image.width >= 1000 and image.height >= 800
    assert len(colours) > 50
    assert page.locator("#daily-chart rect.bar").count() > 10
    assert errors == []
    page.close()


def test_markup_in_names_renders_inert(browser, tmp_path, serve):
    db = str(tmp_path / "xss.db")
    name = "<script>window.pwned=1</script><b>Launch</b>"
    handle = "<img src=x onerror=window.pwned=2>"
    tracker(
        "campaign", "create", "xss", "--name", name, "--destination", "https://shop.example/", db=db
    )
    # Handles are checked now; a hostile one from an older install must still render inert.
    assert (
        tracker("creator", "add", handle, "--platform", "tiktok", db=db, check=False).returncode
        == 2
    )
    legacy = open_store(db)
    legacy.insert(
        "creators",
        {
            "handle": handle,
            "platform": "tiktok",
            "name": None,
            "created_at": "2026-01-01T00:00:00.000000Z",
        },
    )
    legacy.close()
    tracker("link", "create", "xss", handle, "--channel", "bio", "--code", "xss1", db=db)
    server = serve(db)
    share = tracker("--base-url", server.url, "share", "xss", db=db).stdout.strip()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(
        "GET",
        "/xss1",
        headers={
            "User-Agent": "<script>alert(1)</script>",
            "Referer": "https://x.example/<svg onload=alert(1)>",
        },
    )
    assert conn.getresponse().status == 302
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(share)
    assert page.text_content("#campaign-name") == name
    assert page.evaluate("window.pwned") is None
    assert page.locator("#creators tbody tr td:first-child").text_content() == "@" + handle
    assert dialogs == []
    page.close()


def test_phone_shows_each_creators_key_figures_without_sideways_scrolling(browser, demo_server):
    """At 390 px each creator is a card whose key figures are in view without
    scrolling sideways, and an explanation opens on a tap (no title tooltip)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo_server.share)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    everything = report_json(demo_server)
    cards = page.locator("#creators tbody tr")
    assert cards.count() == len(everything["creators"])
    for i in range(cards.count()):
        card = cards.nth(i)
        for key in (
            "creator",
            "verdict",
            "conversions",
            "conversion_rate",
            "revenue",
            "roi",
            "trend",
        ):
            cell = card.locator(f"td[data-key={key}]")
            assert cell.is_visible(), key
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (key, box)
        # the section itself does not scroll sideways
        assert page.evaluate(
            "(() => { const s = document.querySelector("
            "'section[aria-label=creators]'); "
            "return s.scrollWidth <= s.clientWidth; })()"
        )
    # The other figures open on a tap.
    first = cards.nth(0)
    assert not first.locator("td[data-key=cpa]").is_visible()
    first.locator("button.more-button").tap()
    assert first.locator("td[data-key=cpa]").is_visible()
    # An explanation opens on a tap and is in view.
    why = page.locator("#answer-growth details.why")
    assert not why.locator(".why-text").is_visible()
    why.locator("summary").tap()
    text = why.locator(".why-text")
    assert text.is_visible() and "last 7 full days" in text.text_content()
    box = text.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # the narrow chart is the one shown, with its right axis
    assert page.locator("svg.chart-narrow").is_visible()
    assert not page.locator("#daily-chart").is_visible()
    assert errors == []
    context.close()


# Every column of the creator table in view: the table is no wider than its
# section and the section has nothing to scroll to (the last column's right
# edge is inside it); no text in the table under 12 px.
CREATORS_FIT = """() => {
    const table = document.getElementById('creators');
    const section = table.closest('section');
    const box = section.getBoundingClientRect();
    const heads = Array.from(table.querySelectorAll('thead th[data-key]'));
    const cells = Array.from(table.querySelectorAll('th, td, td *'))
        .filter(e => e.offsetParent && e.textContent.trim());
    return {
        table: table.scrollWidth,
        sectionScroll: section.scrollWidth,
        sectionClient: section.clientWidth,
        overhang: Math.max(...heads.map(h => h.getBoundingClientRect().right)) - box.right,
        smallest: Math.min(...cells.map(e => parseFloat(getComputedStyle(e).fontSize))),
        page: document.documentElement.scrollWidth,
    };
}"""


def assert_creators_fit(page):
    fit = page.evaluate(CREATORS_FIT)
    assert fit["table"] <= fit["sectionClient"], fit
    assert fit["sectionScroll"] <= fit["sectionClient"], fit
    assert fit["overhang"] <= 0, fit
    assert fit["smallest"] >= 12, fit
    assert fit["page"] <= page.viewport_size["width"], fit


def test_wide_screen_shows_every_creator_column_and_a_phone_does_not_scroll(browser, demo_server):
    """At 1400 px the creator table needs no sideways scrolling (ROI and the
    columns after it are in view); at 390 px the page itself stays put."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(demo_server.share)
    assert_creators_fit(page)
    assert page.locator("#creators th[data-key=late_surge]").is_visible()
    page.close()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(demo_server.share)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


def test_many_creators_long_handles_and_millions_still_fit(browser, tmp_path, serve):
    """Revenue in the millions, fees in the hundreds of thousands and a dozen
    more creators with long handles (one of the longest a handle may be): every
    column is still in view at 1400 px, and at 390 px the page does not scroll."""
    from tracker import campaigns
    from tracker.imports import save_redemptions

    db = str(tmp_path / "big.db")
    tracker("demo", "--clicks", "1500", db=db)
    store = open_store(db)
    day = store.campaign("demo-launch")["starts_on"]
    orders = []

    def order(order_id, code, amount):
        order = {"order_id": order_id, "code": code, "amount": amount, "currency": "USD"}
        order.update(redeemed_at=f"{day}T12:00:00-05:00", click_id="")
        orders.append((len(orders) + 2, order))

    demo = (("mia.moves", "MIA15"), ("glowwithjade", "GLOWWITHJADE15"), ("chef.leo", "CHEF15"))
    for k, (handle, code) in enumerate(demo):
        campaigns.enroll(store, "demo-launch", handle, str(180000 + 40000 * k))
        for j in range(150 + 40 * k):  # $0.8 M to $1.6 M
            order(f"#M{k}-{j}", f"demo-launch-{code}", f"{4999 + 37 * j}.95")
    handles = [
        f"the.extremely.long.creator.handle.number{i}.official_account-{'x' * 30}"
        if i % 2 == 0
        else f"creator.with.a.long.name{i}"
        for i in range(11)
    ] + ["z" * 100]
    for i, handle in enumerate(handles):
        campaigns.add_creator(store, handle, "instagram" if i % 3 else "tiktok")
        campaigns.enroll(store, "demo-launch", handle, str(800 + i))
        campaigns.add_promo(store, "demo-launch", handle, f"LONG{i}")
        order(f"#L{i}-0", f"LONG{i}", "49.99")
        order(f"#L{i}-1", f"LONG{i}", "49.99")
    save_redemptions(store, orders, "demo-launch")
    store.close()
    server = serve(db)
    share = tracker("--base-url", server.url, "share", "demo-launch", db=db).stdout.strip()

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(share)
    assert page.locator("#creators tbody tr").count() == 4 + len(handles)
    revenues = page.eval_on_selector_all(
        "#creators td[data-key=revenue]", "cells => cells.map(c => c.textContent)"
    )
    assert any(len(r) >= len("$1,000,000.00") for r in revenues), revenues
    assert_creators_fit(page)
    page.close()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(share)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
