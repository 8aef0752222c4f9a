"""Reports, exports and imports run beside the redirect, never in its way.

`HeavyRoutes` is WSGI middleware in front of the Flask app (behind the
redirect middleware, which never reaches it). A request for a stats page, a
report, an export or an upload (`is_heavy`) is not run on the server thread
that received it. In a served worker:

- at most half of the worker's `TRACKER_THREADS` heavy requests are handed
  to the report server at once (twice `TRACKER_HEAVY_REQUESTS` to its own
  threads, without one); past that a heavy request is answered 503 with
  Retry-After, at once.
  The server's other threads are always free for redirects, whatever
  marketers and scripts ask for.
- they are handed to the report server (tracker/report_server.py), other
  processes at a lower CPU priority, when the server has one (it does by
  default): the worker's thread only relays the answer
  (tracker/report_proxy.py), and the kernel gives the CPU to the redirect's
  processes first, so a report or export takes longer under a burst of
  clicks and the clicks do not wait for it.
- with `TRACKER_REPORT_WORKERS=0` they run on a small pool of this
  process's threads instead, niced (+10, per thread, on Linux). The kernel
  still prefers the redirect's threads, but a report thread holding the
  GIL makes them wait: bench/isolation.py measures the difference.
- a response is relayed in pieces through a bounded queue or the report
  server's socket: an export streams in constant memory, and stops when the
  client goes away.

The parallel report queries (tracker/store/readers.py) run niced too.

Outside a served worker (the test client, `tracker` commands, the report
server itself) the heavy routes run inline: `start()` turns the handing on,
from tracker.serve.start_worker_threads.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from .report_proxy import ReportProxy, try_again_later

# What may take seconds: stats pages and their JSON, reports, exports, and
# the console's uploads (a file checked, previewed and imported). The rest
# of the API (small reads and writes, the shops' webhooks, which must not be
# refused under a burst of orders) runs inline like any request.
HEAVY_PREFIXES = ("/stats/", "/uploads")
HEAVY_SUFFIXES = ("/report", "/clicks.csv", "/orders", "/metrics/import")
NICE = 10
BUSY_PAGE = b"Busy with other reports, please try again in a few seconds."
_DONE = object()


def lower_priority(nice: int = NICE) -> None:
    """Lower the calling thread's CPU priority (Linux: per thread). Raising
    the nice value needs no privilege; elsewhere this does nothing."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass


def is_heavy(path: str) -> bool:
    return path.startswith(HEAVY_PREFIXES) or (
        path.startswith("/api/") and path.endswith(HEAVY_SUFFIXES)
    )


class HeavyRoutes:
    """WSGI middleware: heavy routes handed, a bounded number at once, to the
    report server or to a niced pool of this process's threads (see module)."""

    def __init__(self, app, running: int = 2, relays: int = 8):
        self.app = app
        self.running = running
        # Handed to the report server at once (the worker's threads only
        # wait on its socket meanwhile); beyond that a heavy request is a 503.
        self.relays = relays
        self._pool: ThreadPoolExecutor | None = None
        self._proxy: ReportProxy | None = None
        self._admitted: threading.BoundedSemaphore | None = None

    def start(self, running: int | None = None, report_socket: str | None = None) -> None:
        """Hand heavy routes on from now on (idempotent): to the report
        server at `report_socket` (default: SOCKET_ENV, set by the master
        that started one), else to threads of this process."""
        if self._admitted is not None:
            return
        from . import report_server

        self.running = running or self.running
        report_socket = report_socket or report_server.report_socket()
        if report_socket:
            self._proxy = ReportProxy(report_socket)
        else:
            self._pool = ThreadPoolExecutor(
                self.running, thread_name_prefix="tracker-heavy", initializer=lower_priority
            )
        # Relayed, or running plus waiting: beyond that a heavy request is a 503.
        admitted = self.relays if self._proxy is not None else 2 * self.running
        self._admitted = threading.BoundedSemaphore(admitted)

    def __call__(self, environ, start_response):
        if self._admitted is None or not is_heavy(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        if not self._admitted.acquire(blocking=False):
            return try_again_later(start_response, BUSY_PAGE)
        if self._proxy is not None:
            return self._relayed(environ, start_response)
        relay = Relay(self._admitted.release)
        try:
            self._pool.submit(relay.produce, self.app, environ)
        except BaseException:
            relay.finish()
            raise
        return relay.consume(start_response)

    def _relayed(self, environ, start_response):
        """Through the report server; the slot is freed when the answer is
        done (or fails, or the client goes away)."""
        try:
            body = self._proxy(environ, start_response)
        except BaseException:
            self._admitted.release()
            raise
        return ClosingBody(body, self._admitted.release)


class ClosingBody:
    """A response body that calls `on_close` once, after its own close()."""

    def __init__(self, body, on_close):
        self.body = body
        self._on_close = on_close

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()


class Relay:
    """One heavy response, produced on a heavy thread, consumed on the
    server thread: (status, headers) first, then body chunks, then _DONE;
    or an exception, re-raised on the server thread."""

    def __init__(self, on_finish):
        self.items: queue.Queue = queue.Queue(maxsize=8)
        self.cancelled = threading.Event()
        self._on_finish = on_finish
        self._finished = threading.Lock()
        self._once = False

    def finish(self) -> None:
        with self._finished:
            if self._once:
                return
            self._once = True
        self._on_finish()

    def put(self, item) -> bool:
        """Hand an item over; False once the server side has gone."""
        while not self.cancelled.is_set():
            try:
                self.items.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce(self, app, environ) -> None:
        result = None
        try:

            def start_response(status, headers, exc_info=None):
                if exc_info is not None and self.started:
                    raise exc_info[1].with_traceback(exc_info[2])
                self.started = True
                self.put(("start", status, headers))
                return self.write

            self.started = False
            result = app(environ, start_response)
            for chunk in result:
                if chunk and not self.put(("chunk", chunk)):
                    return
            self.put(("done",))
        except BaseException as exc:  # shown on the server thread
            self.put(("error", exc))
        finally:
            try:
                if result is not None and hasattr(result, "close"):
                    result.close()
            finally:
                self.finish()

    def write(self, data: bytes) -> None:
        if data:
            self.put(("chunk", data))

    def consume(self, start_response):
        """The response on the server thread: start_response is called as
        soon as the app has called it, before the first chunk."""
        first = self.items.get()
        if first[0] == "error":
            self.cancelled.set()
            raise first[1]
        if first[0] == "start":
            start_response(first[1], first[2])
        return RelayBody(self, first)


class RelayBody:
    """The relayed body; close() (the server calls it, also after a write
    failed) tells the heavy thread to stop."""

    def __init__(self, relay: Relay, first):
        self.relay = relay
        self.first = first

    def __iter__(self):
        item = self.first
        while True:
            if item[0] == "chunk":
                yield item[1]
            elif item[0] == "done":
                return
            elif item[0] == "error":
                raise item[1]
            item = self.relay.items.get()

    def close(self) -> None:
        self.relay.cancelled.set()
