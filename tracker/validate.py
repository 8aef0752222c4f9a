"""Checking and converting what users type: URLs, dates, money, names.

Pure functions that raise BadInput with a message naming the field, so the
CLI, the API and the importers all refuse bad input the same way.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Literal, overload
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import idna
from babel.numbers import get_currency_precision, is_currency

from .errors import BadInput
from .vocabulary import (
    CLICK_PARAM_RE,
    DEFAULT_ATTRIBUTION_DAYS,
    DEFAULT_CLICK_PARAM,
    HANDLE_RE,
    MAX_ATTRIBUTION_DAYS,
    SLUG_RE,
    normalize_handle,
)

HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
# ASCII digits only: \d would also take ١٢٣ or １２３ (Decimal reads them as 123),
# which no shop export means; metric counts refuse them too.
DECIMAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MAX_URL = 2048
# Characters a URI keeps as they are (RFC 3986 reserved ones, and '%' of the
# escapes already there); everything else in path, query and fragment is
# percent-encoded as UTF-8.
URI_KEEP = "!#$%&'()*+,/:;=?@[]~"
STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def choice(field: str, value: str | None, allowed) -> str:
    value = (value or "").strip().lower()
    if value not in allowed:
        raise BadInput(f"{field} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def slug(value: str) -> str:
    value = (value or "").strip()
    if not SLUG_RE.match(value):
        raise BadInput(f"campaign slug {value!r} must be 1-64 lower-case letters, digits or '-'")
    return value


@overload
def text(
    field: str, value: str | None, max_len: int = ..., required: Literal[True] = ...
) -> str: ...
@overload
def text(field: str, value: str | None, max_len: int = ..., *, required: bool) -> str | None: ...


def text(field: str, value: str | None, max_len: int = 200, required: bool = True) -> str | None:
    """Free text (names, handles): any characters but control characters;
    None only when it is not required and empty."""
    value = (value or "").strip()
    if not value:
        if required:
            raise BadInput(f"{field} must not be empty")
        return None
    if len(value) > max_len:
        raise BadInput(f"{field} is longer than {max_len} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise BadInput(f"{field} must not contain control characters")
    return value


def attribution_days(value, field: str = "attribution_days") -> int:
    """Days a click credits orders: a whole number 1-365 (default 30)."""
    if value is None or value == "":
        return DEFAULT_ATTRIBUTION_DAYS
    raw = str(value).strip()
    if (
        isinstance(value, bool)
        or not (raw.isascii() and raw.isdigit())
        or not 1 <= int(raw) <= MAX_ATTRIBUTION_DAYS
    ):
        raise BadInput(f"{field} {raw!r} must be a whole number of days, 1-{MAX_ATTRIBUTION_DAYS}")
    return int(raw)


def click_param(value: str | None, field: str = "click_param") -> str:
    """The destination parameter that carries the click id (default trk)."""
    raw = (value or "").strip()
    if not raw:
        return DEFAULT_CLICK_PARAM
    if not CLICK_PARAM_RE.match(raw) or raw.lower().startswith("utm_"):
        raise BadInput(
            f"{field} {raw!r} must be a query parameter name: 1-64 letters, digits, "
            "'_', '.' or '-', starting with a letter or '_', and not a utm_ one"
        )
    return raw


def handle(value: str) -> str:
    """A creator handle as stored: '@' optional, case-insensitive (lower-cased),
    and only letters, digits, '.', '_' and '-', as the platforms allow."""
    normal = normalize_handle(value)
    if not normal:
        raise BadInput("creator handle must not be empty")
    if not HANDLE_RE.match(normal):
        raise BadInput(
            f"creator handle {value.strip()!r} may contain only letters, digits, "
            "'.', '_' and '-' (at most 100)"
        )
    return normal


def email(value: str | None, field: str = "e-mail address") -> str:
    """An e-mail address, lower-cased (the one spelling a user signs in with)."""
    value = text(field, value, 254).lower()
    if not EMAIL_RE.match(value):
        raise BadInput(f"{field} {value!r} is not an e-mail address (name@example.com)")
    return value


def url(value: str, field: str = "destination") -> str:
    """An absolute http(s) URL with a plain host: nothing that a browser could
    read as another host (userinfo, backslashes, protocol-relative, spaces).

    Returned as an ASCII URI, the only form a Location header can carry: an
    international host becomes its IDNA (xn--) name as browsers compute it
    (UTS #46), other characters are percent-encoded. Invisible formatting
    characters (zero-width space, bidi overrides, BOM) are refused rather
    than encoded: nobody means them, and they make look-alike links.
    ASCII URLs come back exactly as typed."""
    value = (value or "").strip()
    if not value:
        raise BadInput(f"{field} must not be empty")
    if len(value) > MAX_URL:
        raise BadInput(f"{field} is longer than {MAX_URL} characters")
    invisible = sorted({f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) == "Cf"})
    if invisible:
        raise BadInput(
            f"{field} {value!r} contains invisible formatting characters "
            f"({', '.join(invisible)}); type the URL again without them"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value) or "\\" in value:
        raise BadInput(f"{field} {value!r} contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise BadInput(f"{field} {value!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadInput(f"{field} {value!r} must start with http:// or https://")
    if not value.lower().startswith(parts.scheme.lower() + "://"):
        raise BadInput(f"{field} {value!r} is not an absolute URL")
    if "@" in parts.netloc:
        raise BadInput(f"{field} {value!r} must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    netloc = parts.netloc
    if not host.isascii():
        host = _idna_host(host, field, value)
        netloc = host if port is None else f"{host}:{port}"
    if not host or not (HOST_RE.match(host) or _is_ip(host)):
        raise BadInput(f"{field} {value!r} has no valid host name")
    if port == 0:
        raise BadInput(f"{field} {value!r} has an invalid port")
    head = len(parts.scheme) + len("://")
    return _ascii_uri(value[:head] + netloc, value[head + len(parts.netloc) :], field)


def _idna_host(host: str, field: str, value: str) -> str:
    """bücher.example -> xn--bcher-kva.example, mapped as browsers do."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise BadInput(f"{field} {value!r} has no valid host name") from None


def _ascii_uri(origin: str, rest: str, field: str) -> str:
    """scheme://host[:port] plus path, query and fragment percent-encoded:
    existing %XX escapes and reserved characters are kept, a stray '%'
    becomes %25."""
    encoded = origin + STRAY_PERCENT.sub("%25", quote(rest, safe=URI_KEEP))
    if not encoded.isascii():  # e.g. a port in non-ASCII digits
        raise BadInput(f"{field} {origin!r} is not a valid URL")
    if len(encoded) > MAX_URL:
        raise BadInput(f"{field} is longer than {MAX_URL} characters once encoded")
    return encoded


def base_url(value: str, field: str = "base URL") -> str:
    """The public URL short links and share links start with: an absolute
    http(s) URL (url() above) with no query or fragment; no trailing '/'."""
    checked = url(value, field)
    parts = urlsplit(checked)
    if parts.query or parts.fragment:
        raise BadInput(f"{field} {value.strip()!r} must not have a query or a fragment")
    return checked.rstrip("/")


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def day(value: str | None, field: str = "date") -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise BadInput(f"{field} {value!r} is not a date (YYYY-MM-DD)") from None


def timezone_name(value: str) -> str:
    value = (value or "").strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            f"time zone {value!r} is unknown (use an IANA name such as Europe/Berlin)"
        ) from None
    return value


def currency(value: str) -> str:
    value = (value or "").strip().upper()
    if not is_currency(value):
        raise BadInput(f"currency {value!r} is not an ISO 4217 code (e.g. USD, EUR)")
    return value


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes, from the tz database's iso3166.tab
    (shipped with the tzdata package this project depends on)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    return frozenset(
        line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )


COUNTRY_SPLIT = re.compile(r"[\s,;]+")


def countries(value, field: str = "target countries") -> tuple[str, ...]:
    """ISO 3166 alpha-2 codes, given as 'DE,AT,CH' (commas, spaces or
    semicolons) or as a list: upper-cased, each once, in the order given.
    Nothing (None, '', []) is no countries."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = [v for v in COUNTRY_SPLIT.split(value) if v]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value if v.strip()]
    else:
        raise BadInput(f"{field} must be country codes like 'DE,AT,CH' or a list of them")
    codes = [v.upper() for v in items]
    bad = [items[i] for i, code in enumerate(codes) if code not in iso_countries()]
    if bad:
        hint = " (the United Kingdom is GB)" if any(b.upper() == "UK" for b in bad) else ""
        shown = ", ".join(repr(b[:20]) for b in bad[:5]) + (", …" if len(bad) > 5 else "")
        raise BadInput(
            f"{field}: {shown} "
            f"{'is not an' if len(bad) == 1 else 'are not'} ISO 3166 alpha-2 "
            f"code{'' if len(bad) == 1 else 's'} (e.g. DE, AT, CH){hint}"
        )
    return tuple(dict.fromkeys(codes))


def money(value, currency_code: str, field: str = "amount", allow_negative: bool = False) -> int:
    """A decimal amount as exact integer minor units of the currency."""
    raw = str(value).strip() if value is not None else ""
    if not DECIMAL_RE.match(raw):
        raise BadInput(f"{field} {raw!r} is not a number (use digits and a '.', e.g. 1250.50)")
    try:
        amount = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex already refused it
        raise BadInput(f"{field} {raw!r} is not a number") from None
    if amount < 0 and not allow_negative:
        raise BadInput(f"{field} {raw!r} must not be negative")
    digits = get_currency_precision(currency_code)
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value():
        raise BadInput(f"{field} {raw!r} has more than {digits} decimals for {currency_code}")
    return int(minor)


def money_text(minor: int, currency_code: str) -> str:
    """Minor units back to an exact decimal string ('1250.50')."""
    return minor_units_text(minor, get_currency_precision(currency_code))


def minor_units_text(minor: int, digits: int) -> str:
    """1250050, 2 -> '12500.50': exact, with every decimal the currency has."""
    return str(Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits)))


def timestamp(value: str | None, field: str = "time") -> datetime:
    """ISO 8601 or 'YYYY-MM-DD HH:MM:SS +HHMM' (Shopify) with an offset, to UTC."""
    raw = (value or "").strip()
    if not raw:
        raise BadInput(f"{field} must not be empty")
    try:
        parsed = datetime.fromisoformat(raw)  # Python 3.11 reads all of ISO 8601 we see
    except ValueError:
        try:
            parsed = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            raise BadInput(
                f"{field} {raw!r} is not ISO 8601 (2026-05-01T10:00:00Z) "
                "or 'YYYY-MM-DD HH:MM:SS +HHMM'"
            ) from None
    if parsed.tzinfo is None:
        raise BadInput(f"{field} {raw!r} has no time zone offset (add Z or +HH:MM)")
    return parsed.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """The one text form of a time in the database: sortable, UTC, 'Z'."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
