"""Logs without addresses or secrets.

Raw IP addresses are never written anywhere, logs included, and tokens are
not written in logs. gunicorn, left alone, breaks both: its error log names
the client of a bad request ("Invalid request from ip=…") and its access log
writes request lines and referrers with their `?share=` tokens.

`ScrubbingLogger` is gunicorn's logger whose handlers format through
`scrub`, so every message from any code path (tracebacks included) comes out
with IPv4/IPv6 addresses replaced and tokens masked; the app's own loggers
("tracker.*") write through the same handlers. `tracker serve` and
deploy/gunicorn.conf.py both use it (serve.DEFAULTS["logger_class"]).
"""

from __future__ import annotations

import ipaddress
import logging
import re

from gunicorn.glogging import Logger

ADDRESS = "<address>"
MASK = "***"
# Dotted quads not inside a longer dotted or word run (a sentence may end
# after one), and not a product version in a user agent ("Chrome/124.0.0.0":
# a letter, then '/').
IPV4 = re.compile(r"(?<![\w.])(?<![A-Za-z]/)[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?!\w|\.[0-9])")
# Hex groups with at least two colons (so "12:30:45" is a candidate, and
# ipaddress then refuses it), an optional dotted tail and zone.
IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9A-Fa-f]{1,4}|[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?:%[\w-]+)?"
    r"(?![\w:]|\.[0-9])"
)
SECRETS = (
    (re.compile(r"(?i)([?&;](?:share|token|access_token)=)[^&\s\"'#]+"), r"\1" + MASK),
    (re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"), r"\1" + MASK),
    (re.compile(r"\btrk_[A-Za-z0-9_-]{8,}"), "trk_" + MASK),  # API tokens anywhere
)


def _address(match: re.Match) -> str:
    try:
        ipaddress.ip_address(match.group(0))
    except ValueError:
        return match.group(0)  # a time, a version: not an address
    return ADDRESS


def scrub(text: str) -> str:
    """`text` without IP addresses and with share and API tokens masked."""
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return IPV4.sub(_address, IPV6.sub(_address, text))


class ScrubbingFormatter(logging.Formatter):
    """Formats with the handler's own formatter, then scrubs the result."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return scrub(self.inner.format(record))


def scrub_handler(handler: logging.Handler) -> None:
    """Make `handler` scrub what it writes (once, however often called)."""
    if not isinstance(handler.formatter, ScrubbingFormatter):
        handler.setFormatter(ScrubbingFormatter(handler.formatter))


class ScrubbingLogger(Logger):
    """gunicorn's logger, with every error- and access-log handler scrubbed.

    setup() runs at start and on every reload (SIGHUP), after gunicorn has
    (re)made its handlers: stream, file and syslog alike."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers + self.access_log.handlers:
            scrub_handler(handler)
        # The app's own messages ("tracker.*": rollups, the report server)
        # go to the error log too, scrubbed alike, at its level.
        app_log = logging.getLogger("tracker")
        app_log.handlers = list(self.error_log.handlers)
        app_log.setLevel(self.error_log.level)
        app_log.propagate = False
