"""QR codes: what they encode (the short URL with qr=1), as SVG and PNG,
through the API with the same authorization as the other link routes."""

from __future__ import annotations

import io
import re

import pytest
import segno
from PIL import Image

from tracker import access, campaigns
from tracker.qr import qr_code, qr_url

from .helpers import BASE, campaign_with_links


def modules_of_png(data: bytes, scale: int = 10, border: int = 4) -> list[list[bool]]:
    """Read the dark modules back from a rendered PNG, one pixel per module."""
    image = Image.open(io.BytesIO(data)).convert("L")
    size = image.width // scale - 2 * border
    return [
        [
            image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2))
            < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def symbol(url: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(url, error="m", micro=False).matrix]


def test_the_code_carries_the_short_url_with_qr_1():
    assert qr_url("https://go.example/mia-bio") == "https://go.example/mia-bio?qr=1"
    png = qr_code("https://go.example/mia-bio", "png")
    assert png.startswith(b"\x89PNG")
    assert modules_of_png(png) == symbol("https://go.example/mia-bio?qr=1")
    assert modules_of_png(png) != symbol("https://go.example/mia-bio")


def test_svg_is_a_plain_svg_without_scripts():
    svg = qr_code("https://go.example/mia-bio", "svg").decode()
    assert "<svg" in svg and "<script" not in svg.lower()
    assert "<title>https://go.example/mia-bio</title>" in svg
    assert re.search(r'width="\d+"', svg)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        qr_code("https://go.example/x", "gif")


@pytest.fixture
def tokens(store):
    campaign_with_links(store)
    campaigns.create_campaign(
        store, "autumn", "Autumn", "https://shop.example/a", "2026-11-01", "UTC", "EUR"
    )
    campaigns.add_creator(store, "zoe", "youtube")
    campaigns.create_link(store, BASE, "autumn", "zoe", "bio", code="zoe-bio")
    return {
        "reader": access.create_token(store, "reader", read_only=True)["token"],
        "autumn": access.create_token(store, "autumn", campaign="autumn")["token"],
    }


@pytest.mark.parametrize("kind,media", [("svg", "image/svg+xml"), ("png", "image/png")])
def test_api_serves_the_code_to_a_read_only_token(client, tokens, kind, media):
    h = {"Authorization": f"Bearer {tokens['reader']}"}
    resp = client.get(f"/api/links/mia-bio/qr.{kind}", headers=h)
    assert resp.status_code == 200 and resp.mimetype == media
    assert resp.data == qr_code("https://go.example/mia-bio", kind)
    assert "Content-Disposition" not in resp.headers
    saved = client.get(f"/api/links/mia-bio/qr.{kind}?download=1", headers=h)
    assert saved.headers["Content-Disposition"] == f'attachment; filename="mia-bio-qr.{kind}"'


def test_api_qr_codes_follow_the_link_rules(client, tokens):
    scoped = {"Authorization": f"Bearer {tokens['autumn']}"}
    assert client.get("/api/links/zoe-bio/qr.svg", headers=scoped).status_code == 200
    other = client.get("/api/links/mia-bio/qr.svg", headers=scoped)
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    ghost = client.get(
        "/api/links/ghost-code/qr.png", headers={"Authorization": f"Bearer {tokens['reader']}"}
    )
    assert ghost.status_code == 404
    assert client.get("/api/links/mia-bio/qr.svg").status_code == 401
