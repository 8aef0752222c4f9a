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
    request = urllib.request.Request(f"{server.url}/stats/demo-launch.json?window={window}",
                                     headers={"Authorization": f"Bearer {server.token}"})
    with urllib.request.urlopen(request) as r:
        return json.load(r)


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
    assert page.text_content("#window-range").strip() == f"{week['window']['from']} → {week['window']['to']}"
    assert week["totals"]["clicks"] < everything["totals"]["clicks"]

    # Sort the creator table by clicks (descending), then ascending.
    page.click("#creators th:has-text('Clicks') >> nth=0")
    clicks = [int(v) for v in page.eval_on_selector_all(
        "#creators tbody tr td:nth-child(3)", "cells => cells.map(c => c.dataset.value)")]
    assert clicks == sorted(clicks, reverse=True)
    page.click("#creators th:has-text('Clicks') >> nth=0")
    clicks = [int(v) for v in page.eval_on_selector_all(
        "#creators tbody tr td:nth-child(3)", "cells => cells.map(c => c.dataset.value)")]
    assert clicks == sorted(clicks)

    # Download the click log: humans only, one row per human click.
    with page.expect_download() as download:
        page.click("#csv-link")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert len(rows) == everything["totals"]["clicks"]
    assert {r["is_bot"] for r in rows} == {"false"}

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
    tracker("campaign", "create", "xss", "--name", name, "--destination", "https://shop.example/", db=db)
    # Handles are checked now; a hostile one from an older install must still render inert.
    assert tracker("creator", "add", handle, "--platform", "tiktok", db=db, check=False).returncode == 2
    legacy = open_store(db)
    legacy.insert("creators", {"handle": handle, "platform": "tiktok", "name": None,
                               "created_at": "2026-01-01T00:00:00.000000Z"})
    legacy.close()
    tracker("link", "create", "xss", handle, "--channel", "bio", "--code", "xss1", db=db)
    server = serve(db)
    share = tracker("--base-url", server.url, "share", "xss", db=db).stdout.strip()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/xss1", headers={"User-Agent": "<script>alert(1)</script>",
                                          "Referer": "https://x.example/<svg onload=alert(1)>"})
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
