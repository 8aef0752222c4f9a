"""`tracker link qr CODE [-o FILE.svg|FILE.png]`: a link's QR code.

Importing this module adds `qr` to the `tracker link` group (links.py).
"""

from __future__ import annotations

import sys

import click

from .. import campaigns, qr
from .base import argument, pass_state
from .links import CODE_HELP, link
from .output import note


@link.command("qr")
@argument("code", help=CODE_HELP)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="write FILE.svg or FILE.png (default: the SVG on stdout)",
)
@pass_state
def qr_(state, code, output):
    """the link's QR code: its short URL with qr=1, so a scan can be told from a click"""
    made = campaigns.get_link(state.store(), state.base_url(), code)
    kind = qr.kind_of(output) if output else "svg"
    image = qr.qr_code(made["short_url"], kind)
    if output is None:
        sys.stdout.write(image.decode("utf-8"))
        return
    with open(output, "wb") as out:
        out.write(image)
    note(f"wrote {output}: the QR code of {qr.qr_url(made['short_url'])}")
