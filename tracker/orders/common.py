"""What every connector needs, once: headers, HMACs, JSON bodies, ids,
times, discount codes and click ids.

Shared so that Shopify, WooCommerce and Stripe refuse bad input the same
way: a signature check answers True or False and never raises (a forged
request must not become a 500), while a signed body that is not what the
platform sends raises BadInput naming the field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from .. import validate
from ..errors import BadInput

#: Longer than any click id we issue (16 characters), short enough that a
#: pasted URL or a note is not mistaken for one.
MAX_CLICK_ID = 128
_OFFSET_RE = re.compile(r"(Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


# -- requests ---------------------------------------------------------------------


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name in any case: a plain dict from a test spells names
    as it likes, werkzeug's Headers already ignores case."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == wanted), None)
    return value if isinstance(value, str) else None


def header_text(headers: Mapping[str, str], name: str) -> str | None:
    """A header's trimmed text, None when absent or blank (delivery ids)."""
    value = (header(headers, name) or "").strip()
    return value or None


# -- signatures -------------------------------------------------------------------


def usable_secrets(secrets: Sequence[str | bytes]) -> list[bytes]:
    """Secrets as bytes, blank ones dropped: an empty key is one anybody can
    sign with, so an unset secret must verify nothing."""
    keys = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in secrets or ()]
    return [key for key in keys if key.strip()]


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def hmac_base64_matches(
    raw_body: bytes, signature: str | None, secrets: Sequence[str | bytes]
) -> bool:
    """True when `signature` is the base64 HMAC-SHA256 of the raw body under
    any of the secrets (Shopify, WooCommerce). Several secrets let an old
    one stay valid while a rotation is under way."""
    claimed = _base64_bytes(signature)
    if claimed is None:
        return False
    return any(
        hmac.compare_digest(claimed, hmac_sha256(key, bytes(raw_body)))
        for key in usable_secrets(secrets)
    )


def _base64_bytes(text: str | None) -> bytes | None:
    """Decoded bytes, or None for anything not strict base64 (non-ASCII text
    makes b64decode raise ValueError)."""
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


# -- bodies and fields ------------------------------------------------------------


def json_object(raw_body: bytes, what: str) -> dict:
    """The body as a JSON object, or BadInput saying what it was meant to be."""
    try:
        data = json.loads(raw_body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise BadInput(f"{what} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{what} is not a JSON object (got {type(data).__name__})")
    return data


def dicts(value) -> list[dict]:
    """The objects of a JSON list; anything else is no objects. Optional
    lists (codes, attributes, refunds) never refuse an order."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def shop_id(value, field: str) -> str:
    """A shop's id as text: Shopify and WooCommerce send integers, Stripe strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise BadInput(f"{field} is missing or not an id (got {value!r})")


def optional_text(value) -> str | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def currency_code(value, field: str = "currency") -> str:
    """An ISO 4217 code in upper case (Stripe sends lower case)."""
    if not isinstance(value, str):
        raise BadInput(f"{field} {value!r} is not an ISO 4217 code (e.g. USD, EUR)")
    return validate.currency(value)


def minor_units(value, field: str) -> int:
    """An amount a platform already sends in minor units (Stripe)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(f"{field} {value!r} is not a whole, non-negative number of minor units")
    return value


def discount_codes(codes: Iterable) -> tuple[str, ...]:
    """Codes trimmed and lower-cased, each once, in the shop's order: codes
    are matched case-insensitively everywhere in the tracker."""
    found: list[str] = []
    for code in codes:
        code = code.strip().lower() if isinstance(code, str) else ""
        if code and code not in found:
            found.append(code)
    return tuple(found)


# -- times ------------------------------------------------------------------------


def iso_time(value, field: str) -> str:
    """A shop's time with an offset as the tracker's UTC text."""
    if not isinstance(value, str):
        raise BadInput(f"{field} {value!r} is not a time")
    return validate.iso_utc(validate.timestamp(value, field))


def optional_iso_time(value, field: str) -> str | None:
    return None if value in (None, "") else iso_time(value, field)


def iso_gmt_time(value, field: str) -> str:
    """A time the shop declares GMT but writes without an offset
    (WooCommerce's *_gmt fields): read as UTC."""
    if isinstance(value, str) and value.strip() and not _OFFSET_RE.search(value.strip()):
        value = value.strip() + "Z"
    return iso_time(value, field)


def iso_unix_time(value, field: str) -> str:
    """Unix seconds (Stripe's `created`) as the tracker's UTC text."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{field} {value!r} is not a Unix time in seconds")
    try:
        return validate.iso_utc(datetime.fromtimestamp(value, UTC))
    except (OverflowError, OSError, ValueError):
        raise BadInput(f"{field} {value!r} is out of range") from None


# -- click ids --------------------------------------------------------------------


def plausible_click_id(value) -> str | None:
    """A value that could be a click id we issued: 1-128 printable characters
    without spaces. Anything else is ignored, never refused, so that one odd
    attribute does not lose the whole order."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_CLICK_ID:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return None
    return value


def click_id_from_url(url, click_params: Sequence[str]) -> str | None:
    """The first click param in a URL's query; the URL may be absolute or a
    path with a query ('/products/serum?utm_source=tiktok&trk=...')."""
    if not isinstance(url, str) or "?" not in url:
        return None
    try:
        pairs = parse_qsl(urlsplit(url.strip()).query)
    except ValueError:
        return None
    return click_id_from_pairs(pairs, click_params, hidden=False)


def click_id_from_pairs(
    pairs: Iterable[tuple], click_params: Sequence[str], hidden: bool = True
) -> str | None:
    """The value of the first pair named like a click param (in the order of
    `click_params`). With `hidden`, '_trk' counts as 'trk': shops hide
    attributes and meta whose names start with '_' from the customer."""
    pairs = [(k.strip(), v) for k, v in pairs if isinstance(k, str)]
    for param in click_params:
        names = (param, "_" + param) if hidden else (param,)
        for key, value in pairs:
            if key in names and (click_id := plausible_click_id(value)):
                return click_id
    return None
