"""QR codes for short links.

A QR code encodes the short URL with `qr=1` appended, so that a scan can be
told from a click on the same link (the redirect forwards the parameter
like any other). One function for the API, the console and the CLI.
"""

from __future__ import annotations

import io

import segno

from .campaigns import add_params
from .errors import BadInput

#: What a QR code can be rendered as, and its media type.
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def kind_of(filename: str) -> str:
    """svg or png, from a file name's extension (what `-o FILE` asks for)."""
    kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if kind not in FORMATS:
        raise BadInput(f"{filename!r}: a QR code file ends in .svg or .png")
    return kind


def qr_url(short_url: str) -> str:
    """The URL a QR code carries: the short URL with qr=1."""
    return add_params(short_url, {"qr": "1"})


def qr_code(short_url: str, kind: str = "svg", scale: int = 10) -> bytes:
    """The QR code of a short link as SVG or PNG bytes: error correction M
    (or better, when it fits in the same size), a four-module quiet zone,
    black on white; `scale` is pixels per module."""
    if kind not in FORMATS:
        raise ValueError(f"a QR code is svg or png, not {kind!r}")
    code = segno.make(qr_url(short_url), error="m", micro=False)
    out = io.BytesIO()
    extra = {"title": short_url} if kind == "svg" else {}
    code.save(out, kind=kind, scale=scale, border=4, dark="#000000", light="#ffffff", **extra)
    return out.getvalue()
