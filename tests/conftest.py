"""Fixtures: every store-backed test runs on a real SQLite file and on a real
PostgreSQL database (a fresh schema per test). PostgreSQL comes from
TRACKER_TEST_POSTGRES; when it does not answer its half is skipped, loudly."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tracker.settings import Config
from tracker.store import open_store
from tracker.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
# Subprocesses (the `tracker` console script, gunicorn) must import the
# checkout under test, not the one the virtualenv's editable install points
# at (another worktree, say): PYTHONPATH comes before that install's finder.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
)
PG_URL = os.environ.get("TRACKER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
TRACKER = str(Path(sys.executable).parent / "tracker")
# The `tracker` console script (and `tracker serve`'s workers) import the
# checkout under test, not whatever the venv's editable install points at
# (a git worktree shares its venv with the main checkout).
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure means: cannot test PostgreSQL here
        return f"{type(exc).__name__}: {exc}".strip()


PG_PROBLEM = _postgres_problem()


def pytest_terminal_summary(terminalreporter):
    if PG_PROBLEM:
        terminalreporter.write_sep(
            "!",
            f"PostgreSQL tests SKIPPED: {PG_URL} does not answer ({PG_PROBLEM})",
            red=True,
            bold=True,
        )


@pytest.fixture
def new_pg_url():
    """Makes PostgreSQL URLs whose search_path is a fresh, private schema."""
    if PG_PROBLEM:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {PG_PROBLEM}")
    import psycopg

    schemas = []

    def make() -> str:
        schema = "t_" + secrets.token_hex(6)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        sep = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{sep}options={quote('-csearch_path=' + schema)}"

    yield make
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(new_pg_url):
    return new_pg_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "tracker.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def app(store, db_url):
    return create_app(Config(database=db_url, base_url="https://go.example"), store=store)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run(db_url, capsys):
    """The `tracker` command in-process: run(*args) -> (exit code, stdout, stderr)."""
    from tracker.cli import main

    def run(*args):
        code = main(["--db", db_url, "--base-url", "https://go.example", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tracker(*args, db: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """Run the real `tracker` console script."""
    proc = subprocess.run([TRACKER, "--db", db, *args], capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"tracker {' '.join(args)} failed: {proc.stderr}")
    return proc


class Server:
    """A real `tracker serve` (gunicorn) process on a free port."""

    def __init__(self, db: str, workers: int = 2, env: dict | None = None, args=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                TRACKER,
                "--db",
                db,
                "--base-url",
                self.url,
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError("server exited: " + self.proc.stdout.read()) from None
                time.sleep(0.2)
        self.stop()
        raise AssertionError("server did not start")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)

    def output(self) -> str:
        """Everything the server wrote (stdout and stderr), once stopped."""
        self.stop()
        return self.proc.stdout.read()


@pytest.fixture
def serve():
    servers = []

    def start(db, **kw):
        server = Server(db, **kw)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Still scrypt, with a cost a test can afford a hundred times."""
    from tracker import users

    monkeypatch.setattr(users, "HASH_METHOD", "scrypt:1024:8:1")
    users._decoy_hash.cache_clear()
    yield
    users._decoy_hash.cache_clear()


@pytest.fixture(scope="session")
def real_agents():
    """Real user-agent strings from public fixture files (see the origin column)."""
    rows = []
    path = ROOT / "tests" / "data" / "user_agents.tsv"
    for line in path.read_text("utf-8").splitlines()[1:]:
        ua, is_bot, in_app, origin = line.split("\t")
        rows.append(
            {"ua": ua, "is_bot": is_bot == "true", "in_app": in_app or None, "origin": origin}
        )
    return rows
