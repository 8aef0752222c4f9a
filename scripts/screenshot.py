"""Regenerate docs/stats-demo.png (1400 px wide) and docs/stats-phone.png
(390 px, a phone): a fresh demo campaign, served by the real server,
photographed in Debian's headless Chromium. `make screenshot`."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
TRACKER = str(Path(sys.executable).parent / "tracker")

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "demo.db")
    subprocess.run([TRACKER, "--db", db, "demo"], check=True)
    share = subprocess.run(
        [TRACKER, "--db", db, "--base-url", "http://127.0.0.1:8765", "share", "demo-launch"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    server = subprocess.Popen(
        [TRACKER, "--db", db, "serve", "--port", "8765"], start_new_session=True
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:8765/healthz")
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            for name, viewport in (
                ("stats-demo.png", {"width": 1400, "height": 900}),
                ("stats-phone.png", {"width": 390, "height": 844}),
            ):
                page = browser.new_page(viewport=viewport, device_scale_factor=1)
                page.goto(share)
                page.screenshot(path=str(ROOT / "docs" / name), full_page=True)
                page.close()
            browser.close()
    finally:
        os.killpg(server.pid, 15)
print("wrote docs/stats-demo.png and docs/stats-phone.png")
subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshot_console.py")], check=True)
