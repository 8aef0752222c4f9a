"""A worker hands a heavy request to the report server (report_server.py).

`ReportProxy` is the WSGI app that tracker/heavy.py calls for a stats page,
a report, an export or an upload when the server runs a report server: it
sends the request as it came (method, target, headers, body) over the
report server's Unix socket, adds what the report server cannot see for
itself (the client's address and the scheme, in RELAYED headers, which it
first removes from what the client sent), and relays the answer back piece
by piece. The worker's thread only waits on sockets meanwhile, holding
neither the GIL nor a CPU: the report is computed in another process.

A body is relayed in constant memory: an export of millions of rows streams
through, and stops when the client goes away (close() closes the socket to
the report server, whose next write then fails and ends the export).

When the report server cannot be reached (it is still starting, or gone),
the request waits up to START_WAIT for it, then gets a 503 with
Retry-After; nothing else on the worker notices.
"""

from __future__ import annotations

import http.client
import logging
import socket
import time
from urllib.parse import quote

log = logging.getLogger("tracker.reports")

# Headers that describe one connection, not the request: never relayed.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# What the report server restores into its environ (report_server.py): the
# worker's view of the client and the connection.
RELAYED = {
    "X-Tracker-Relay-Remote-Addr": "REMOTE_ADDR",
    "X-Tracker-Relay-Scheme": "wsgi.url_scheme",
    "X-Tracker-Relay-Server-Name": "SERVER_NAME",
    "X-Tracker-Relay-Server-Port": "SERVER_PORT",
}
RELAYED_PREFIX = "x-tracker-relay-"
# How long a request waits for a report server that is (re)starting.
START_WAIT = 10.0
# A relayed answer whose next piece takes longer than this is cut off.
READ_TIMEOUT = 300.0
PIECE = 64 * 1024
UNAVAILABLE_PAGE = b"Reports are not available right now, please try again in a few seconds."


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix socket."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout, blocksize=PIECE)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def request_target(environ) -> str:
    """The request target: the path as the client sent it (gunicorn keeps
    it in RAW_URI; rebuilt from the decoded path elsewhere) and the query."""
    path = environ.get("RAW_URI", "").split("?", 1)[0]
    if not path:
        path = quote(
            (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1"),
            safe="/;=,:@!$&'()*+~-._",
        )
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def request_headers(environ) -> dict[str, str]:
    """The client's end-to-end headers, with RELAYED values of our own."""
    headers = {}
    for key, value in environ.items():
        if not key.startswith("HTTP_"):
            continue
        name = key[5:].replace("_", "-").title()
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered.startswith(RELAYED_PREFIX):
            continue
        headers[name] = value
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    for name, key in RELAYED.items():
        headers[name] = str(environ.get(key, ""))
    headers["Connection"] = "close"
    return headers


def request_body(environ):
    """What to send: the input itself when its length is known (read up to
    it), its pieces when the client sent it chunked, else nothing."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return None
    if environ.get("CONTENT_LENGTH"):
        return stream
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return iter(lambda: stream.read(PIECE), b"")
    return None


def response_headers(response: http.client.HTTPResponse) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]


def try_again_later(start_response, page: bytes = UNAVAILABLE_PAGE):
    """A 503 that says when to come back (heavy.py's "busy" answer too)."""
    start_response(
        "503 Service Unavailable",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Retry-After", "5"),
            ("Content-Length", str(len(page))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [page]


class ReportProxy:
    """WSGI app: the request answered by the report server (see module)."""

    def __init__(self, socket_path: str, start_wait: float = START_WAIT):
        self.socket_path = socket_path
        self.start_wait = start_wait

    def connect(self) -> UnixHTTPConnection | None:
        """A connection to the report server, waiting while it starts."""
        deadline = time.monotonic() + self.start_wait
        while True:
            conn = UnixHTTPConnection(self.socket_path, READ_TIMEOUT)
            try:
                conn.connect()
                return conn
            except (FileNotFoundError, ConnectionRefusedError) as exc:
                conn.close()
                if time.monotonic() >= deadline:
                    log.error("the report server does not answer at %s: %s", self.socket_path, exc)
                    return None
                time.sleep(0.05)

    def __call__(self, environ, start_response):
        conn = self.connect()
        if conn is None:
            return try_again_later(start_response)
        try:
            conn.request(
                environ.get("REQUEST_METHOD", "GET"),
                request_target(environ),
                body=request_body(environ),
                headers=request_headers(environ),
            )
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            log.error("the report server failed a request: %s", exc)
            return try_again_later(start_response)
        start_response(f"{response.status} {response.reason}", response_headers(response))
        return RelayedBody(conn, response)


class RelayedBody:
    """The report server's answer, piece by piece; close() hangs up on it."""

    def __init__(self, conn: UnixHTTPConnection, response: http.client.HTTPResponse):
        self.conn = conn
        self.response = response

    def __iter__(self):
        while True:
            piece = self.response.read1(PIECE)
            if not piece:
                return
            yield piece

    def close(self) -> None:
        self.response.close()
        self.conn.close()
