"""A WSGI app that shows what reached it, served by a real gunicorn on a Unix
socket in tests/test_report_server.py, behind the report server's own
RelayedRequest middleware: what a relayed request looks like on arrival.

GET /stream?pieces=N streams N pieces of 64 KiB and, when it is closed
before the end (the client went away), writes `closed` into the file named
by RELAY_ECHO_CLOSED.
"""

from __future__ import annotations

import hashlib
import json
import os

from tracker.report_server import RelayedRequest

SHOWN = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "REMOTE_ADDR", "wsgi.url_scheme")


def echo(environ, start_response):
    if environ["PATH_INFO"] == "/stream":
        return stream(environ, start_response)
    body = environ["wsgi.input"].read()
    shown = {key: environ.get(key) for key in SHOWN}
    shown["headers"] = {k[5:]: v for k, v in environ.items() if k.startswith("HTTP_")}
    shown["body_sha256"] = hashlib.sha256(body).hexdigest()
    shown["body_length"] = len(body)
    page = json.dumps(shown).encode()
    start_response(
        "201 Made Up",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(page))),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/"),
        ],
    )
    return [page]


def stream(environ, start_response):
    pieces = int(environ["QUERY_STRING"].split("=")[1])
    start_response("200 OK", [("Content-Type", "application/octet-stream")])

    def body():
        sent = 0
        try:
            while sent < pieces:
                yield b"x" * 65536
                sent += 1
        finally:
            if sent < pieces:
                with open(os.environ["RELAY_ECHO_CLOSED"], "w") as out:
                    out.write(f"closed after {sent}")

    return body()


app = RelayedRequest(echo)
