"""The gunicorn worker of `tracker serve` and deploy/gunicorn.conf.py.

gunicorn's threaded worker (gthread) with one change: a request's head (the
request line and headers) is read in the worker's event loop, not on a
thread. A thread is given a connection only once its whole head has
arrived, and a head that is not complete `TRACKER_HEADER_TIMEOUT` seconds
after the connection became readable (or was accepted) is dropped.

Why: gunicorn reads the head on the thread that then runs the request, with
a blocking socket and no deadline. A "slowloris" client that sends one
header byte every few seconds then holds a thread for as long as it likes,
and a handful of them hold every thread (with sync workers, every worker
process): the redirect stops answering. Here such a client costs a file
descriptor and a few bytes of buffer, nothing else, whatever their number
(up to gunicorn's `worker_connections` per process).

What a thread then reads (a request body) and writes, it does with the
socket's timeout at gunicorn's `timeout`, so a client that stops reading or
sending mid-request frees its thread after that long at most.

This relies on gunicorn's ThreadWorker funnelling every connection that is
about to be served through `enqueue_req` and on `murder_keepalived` running
once per loop (gunicorn >= 27, as pyproject.toml requires); tests/test_slow_clients.py
checks it against the installed gunicorn.
"""

from __future__ import annotations

import io
import os
import selectors
import socket
import sys
import time
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

HEAD_END = b"\r\n\r\n"
# A head this long is handed to gunicorn's parser as it is: the parser
# answers 400/431 by its own limits (limit_request_line, _fields, _field_size).
MAX_HEAD = 64 * 1024
DEFAULT_HEADER_TIMEOUT = 10.0


GIL_SWITCH_SECONDS = 0.0005


def header_timeout() -> float:
    from . import settings

    return float(settings.read("TRACKER_HEADER_TIMEOUT"))


class HeadSocket:
    """A client socket that first gives back the head bytes the event loop
    read, then reads on. Everything else is the socket's own."""

    def __init__(self, sock: socket.socket, io_timeout: float):
        self._sock = sock
        self.pending = b""
        self.io_timeout = io_timeout

    def recv(self, size: int, *flags) -> bytes:
        if self.pending:
            data, self.pending = self.pending[:size], self.pending[size:]
            return data
        return self._sock.recv(size, *flags)

    def recv_into(self, buffer, nbytes: int = 0, *flags) -> int:
        if self.pending:
            n = min(len(buffer), nbytes or len(buffer), len(self.pending))
            buffer[:n] = self.pending[:n]
            self.pending = self.pending[n:]
            return n
        return self._sock.recv_into(buffer, nbytes, *flags)

    def setblocking(self, flag: bool) -> None:
        # On a thread, "blocking" means blocking for at most io_timeout.
        if flag:
            self._sock.settimeout(self.io_timeout)
        else:
            self._sock.setblocking(False)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def close_without_waiting(sock: HeadSocket, graceful: bool = False) -> None:
    """Close a connection from the event loop without blocking it.

    gunicorn's graceful close lingers up to 2 s in a blocking read for the
    client to close first, on the thread that runs the event loop: a client
    that never closes would freeze every connection of the process for that
    long. Here the write side is shut (the client sees the end of the
    response), what already arrived is drained without waiting, and the
    socket is closed."""
    raw = sock._sock
    try:
        if graceful:
            raw.shutdown(socket.SHUT_WR)
            raw.setblocking(False)
            for _ in range(16):
                if not raw.recv(4096):
                    break
    except OSError:
        pass
    finally:
        try:
            raw.close()
        except OSError:
            pass


class TrackerWorker(ThreadWorker):
    """gthread, with request heads read in the event loop (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_timeout = header_timeout()
        # A redirect thread that asks for the GIL gets it within this long
        # (Python's default is 5 ms) when a report thread is computing: nice
        # lowers a report thread's CPU share, not its hold on the GIL. Under
        # 4 clients loading stats pages and 1 export (bench/isolation.py)
        # redirect p99 went from 9.2x to 3.1x idle, and the redirects
        # answered meanwhile from 464 to 879 a second.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        self._heads: dict = {}  # conn -> deadline (monotonic)

    def enqueue_req(self, conn):
        if self.cfg.is_ssl:
            return super().enqueue_req(conn)  # TLS: gunicorn's own way
        sock = conn.sock
        if not isinstance(sock, HeadSocket):
            sock = conn.sock = HeadSocket(sock, float(self.cfg.timeout or 30))
            conn.close = partial(close_without_waiting, sock)
        parser = getattr(conn, "parser", None)
        if parser is not None:
            # Bytes of the next request that the parser already read ahead.
            ahead = parser.unreader.buf.getvalue()
            if ahead:
                parser.unreader.buf = io.BytesIO()
                sock.pending = ahead + sock.pending
        if self._head_complete(sock.pending):
            return self._serve(conn)
        sock.setblocking(False)
        self._heads[conn] = time.monotonic() + self.head_timeout
        self.poller.register(sock, selectors.EVENT_READ, partial(self._read_head, conn))

    @staticmethod
    def _head_complete(data: bytes) -> bool:
        return HEAD_END in data or len(data) >= MAX_HEAD

    def _serve(self, conn):
        conn.data_ready = True  # gunicorn 27: do not wait for data again
        return super().enqueue_req(conn)

    def _read_head(self, conn, _fileobj):
        sock = conn.sock
        try:
            data = sock._sock.recv(16384)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        seen = len(sock.pending)
        sock.pending += data
        # Look only where the end of the head can newly be.
        if HEAD_END in sock.pending[max(0, seen - 3) :] or len(sock.pending) >= MAX_HEAD:
            self._forget(conn)
            self._serve(conn)

    def _forget(self, conn) -> None:
        self._heads.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _drop(self, conn) -> None:
        self._forget(conn)
        self.nr_conns -= 1
        try:
            conn.close()
        except OSError:
            pass

    def murder_keepalived(self, *args, **kwargs):
        super().murder_keepalived(*args, **kwargs)
        force = bool(kwargs.get("force") or (args and args[0]))
        if not self._heads:
            return
        now = time.monotonic()
        for conn, deadline in list(self._heads.items()):
            if force or deadline <= now:
                self._drop(conn)


def check_gunicorn() -> None:
    """The hooks TrackerWorker relies on exist in the installed gunicorn."""
    missing = [
        name
        for name in ("enqueue_req", "murder_keepalived", "handle")
        if not hasattr(ThreadWorker, name)
    ]
    if missing:
        raise RuntimeError(
            f"gunicorn {os.environ.get('GUNICORN_VERSION', '')} ThreadWorker "
            f"lacks {', '.join(missing)}: tracker.worker needs gunicorn >= 27"
        )


check_gunicorn()
