"""`tracker serve`: gunicorn with production defaults.

gunicorn's `Server` header carries no version number, so nothing here
needs to hide one.

deploy/gunicorn.conf.py reuses DEFAULTS, so a systemd install and
`tracker serve` behave the same.
"""

from __future__ import annotations

import multiprocessing
import os

from gunicorn.app.base import BaseApplication

# Access log without the client address: raw IPs are never stored (and
# ScrubbingLogger takes out any that come in another field, and tokens).
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


def default_workers(database: str = "") -> int:
    """2 x cores + 1 on PostgreSQL; cores + 1 on SQLite, where every click
    insert takes the one write lock and more workers only queue on it
    (measured in bench/redirect.py: 3 workers beat 5 on 2 cores)."""
    cores = multiprocessing.cpu_count()
    if database.startswith(("postgresql://", "postgres://")):
        return min(2 * cores + 1, 17)
    return min(cores + 1, 9)


DEFAULTS = {
    # gthread whose event loop reads request heads (tracker/worker.py): slow
    # clients hold no thread, and reports run in the report server's niced
    # processes (tracker/heavy.py, report_server.py) while the threads
    # answer redirects.
    "worker_class": "tracker.worker.TrackerWorker",
    "threads": 16,
    # With threads, the arbiter's timeout only catches a wedged event loop;
    # a thread's socket reads and writes time out after this long.
    "timeout": 30,
    "graceful_timeout": 20,
    "keepalive": 2,
    "max_requests": 100_000,
    "max_requests_jitter": 10_000,
    "accesslog": None,
    "errorlog": "-",
    "access_log_format": ACCESS_LOG_FORMAT,
    "forwarded_allow_ips": "127.0.0.1",
    "proc_name": "tracker",
    # No client address and no token in any log line (tracker/logs.py).
    "logger_class": "tracker.logs.ScrubbingLogger",
    # gunicorn >= 25.1 opens a control socket at ~/.gunicorn/gunicorn.ctl,
    # shared by every server of the user: not wanted, and not needed.
    "control_socket_disable": True,
}


class GunicornApp(BaseApplication):
    """gunicorn run from Python with given options; `load` builds the WSGI
    app in each worker after the fork (so each has its own connections)."""

    def __init__(self, options: dict, load):
        self.options = options
        self._load = load
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key == "control_socket_disable" and key not in self.cfg.settings:
                continue  # an older gunicorn has no control socket to disable
            self.cfg.set(key, value)

    def load(self):
        return self._load()


def start_worker_threads(app) -> None:
    """What a served worker runs beside its requests, started after the fork
    by `tracker serve` (load_tracker) and by deploy/gunicorn.conf.py
    (post_worker_init) alike: the SQLite WAL checkpointer; the hourly
    housekeeping that deletes old visitor salts even when nobody clicks;
    the handing of reports, exports and uploads to the report server; and,
    when the server runs without one, what the report server does instead:
    rollups and live counts (store.start_counting) and reports on a niced
    pool of threads (tracker/heavy.py).

    `app` is what gunicorn loaded; gunicorn's error app (when the import
    failed) has no extensions, and then there is nothing to start."""
    from .report_server import report_socket

    extensions = getattr(app, "extensions", None) or {}
    heavy = extensions.get("tracker.heavy")
    if heavy is not None:
        heavy.start()
    store = extensions.get("tracker.store")
    if store is not None and hasattr(store, "start_checkpointer"):
        store.start_checkpointer()
    if store is not None and not report_socket():
        store.start_counting()
    redirector = extensions.get("tracker.redirector")
    if redirector is not None:
        redirector.start_housekeeping()


def load_tracker(environ: dict):
    os.environ.update(environ)
    from .web.app import create_app

    app = create_app()
    start_worker_threads(app)
    return app


def serve(
    database: str,
    base_url: str,
    host: str,
    port: int,
    workers: int | None,
    access_log: bool = False,
) -> None:
    from .report_server import ReportServer
    from .settings import read

    options = dict(
        DEFAULTS,
        bind=f"{host}:{port}",
        workers=workers or default_workers(database),
        threads=read("TRACKER_THREADS"),
    )
    if access_log:
        options["accesslog"] = "-"
    environ = {"TRACKER_DATABASE": database, "TRACKER_BASE_URL": base_url}
    # Stats pages, reports and exports: in processes of their own.
    options.update(ReportServer(environ).hooks())
    GunicornApp(options, lambda: load_tracker(environ)).run()
