"""The store itself: migrations on both databases."""

from urllib.parse import parse_qsl, urlsplit

from tracker.store import open_store
from tracker.store.base import MIGRATION_FILES, SCHEMA_VERSION, read_sql, split_statements


def definition(store) -> dict:
    """The whole schema as data: every table's columns (type, NOT NULL,
    default, primary key), constraints and indexes, so that a migration that
    forgets a type, a constraint or an index is caught, not only a name."""
    if store.dialect == "sqlite":
        return _sqlite_definition(store)
    return _postgres_definition(store)


def _sqlite_definition(store) -> dict:
    tables = {}
    for t in store.table_names():
        cols = {
            (r["name"], r["type"].upper(), r["notnull"], r["dflt_value"], r["pk"])
            for r in store.query(f"PRAGMA table_info({t})")
        }
        fks = {
            (r["from"], r["table"], r["to"]) for r in store.query(f"PRAGMA foreign_key_list({t})")
        }
        idx = set()
        for r in store.query(f"PRAGMA index_list({t})"):
            names = tuple(c["name"] for c in store.query(f"PRAGMA index_info('{r['name']}')"))
            idx.add((r["origin"], r["unique"], names, r["name"] if r["origin"] == "c" else ""))
        tables[t] = {"columns": cols, "foreign_keys": fks, "indexes": idx}
    return tables


def _postgres_definition(store) -> dict:
    tables: dict = {}
    for r in store.query(
        "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, "
        "collation_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ):
        default = r["column_default"]
        tables.setdefault(
            r["table_name"], {"columns": set(), "constraints": set(), "indexes": set()}
        )["columns"].add(
            (
                r["column_name"],
                r["data_type"],
                r["is_nullable"],
                default,
                r["is_identity"],
                r["collation_name"],
            )
        )
    for r in store.query(
        "SELECT cl.relname AS table_name, pg_get_constraintdef(co.oid) AS def, co.contype "
        "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
        "JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = current_schema()"
    ):
        tables[r["table_name"]]["constraints"].add((r["contype"], r["def"]))
    for r in store.query(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    ):
        named = r["indexname"] if not r["indexname"].endswith(("_pkey", "_key")) else ""
        body = r["indexdef"].split(" USING ", 1)[1]
        tables[r["tablename"]]["indexes"].add((named, "UNIQUE" in r["indexdef"], body))
    return tables


def index_names(store) -> set:
    position = -1 if store.dialect == "sqlite" else 0
    return {i[position] for t in definition(store).values() for i in t["indexes"]} - {""}


def test_migrate_is_idempotent(store):
    assert store.migrate() == SCHEMA_VERSION
    assert store.migrate() == SCHEMA_VERSION
    versions = [
        r["version"] for r in store.query("SELECT version FROM schema_migrations ORDER BY 1")
    ]
    assert versions == sorted(MIGRATION_FILES)


def test_old_databases_migrate_to_the_same_schema(store, db_url, tmp_path, request):
    """A database made at version 1 and upgraded is the database schema.sql
    makes: the same tables, column types, constraints, defaults and indexes."""
    if store.dialect == "sqlite":
        old_url = str(tmp_path / "old.db")
    else:
        old_url = request.getfixturevalue("new_pg_url")()
    old = open_store(old_url)
    from tracker.store.postgres import identity_columns

    rewrite = identity_columns if old.dialect == "postgresql" else (lambda s: s)
    with old.transaction():
        old.execute(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
            "applied_at TEXT NOT NULL)"
        )
        for statement in split_statements(rewrite(read_sql(MIGRATION_FILES[1]))):
            old.execute(statement)
        old.execute("INSERT INTO schema_migrations VALUES (1, 'then')")
    assert old.migrate() == SCHEMA_VERSION
    upgraded, fresh = definition(old), definition(store)
    assert upgraded.keys() == fresh.keys()
    for table in fresh:
        assert upgraded[table] == fresh[table], table
    assert "clicks_report" in index_names(store)
    old.close()


def test_a_new_sqlite_database_is_private(tmp_path):
    import os
    import stat

    store = open_store(str(tmp_path / "secret.db"))
    store.migrate()
    assert stat.S_IMODE(os.stat(tmp_path / "secret.db").st_mode) == 0o600
    assert store.setting("webhook_secret") is None  # made by init/app start, not migrate
    store.close()


def test_an_unreachable_postgresql_is_one_clear_line():
    import subprocess
    import sys
    from pathlib import Path

    tracker_bin = str(Path(sys.executable).parent / "tracker")
    proc = subprocess.run(
        [tracker_bin, "--db", "postgresql://bob:hunter2@127.0.0.1:1/nowhere", "campaign", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("tracker: error: cannot connect to PostgreSQL")
    assert "hunter2" not in proc.stderr and proc.stderr.count("\n") == 1


# -- the PostgreSQL hot-path connection ----------------------------------------------------


def _pg_app(pg_url):
    from tracker.settings import Config
    from tracker.web.app import create_app

    from .helpers import campaign_with_links

    store = open_store(pg_url)
    app = create_app(Config(database=pg_url, base_url="https://go.example"), store=store)
    campaign_with_links(store)
    client = app.test_client()
    assert client.get("/mia-bio").status_code == 302  # opens the hot connection
    return store, client


def test_a_killed_hot_connection_is_closed_and_replaced(pg_url):
    """The server ends the worker's connection: the broken connection is
    closed (its libpq handle released, not left to the garbage collector),
    and the click is retried once on a new one: a 302 with its row."""
    import psycopg

    store, client = _pg_app(pg_url)
    old = store.last_hot
    old_pid = old.info.backend_pid
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    resp = client.get("/mia-bio")
    assert resp.status_code == 302
    trk = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["trk"]
    assert store.one("SELECT id FROM clicks WHERE id = ?", [trk]) is not None
    new = store.last_hot
    assert new is not old and new.info.backend_pid != old_pid
    assert old.closed and old.pgconn.pgconn_ptr is None
    assert store.click_count() == 2
    store.close()


def test_a_hot_connection_dropped_after_an_error_is_closed_not_leaked(pg_url):
    """An OperationalError that leaves the connection open (here a lock
    timeout) must not leave its server process behind either."""
    import psycopg

    store, client = _pg_app(pg_url)
    old = store.last_hot
    old_pid = old.info.backend_pid
    old.execute("SET lock_timeout = '200ms'")
    with psycopg.connect(pg_url) as locker:
        locker.execute("LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE")
        assert client.get("/mia-bio").status_code == 503
        locker.rollback()
    assert client.get("/mia-bio").status_code == 302
    assert store.last_hot is not old and old.closed
    with psycopg.connect(pg_url, autocommit=True) as admin:
        alive = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [old_pid]
        ).fetchone()[0]
    assert alive == 0
    assert store.click_count() == 2
    store.close()
