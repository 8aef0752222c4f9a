"""Slow clients for the benchmarks and tests: sockets that send a request's
head one byte every few seconds and never finish it ("slowloris").

    with SlowLoris("127.0.0.1", 8000, count=50, every=2.0) as attack:
        ...                      # attack.open: connections held open now

A background thread keeps `count` connections open: it reopens one the
server has closed (as an attacker would), and sends each connection its
next byte every `every` seconds. Only loopback addresses are accepted, and
the thread stops when the block ends (or after `limit` seconds).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

HEAD = (
    b"GET /slow-client HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slowloris\r\n"
    b"X-Padding: " + b"a" * 4000 + b"\r\n\r\n"
)


class SlowLoris:
    def __init__(
        self, host: str, port: int, count: int = 50, every: float = 2.0, limit: float = 600.0
    ):
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise ValueError("slow clients only against this machine (loopback)")
        self.address = (host, port)
        self.count, self.every, self.limit = count, every, limit
        self.socks: list[tuple[socket.socket, int]] = []  # (socket, bytes sent)
        self.opened = 0  # connections made in all
        self.reopened = 0  # of which to replace one the server closed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slowloris", daemon=True)

    @property
    def open(self) -> int:
        return len(self.socks)

    def _connect(self) -> tuple[socket.socket, int] | None:
        try:
            s = socket.create_connection(self.address, timeout=2)
            s.sendall(HEAD[:1])
            self.opened += 1
            return (s, 1)
        except OSError:
            return None

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            kept = []
            for s, sent in self.socks:
                try:
                    # Never the last byte: the head is never complete.
                    s.sendall(HEAD[sent : sent + 1] if sent < len(HEAD) - 1 else b"a")
                    kept.append((s, sent + 1))
                except OSError:
                    s.close()
            self.reopened += len(self.socks) - len(kept)
            self.socks = kept
            while len(self.socks) < self.count and not self._stop.is_set():
                made = self._connect()
                if made is None:
                    break
                self.socks.append(made)
            self._stop.wait(self.every)
        for s, _ in self.socks:
            s.close()
        self.socks = []

    def start(self) -> SlowLoris:
        self._thread.start()
        deadline = time.monotonic() + 10
        while self.open < self.count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def __enter__(self) -> SlowLoris:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
