"""Regenerate docs/console-*.png: the console of a fresh demo install, served
by the real server, signed in and photographed in Debian's headless
Chromium at 1400 px and at 390 px (a phone): the campaign list, a
campaign's page and an upload's preview. Run by `make screenshot`."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, whatever the venv points at

from playwright.sync_api import sync_playwright  # noqa: E402

from tracker import users  # noqa: E402
from tracker.store import open_store  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
PORT = 8766
URL = f"http://127.0.0.1:{PORT}"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EMAIL, PASSWORD = "marketer@example.com", "screenshot password"
WIDTHS = {"1400": {"width": 1400, "height": 900}, "390": {"width": 390, "height": 844}}
# A shop's export as it comes: two orders on the demo's codes (one of them
# already imported by the demo), a shop-wide code and an order without one.
SHOPIFY = """Name,Email,Financial Status,Currency,Total,Discount Code,Created at,Lineitem name
#D9001,a@example.com,paid,USD,59.00,demo-launch-MIA15,2026-01-05 10:00:00 +0100,Serum
#D9002,b@example.com,paid,USD,89.50,DEMO-LAUNCH-GLOWWITHJADE15,2026-01-05 11:30:00 +0100,Serum
#D9002,b@example.com,,,,,2026-01-05 11:30:00 +0100,Cleanser
#D9003,c@example.com,paid,USD,39.00,WELCOME10,2026-01-05 12:00:00 +0100,Serum
#D9004,d@example.com,paid,USD,49.99,,2026-01-05 12:10:00 +0100,Mask
#D9005,e@example.com,paid,USD,29.00,WELCOME10,2026-01-06 09:00:00 +0100,Serum
"""


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def main() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "demo.db")
        subprocess.run([TRACKER, "--db", db, "--base-url", URL, "demo"], check=True, env=env)
        store = open_store(db)
        store.migrate()
        users.add_user(store, EMAIL, PASSWORD, "admin")
        store.close()
        orders = Path(tmp) / "shop-orders-january.csv"
        orders.write_text(SHOPIFY, encoding="utf-8")
        server = subprocess.Popen(
            [TRACKER, "--db", db, "--base-url", URL, "serve", "--port", str(PORT)],
            start_new_session=True,
            env=env,
        )
        try:
            wait_for(URL + "/healthz")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for name, viewport in WIDTHS.items():
                    shoot(browser, name, viewport, orders)
                browser.close()
        finally:
            os.killpg(server.pid, 15)
            server.wait(15)
    print("wrote docs/console-*.png")


def shoot(browser, name: str, viewport: dict, orders: Path) -> None:
    mobile = viewport["width"] < 600
    page = browser.new_page(
        viewport=viewport,
        device_scale_factor=1,
        is_mobile=mobile,
        has_touch=mobile,
    )
    page.goto(URL + "/")
    page.fill("#login-email", EMAIL)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#campaigns")
    docs = ROOT / "docs"
    page.screenshot(path=str(docs / f"console-campaigns-{name}.png"), full_page=True)
    page.click("#campaigns a")
    page.wait_for_selector("#links-table")
    page.screenshot(path=str(docs / f"console-campaign-{name}.png"), full_page=True)
    page.goto(URL + "/uploads?campaign=demo-launch")
    page.check("#upload-kind-orders")
    page.set_input_files("#upload-file", str(orders))
    page.click("#upload-button")
    page.wait_for_selector("#preview-counts")
    page.screenshot(path=str(docs / f"console-upload-{name}.png"), full_page=True)
    page.click("#discard-button")
    page.close()


if __name__ == "__main__":
    main()
