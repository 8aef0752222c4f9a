"""gunicorn settings for the tracker in production.

    gunicorn --config deploy/gunicorn.conf.py

The settings come from tracker/serve.py (DEFAULTS, default_workers), so a
systemd or container install behaves like `tracker serve`. Only what a
server needs on top is here. Every knob is an environment variable
(TRACKER_BIND, TRACKER_WORKERS, TRACKER_THREADS, TRACKER_HEADER_TIMEOUT,
TRACKER_ACCESS_LOG, TRACKER_CONTROL_SOCKET and the app's own), declared and
checked once in tracker/settings.py and listed in docs/configuration.md;
/etc/tracker/env (systemd) or the container environment is the one place
to change them. FORWARDED_ALLOW_IPS is
gunicorn's own variable: the proxies whose X-Forwarded-Proto is believed
(default 127.0.0.1; behind a load balancer on another machine, its address).

gunicorn ignores names it does not know in this file, so it works with every
gunicorn the project allows (>= 22).
"""

import os

from tracker.report_server import ReportServer
from tracker.serve import DEFAULTS, default_workers, start_worker_threads
from tracker.settings import Config, SettingsError

# Every TRACKER_* variable is declared and checked in tracker/settings.py: a bad
# value stops gunicorn here with one line naming it.
try:
    _config = Config.from_env()
except SettingsError as exc:
    raise SystemExit(f"tracker: error: {exc.message}") from None

# -- what to run ----------------------------------------------------------------
# Loaded in each worker after the fork (no preload_app): every worker opens its
# own database connections, which neither SQLite nor psycopg may share across a
# fork.
wsgi_app = "tracker.wsgi:app"

# -- where to listen ------------------------------------------------------------
# Loopback by default: nginx on the same machine is the only client. On an app
# server behind a load balancer, bind the private address, never a public one:
# with TRACKER_TRUSTED_PROXIES set, a client that reaches gunicorn directly
# could forge X-Forwarded-For.
bind = [b.strip() for b in _config.bind.split(",") if b.strip()]

# -- how many processes -----------------------------------------------------------
# cores + 1 on SQLite (one write lock: more workers only queue on it), 2 x cores
# + 1 on PostgreSQL; both capped. See default_workers in tracker/serve.py.
workers = _config.workers or default_workers(_config.database)

# -- shared with `tracker serve` (tracker/serve.py DEFAULTS) ------------------------
# gthread whose event loop reads each request's head (tracker/worker.py): a
# slow client (a phone on a bad network, or a slowloris attack) holds no
# thread, and reports, exports and uploads run in the report server's niced
# processes (tracker/report_server.py, TRACKER_REPORT_WORKERS,
# TRACKER_HEAVY_REQUESTS) while the threads answer redirects.
# nginx in front still buffers (deploy/nginx.conf); gunicorn needs it no more.
worker_class = DEFAULTS["worker_class"]
threads = _config.threads
# A worker whose event loop is stuck this long is killed; a thread's socket
# reads and writes time out after this long.
timeout = DEFAULTS["timeout"]
# On restart/stop: how long running requests may finish.
graceful_timeout = DEFAULTS["graceful_timeout"]
keepalive = DEFAULTS["keepalive"]
# Recycle workers now and then (jittered so they do not all restart together).
max_requests = DEFAULTS["max_requests"]
max_requests_jitter = DEFAULTS["max_requests_jitter"]
# Errors to stderr: the journal under systemd, `docker logs` in a container.
errorlog = DEFAULTS["errorlog"]
# No %(h)s: raw client addresses are never written anywhere.
access_log_format = DEFAULTS["access_log_format"]
accesslog = _config.access_log or DEFAULTS["accesslog"]
# Which proxies may set X-Forwarded-Proto (wsgi.url_scheme). This is gunicorn's
# setting, not the app's TRACKER_TRUSTED_PROXIES (which is about client IPs).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or DEFAULTS["forwarded_allow_ips"]
proc_name = DEFAULTS["proc_name"]
# Scrubs addresses out of every log line (the error log's "Invalid request
# from ip=…" included) and masks share and API tokens in request lines and
# referrers: see tracker/logs.py.
logger_class = DEFAULTS["logger_class"]

# -- gunicorn >= 25.1: the `gunicornc` control socket --------------------------------
# Its default ($HOME/.gunicorn) is read-only under the systemd unit's
# ProtectSystem=strict, and one shared path is wrong for several servers on one
# machine; so: systemd's RuntimeDirectory (/run/tracker), or none.
_control = _config.control_socket
if not _control and os.environ.get("RUNTIME_DIRECTORY"):
    _control = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")
if _control:
    control_socket = _control
else:
    control_socket_disable = True


# -- hooks ------------------------------------------------------------------------------
# The report server (tracker/report_server.py): stats pages, reports, exports and
# uploads in processes of their own, at a lower CPU priority, started and
# stopped with this master (TRACKER_REPORT_WORKERS, 0 for none). Its socket goes
# in systemd's RuntimeDirectory.
_reports = ReportServer()
on_starting = _reports.on_starting
on_reload = _reports.on_reload
on_exit = _reports.on_exit


def post_worker_init(worker):
    """Start what each worker runs beside its requests, as `tracker serve`
    does (tracker.serve.start_worker_threads): the SQLite WAL checkpointer
    (WAL checkpoints then run in a background thread instead of stalling
    whichever click crosses the checkpoint threshold), the hourly
    housekeeping that deletes old visitor salts, and the relay of reports
    to the report server (which keeps the rollups and live counts; the
    workers do when TRACKER_REPORT_WORKERS=0).

    `worker.wsgi` is what gunicorn loaded from wsgi_app: the Flask app from
    tracker.wsgi, or gunicorn's error app if the import failed, which has
    nothing to start.
    """
    start_worker_threads(worker.wsgi)
