"""Settings: declared once, checked at start-up, documented from the code."""

import subprocess
import sys
from pathlib import Path

import pytest

from tracker import settings
from tracker.settings import Config, SettingsError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_environment():
    config = Config.from_env({})
    assert config == Config()
    assert config.sqlite_sync == "NORMAL" and config.pg_pool == 8 and config.trusted_proxies == 0


def test_values_are_read_and_converted():
    config = Config.from_env(
        {
            "TRACKER_PG_POOL": "3",
            "TRACKER_SQLITE_SYNC": "full",
            "TRACKER_TRUSTED_PROXIES": "1",
            "TRACKER_WORKERS": "4",
            "TRACKER_BASE_URL": "https://go.example.com/",
        }
    )
    assert (config.pg_pool, config.sqlite_sync, config.trusted_proxies, config.workers) == (
        3,
        "FULL",
        1,
        4,
    )
    assert config.base_url == "https://go.example.com"


@pytest.mark.parametrize(
    "name,value,words",
    [
        ("TRACKER_PG_POOL", "eight", "whole number"),
        ("TRACKER_PG_POOL", "0", "at least 1"),
        ("TRACKER_TRUSTED_PROXIES", "-1", "whole number"),
        ("TRACKER_MAX_BODY_BYTES", "١٢", "whole number"),
        ("TRACKER_SQLITE_SYNC", "NORMALL", "one of OFF, NORMAL, FULL, EXTRA"),
        ("TRACKER_BASE_URL", "go.example.com", "http"),
        ("TRACKER_WORKERS", "many", "whole number"),
    ],
)
def test_a_bad_value_is_one_clear_line_naming_the_variable(name, value, words):
    with pytest.raises(SettingsError) as caught:
        Config.from_env({name: value})
    message = caught.value.message
    assert message.startswith(f"{name}={value!r}") and words in message
    assert "\n" not in message


def test_a_flag_is_checked_like_its_variable():
    assert Config.from_env({}, base_url="https://a.example").base_url == "https://a.example"
    with pytest.raises(SettingsError, match="--base-url 'go.example.com'"):
        Config.from_env({}, base_url="go.example.com")


def test_every_setting_is_a_config_field_and_documented():
    table = settings.markdown_table()
    for setting in settings.SETTINGS:
        assert f"`{setting.env}`" in table
    assert (ROOT / "docs" / "configuration.md").read_text().count("`TRACKER_") >= len(
        settings.SETTINGS
    )


def test_the_configuration_docs_are_generated_from_the_code():
    """`make docs` regenerates them; a stale table fails here."""
    proc = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "docs/configuration.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_nothing_else_reads_tracker_variables():
    """One home for every setting: no module reads TRACKER_* on its own."""
    offenders = []
    for path in (ROOT / "tracker").rglob("*.py"):
        if path.name == "settings.py":
            continue
        text = path.read_text()
        if (
            'environ.get("TRACKER_' in text
            or 'getenv("TRACKER_' in text
            or 'environ["TRACKER_' in text
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_gunicorn_config_refuses_a_bad_value_in_one_line(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "TRACKER_WORKERS": "lots",
        "TRACKER_DATABASE": str(tmp_path / "t.db"),
    }
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--check-config",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode != 0
    assert "TRACKER_WORKERS='lots': must be a whole number" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
