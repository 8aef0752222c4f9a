"""The report server: stats pages, reports, exports and imports in processes
of their own, so that they never make a redirect wait.

Why processes. A report is Python work. Run on a thread of the worker that
answers redirects, even a niced one (tracker/heavy.py), it holds that
process's GIL for as long as the interpreter lets it, and the redirect's
threads queue behind it: with 4 clients looping on a 1 M-click campaign's
stats page and one exporting it, redirect p99 was 3.4 to 4.0x its idle p99
(bench/isolation.py). The kernel's priorities work between processes,
not between threads of one interpreter.

What. The gunicorn master of `tracker serve` (and of deploy/gunicorn.conf.py)
starts one more gunicorn, `python -m tracker.report_server SOCKET`, before
it forks its workers (`ReportServer`, as the master's hooks): its own
master and `TRACKER_REPORT_WORKERS` processes of `TRACKER_HEAVY_REQUESTS`
threads, all at nice +10, listening on a Unix socket in a directory only
this user can enter. The workers find the socket in SOCKET_ENV and hand it
every heavy request (tracker/report_proxy.py); nobody else can reach it.
The report server restores the client's address and scheme from the
RELAYED headers, which the proxy always sets itself.

The report server also keeps the rollups of ended days and the counts of
live days current (store.start_counting), which the workers then leave
alone.

It lives and dies with the master: stopped on its exit, reloaded on its
HUP, and sent SIGTERM by the kernel should the master die first (Linux's
PR_SET_PDEATHSIG). `TRACKER_REPORT_WORKERS=0` leaves it out: heavy
requests then run on niced threads of each worker, as before.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping

from .report_proxy import RELAYED

log = logging.getLogger("tracker.reports")

# Where the workers find the report server's socket (set by the master).
SOCKET_ENV = "TRACKER_REPORT_SOCKET"
DIRECTORY_PREFIX = "tracker-reports-"
NICE = 10
# How long a stopping report server may finish its requests.
STOP_WAIT = 20.0
# Linux prctl(2): the signal this process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def report_socket() -> str | None:
    """The report server's socket, in a worker of a server that runs one."""
    return os.environ.get(SOCKET_ENV) or None


def default_report_workers() -> int:
    return max(1, min(multiprocessing.cpu_count(), 4))


def report_workers(configured: int | None) -> int:
    return default_report_workers() if configured is None else configured


class ReportServer:
    """The report server as seen from the gunicorn master: its hooks
    on_starting, on_reload and on_exit start, reload and stop it.

    `environ` is what the app's workers will add to the environment (the
    database and base URL of `tracker serve`'s flags); the report server
    gets the same."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = dict(environ or {})
        self.process: subprocess.Popen | None = None
        self.directory: str | None = None

    def on_starting(self, arbiter=None) -> None:
        from .settings import Config

        env = {**os.environ, **self.environ}
        if report_workers(Config.from_env(env).report_workers) == 0:
            return
        self.directory = tempfile.mkdtemp(prefix=DIRECTORY_PREFIX, dir=runtime_directory())
        path = os.path.join(self.directory, "reports.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker.report_server", path],
            env=env,
            preexec_fn=die_with_parent,
        )
        # The workers, forked after this, inherit it.
        os.environ[SOCKET_ENV] = path

    def on_reload(self, arbiter=None) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGHUP)

    def on_exit(self, arbiter=None) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_WAIT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        os.environ.pop(SOCKET_ENV, None)

    def hooks(self) -> dict:
        """gunicorn settings that hook this into a master."""
        return {
            "on_starting": self.on_starting,
            "on_reload": self.on_reload,
            "on_exit": self.on_exit,
        }


def runtime_directory() -> str | None:
    """systemd's RuntimeDirectory when there is one, else the temp dir."""
    runtime = os.environ.get("RUNTIME_DIRECTORY")
    return runtime.split(":")[0] if runtime else None


def die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the master dies (Linux)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class RelayedRequest:
    """WSGI middleware of the report server: the client's address and
    scheme, as the worker saw them, from the RELAYED headers."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        for name, key in RELAYED.items():
            value = environ.pop("HTTP_" + name.upper().replace("-", "_"), None)
            if value is not None:
                environ[key] = value
        return self.app(environ, start_response)


def load_report_app():
    """The app as the report server runs it: heavy routes inline (this
    process is where they belong), and beside them the rollups and live
    counts that keep reports cheap (store.start_counting), so that no
    worker that answers clicks spends time on them."""
    from .web.app import create_app

    app = create_app()
    app.wsgi_app = RelayedRequest(app.wsgi_app)
    app.extensions["tracker.store"].start_counting()
    return app


def options(socket_path: str) -> dict:
    from .serve import DEFAULTS
    from .settings import Config

    config = Config.from_env()
    return dict(
        DEFAULTS,
        bind=f"unix:{socket_path}",
        workers=report_workers(config.report_workers),
        threads=config.heavy_requests,
        worker_class="gthread",
        proc_name="tracker-reports",
        # Reports are long and this server is niced: its workers' heartbeat
        # must not be mistaken for a hang while the redirect has the CPU.
        timeout=120,
        keepalive=0,
        accesslog=None,
        max_requests=10_000,
        max_requests_jitter=1_000,
    )


def main(argv: list[str] | None = None) -> None:
    from .serve import GunicornApp

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m tracker.report_server SOCKET")
    os.nice(NICE)
    ours = os.getpid()
    try:
        GunicornApp(options(argv[0]), load_report_app).run()
    finally:
        # The tracker's master made the directory for us; if it died first
        # (killed), nobody else takes it away. (gunicorn's workers, forked
        # inside run(), leave through here too: not theirs to remove.)
        directory = os.path.dirname(argv[0])
        if os.getpid() == ours and os.path.basename(directory).startswith(DIRECTORY_PREFIX):
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
