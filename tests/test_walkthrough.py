"""The README's walk-through, run as a new user would run it: every command
as written, against a real `tracker serve`; the new user's report then shows
the human click and the order (issue: the curl click used to be a bot)."""

import json
import os
import re
import subprocess
from pathlib import Path

from .conftest import ROOT, TRACKER, tracker


def walkthrough_script() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## A 60-second walk-through") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_walkthrough_gives_a_human_click_and_an_order(tmp_path, serve):
    db = str(tmp_path / "walk.db")
    tracker("init", db=db)
    server = serve(db)
    script = walkthrough_script().replace("http://127.0.0.1:8000", server.url)
    bin_dir = str(Path(TRACKER).parent)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TRACKER_DATABASE": db,
        "TRACKER_BASE_URL": server.url,
    }
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"302 {server.url}" not in proc.stdout  # the redirect leaves for the shop
    assert "302 https://shop.example/serum?" in proc.stdout
    report = json.loads(tracker("report", "spring", "--json", db=db).stdout)
    assert report["totals"]["clicks"] == 1 and report["totals"]["bot_clicks"] == 0
    assert report["totals"]["conversions"] == 1
    assert (tmp_path / "clicks.csv").read_text().count("\n") == 2  # header + the click
