"""Click classification: request facts -> Source. Pure: no Flask, no I/O.

The rules and the evidence behind them are in the README ("How
classification works"). In short, first match wins:

1. an ad click id on the short URL (ttclid, gclid, …)  -> sponsored
2. a paid utm_medium on the short URL                  -> sponsored
3. organic evidence: fbclid/igshid, an organic medium, a social utm_source,
   a social in-app browser, a social referrer          -> organic
4. the link's declared channel: ad -> sponsored, bio/post/story -> organic,
   other -> unknown

Bots are flagged independently of the source and never have in-app rules
applied to them (a preview fetcher's UA often names the platform).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_plus, urlsplit

import user_agents
from iptocc import country_code
from is_bot import Bots

from .vocabulary import CHANNEL_SOURCE

CLICK_ID_PLATFORMS = {
    "ttclid": "tiktok",
    "gclid": "google",
    "gbraid": "google",
    "wbraid": "google",
    "dclid": "google",
    "gad_source": "google",
    "msclkid": "microsoft",
    "sccid": "snapchat",
    "epik": "pinterest",
    "twclid": "twitter",
    "li_fat_id": "linkedin",
    "rdt_cid": "reddit",
}
# Unexpanded ad-platform macros: `__CLICKID__`, `_CLICKID_`, `{{ad.id}}`, `${x}`.
MACRO = re.compile(r"^(_{1,2}[A-Z0-9_]+_{1,2}|\{\{.*\}\}|\$\{.*\}|\{[^{}]*\})$")

PAID_TOKENS = frozenset(
    {
        "paid",
        "cpc",
        "cpm",
        "cpv",
        "cpa",
        "ppc",
        "ads",
        "ad",
        "sponsored",
        "promoted",
        "boosted",
        "spark",
        "sparkads",
        "retargeting",
        "display",
        "paidsocial",
        "paidsearch",
    }
)
ORGANIC_TOKENS = frozenset(
    {
        "social",
        "organic",
        "bio",
        "linkinbio",
        "profile",
        "story",
        "stories",
        "post",
        "reel",
        "reels",
        "sm",
        "socialmedia",
        "share",
    }
)
ORGANIC_MEDIUMS = frozenset({"social-network", "social-media", "social network", "social media"})
MEDIUM_SPLIT = re.compile(r"[\s_\-.+/|]+")

UTM_SOURCE_PLATFORMS = {
    **dict.fromkeys(("tiktok", "tiktok.com", "tt", "tiktok_ads"), "tiktok"),
    **dict.fromkeys(("instagram", "ig", "insta"), "instagram"),
    **dict.fromkeys(("facebook", "fb", "meta", "messenger"), "facebook"),
    **dict.fromkeys(("snapchat", "snap"), "snapchat"),
    **dict.fromkeys(("twitter", "x", "x.com", "t.co"), "twitter"),
    **dict.fromkeys(("google", "adwords"), "google"),
    **dict.fromkeys(("bing", "microsoft"), "microsoft"),
    **dict.fromkeys(("youtube", "yt"), "youtube"),
    "pinterest": "pinterest",
    "linkedin": "linkedin",
    "threads": "threads",
}
SOCIAL_PLATFORMS = frozenset(
    {
        "tiktok",
        "instagram",
        "facebook",
        "snapchat",
        "twitter",
        "youtube",
        "pinterest",
        "linkedin",
        "threads",
    }
)

REFERRER_DOMAINS = {
    "tiktok.com": "tiktok",
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.me": "facebook",
    "messenger.com": "facebook",
    "t.co": "twitter",
    "x.com": "twitter",
    "twitter.com": "twitter",
    "snapchat.com": "snapchat",
    "pinterest.com": "pinterest",
    "pin.it": "pinterest",
    "linkedin.com": "linkedin",
    "lnkd.in": "linkedin",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "threads.net": "threads",
    "threads.com": "threads",
}
ANDROID_APPS = {
    "com.zhiliaoapp.musically": "tiktok",
    "com.ss.android.ugc.trill": "tiktok",
    "com.instagram.android": "instagram",
    "com.facebook.katana": "facebook",
    "com.facebook.orca": "facebook",
    "com.facebook.lite": "facebook",
    "com.snapchat.android": "snapchat",
    "com.twitter.android": "twitter",
    "com.linkedin.android": "linkedin",
    "com.pinterest": "pinterest",
}

# Order matters: Instagram, Threads and Messenger carry Facebook tokens too.
IN_APP_PATTERNS = [
    ("instagram", re.compile(r"\bInstagram \d|MetaIAB Instagram")),
    ("threads", re.compile(r"\bBarcelona \d")),
    (
        "facebook",
        re.compile(r"FBAN/|FBAV/|FB_IAB/|FBIOS|FB4A|MessengerForiOS|Orca-Android|MetaIAB Facebook"),
    ),
    (
        "tiktok",
        re.compile(
            r"musical_ly|BytedanceWebview|\btrill_|ByteLocale/|"
            r"AppName/(musical_ly|trill|ultralite|musically_go)|\bTikTok[ /]\d"
        ),
    ),
    ("snapchat", re.compile(r"Snapchat/?\d")),
    ("twitter", re.compile(r"Twitter for iP(hone|ad)|TwitterAndroid|^Twitter/\d")),
    ("linkedin", re.compile(r"\[LinkedInApp\]")),
    ("pinterest", re.compile(r"\[Pinterest/(iOS|Android)\]|Pinterest for (iOS|Android)")),
]

# Defence in depth on top of isbot: preview fetchers, crawlers, monitors and
# HTTP clients that matter most for social links, matched case-insensitively.
BOT_TOKENS = (
    "facebookexternalhit",
    "Facebot",
    "meta-external",
    "facebookcatalog",
    "Twitterbot",
    "Slackbot",
    "Slack-ImgProxy",
    "Discordbot",
    "TelegramBot",
    "LinkedInBot",
    "SkypeUriPreview",
    "Bytespider",
    "TikTokSpider",
    "TikTok-Bot",
    "Googlebot",
    "AdsBot-Google",
    "Google-InspectionTool",
    "Google-Read-Aloud",
    "bingbot",
    "Applebot",
    "Pinterestbot",
    "redditbot",
    "Snap URL Preview",
    "SnapURLPreview",
    "SnapchatAds",
    "Embedly",
    "Iframely",
    "vkShare",
    "Cardyb",
    "Mastodon/",
    "UptimeRobot",
    "Pingdom",
    "StatusCake",
    "Uptime-Kuma",
    "Site24x7",
    "curl/",
    "Wget/",
    "python-requests",
    "Python-urllib",
    "aiohttp",
    "httpx",
    "Go-http-client",
    "okhttp",
    "axios/",
    "node-fetch",
    "undici",
    "Java/",
    "Apache-HttpClient",
    "libwww-perl",
    "PostmanRuntime",
    "HeadlessChrome",
    "PhantomJS",
    "Chrome-Lighthouse",
    "PTST/",
)
BOT_TOKEN_RE = re.compile(
    "|".join(re.escape(t) for t in BOT_TOKENS) + r"|^WhatsApp/", re.IGNORECASE
)
_isbot = Bots()


@dataclass(frozen=True)
class Agent:
    """What one User-Agent string says, parsed once and cached."""

    device: str
    os: str
    browser: str
    in_app: str | None
    is_bot: bool
    bot_reason: str | None


@dataclass(frozen=True)
class Source:
    source: str
    platform: str
    is_bot: bool
    reason: str
    ad_click_id: str | None
    agent: Agent
    referrer_host: str | None


def bot_reason(ua: str) -> str | None:
    """Why this UA is a bot, or None for a human."""
    if not ua.strip():
        return "empty user agent"
    match = BOT_TOKEN_RE.search(ua)
    if match:
        return f"bot token {match.group(0)}"
    if "MetaIAB" not in ua and _isbot.is_bot(ua):
        return "isbot pattern"
    return None


def in_app_platform(ua: str) -> str | None:
    for platform, pattern in IN_APP_PATTERNS:
        if pattern.search(ua):
            return platform
    return None


@lru_cache(maxsize=16384)
def parse_agent(ua: str) -> Agent:
    """Parse a UA once per process: the redirect sees the same few thousand
    strings again and again, and the regexes are the costly part."""
    ua = ua or ""
    why = bot_reason(ua)
    parsed = user_agents.parse(ua)
    if why:
        device = "bot"
    elif parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    elif parsed.is_pc:
        device = "desktop"
    else:
        device = "other"
    return Agent(
        device=device,
        os=parsed.os.family,
        browser=parsed.browser.family,
        in_app=None if why else in_app_platform(ua),
        is_bot=why is not None,
        bot_reason=why,
    )


def referrer_host(referrer: str | None) -> str | None:
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer.strip())
    except ValueError:
        return None
    if parts.scheme == "android-app":
        return parts.netloc.lower() or None
    host = (parts.hostname or "").rstrip(".")
    return host or None


def referrer_platform(referrer: str | None, host: str | None = None) -> str | None:
    """Platform of a referrer, by exact domain or dot-suffix, never substring.
    `host` is referrer_host(referrer) when the caller has it already."""
    if not referrer:
        return None
    host = host or referrer_host(referrer)
    if not host:
        return None
    if referrer.strip().lower().startswith("android-app:"):
        return ANDROID_APPS.get(host)
    labels = host.split(".")
    for i in range(len(labels) - 1):
        platform = REFERRER_DOMAINS.get(".".join(labels[i:]))
        if platform:
            return platform
    return None


def medium_kind(medium: str | None) -> str | None:
    """'paid', 'organic', 'other' or None (no medium)."""
    if not medium:
        return None
    medium = unquote_plus(medium).strip().lower()
    tokens = set(MEDIUM_SPLIT.split(medium)) - {""}
    if medium.startswith("paid") or tokens & PAID_TOKENS:
        return "paid"
    if medium in ORGANIC_MEDIUMS or tokens & ORGANIC_TOKENS:
        return "organic"
    return "other"


def _params(query: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names, first non-empty value wins."""
    items = query.items() if isinstance(query, Mapping) else query
    out: dict[str, str] = {}
    for name, value in items:
        name = name.lower()
        value = (value or "").replace("\x00", "").strip()  # NUL is never data
        if name not in out and value:
            out[name] = value
    return out


def find_click_id(params: dict[str, str]) -> tuple[str, str, str] | None:
    """(param, value, platform) of the first real ad click id, if any."""
    for name, platform in CLICK_ID_PLATFORMS.items():
        value = params.get(name)
        if value and not MACRO.match(value):
            return name, value, platform
    return None


def classify(
    channel: str, query, referrer: str | None, user_agent: str | None, creator_platform: str
) -> Source:
    """Decide source, platform and bot flag for one click."""
    agent = parse_agent(user_agent or "")
    params = _params(query)
    in_app = agent.in_app  # None for bots by construction
    ref_host = referrer_host(referrer)
    ref_platform = referrer_platform(referrer, ref_host)
    utm_source = params.get("utm_source", "").lower()
    utm_platform = UTM_SOURCE_PLATFORMS.get(utm_source)
    medium = medium_kind(params.get("utm_medium"))
    click = find_click_id(params)

    ad_click_id = None
    if click:
        name, ad_click_id, platform = click
        source, reason = "sponsored", f"{name} on the link"
    elif medium == "paid":
        source, reason = "sponsored", f"paid utm_medium={params['utm_medium']}"
        platform = None
    else:
        source, reason = _organic_evidence(params, medium, utm_platform, in_app, ref_platform)
        platform = None
        if source is None:
            source = CHANNEL_SOURCE.get(channel, "unknown")
            reason = f"declared channel {channel}" if channel != "other" else "no evidence"
    if platform is None:
        platform = (
            in_app
            or ref_platform
            or utm_platform
            or ("facebook" if "fbclid" in params else None)
            or ("instagram" if {"igshid", "igsh"} & params.keys() else None)
            or creator_platform
        )
    if agent.is_bot:
        reason = f"{reason}; bot: {agent.bot_reason}"
    return Source(source, platform, agent.is_bot, reason, ad_click_id, agent, ref_host)


def _organic_evidence(params, medium, utm_platform, in_app, ref_platform):
    if "fbclid" in params:
        return "organic", "fbclid on the link (Meta adds it to organic clicks too)"
    if "igshid" in params or "igsh" in params:
        return "organic", "Instagram share id on the link"
    if medium == "organic":
        return "organic", f"organic utm_medium={params['utm_medium']}"
    if in_app:
        return "organic", f"{in_app} in-app browser without an ad click id"
    if ref_platform:
        return "organic", f"{ref_platform} referrer"
    if utm_platform in SOCIAL_PLATFORMS and medium is None:
        return "organic", f"social utm_source={params['utm_source']}"
    return None, None


# -- who clicked: country, language, QR scan -------------------------------------------
# Facts about the audience, kept beside the classification. Each is cheap
# enough for the hot path (see bench/redirect.py and the README).

#: The parameter a QR code adds to the short URL it encodes; never forwarded.
QR_PARAM = "qr"
#: How much of Accept-Language is read: real headers are far shorter.
MAX_ACCEPT_LANGUAGE = 256
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def take_qr(incoming: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], bool]:
    """The short URL's query without `qr`, and whether it said qr=1 (a scan
    of the campaign's QR code)."""
    for name, _ in incoming:  # a plain loop: no generator on the hot path
        if name == QR_PARAM:
            break
    else:
        return incoming, False
    scanned = any(name == QR_PARAM and value == "1" for name, value in incoming)
    return [(k, v) for k, v in incoming if k != QR_PARAM], scanned


def country(address: str) -> str | None:
    """The ISO 3166 alpha-2 country an address is registered to, or None
    (private, reserved, unknown or not an address).

    An offline table lookup (iptocc: the Regional Internet Registries'
    delegations, embedded in the wheel; no file or network access), about
    50-80 ns a call: faster than a cache would be, so there is none.
    """
    if address.startswith("::ffff:") and "." in address:  # IPv4-mapped IPv6
        address = address[7:]
    return country_code(address)


@lru_cache(maxsize=1024)
def primary_language(header: str) -> str | None:
    """The language a visitor prefers most, from Accept-Language: the
    primary subtag (lower case, 2-3 letters) of the entry with the highest
    q, the first of equals; `de` for 'de-AT,de;q=0.9,en;q=0.8'. Entries with
    q=0, a malformed q, `*` or no 2-3 letter language are skipped; None if
    nothing is left. Cached: a few dozen headers make up most traffic."""
    best, best_q = None, 0.0
    for entry in header[:MAX_ACCEPT_LANGUAGE].split(","):
        tag, _, params = entry.partition(";")
        language = tag.strip().lower().replace("_", "-").split("-", 1)[0]
        if not LANGUAGE_CODE.fullmatch(language):
            continue
        q = _quality(params) if params else 1.0
        if q > best_q:
            best, best_q = language, q
            if q >= 1.0:
                break
    return best


def _quality(params: str) -> float:
    """The q of an Accept-Language entry's parameters; 0 when malformed."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return min(q, 1.0) if q == q and q > 0 else 0.0  # q == q: not NaN
    return 1.0
