"""Helpers shared by the benchmarks: logging, clean interruption, and a
private PostgreSQL schema (the same way tests/conftest.py makes one)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"  # every server a benchmark starts listens here only
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

# The benchmarks and the servers they start (the `tracker` console script,
# gunicorn's workers) import this checkout, not the one the virtualenv's
# editable install points at (a git worktree shares its venv with the main
# checkout): PYTHONPATH comes before that install's finder.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)

PG_URL = os.environ.get("TRACKER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def rerun_in_venv(script: str) -> None:
    """Call from `except ImportError`: run the script again under the
    project's venv (made with `make venv` if missing), or re-raise if this
    already is the venv."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        raise
    if not VENV_PYTHON.exists():
        print("bench: no .venv, running `make venv`", file=sys.stderr)
        subprocess.run(["make", "-C", str(ROOT), "venv"], check=True)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(script).resolve()), *sys.argv[1:]])


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def postgres_problem() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure means: no PostgreSQL here
        return f"{type(exc).__name__}: {exc}".strip()


def new_pg_schema() -> tuple[str, str]:
    """(schema, URL whose search_path is that fresh schema)."""
    import psycopg

    schema = "bench_" + secrets.token_hex(6)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options={quote('-csearch_path=' + schema)}"


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
