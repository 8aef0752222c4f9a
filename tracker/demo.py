"""`tracker demo`: a believable month of a campaign, through the real click path.

Every click is a real GET /<code> through the app's redirect middleware (the
same classification, visitor hashing and insert as production); only the
clock is replayed, so the month fits in a few seconds.
"""

from __future__ import annotations

import math
import random
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import campaigns
from .errors import Duplicate
from .settings import Config
from .vocabulary import ALL_DAYS

# Real user-agent strings (from isbot, uap-core and device-detector fixtures).
HUMAN_AGENTS = {
    "tiktok": [
        "Mozilla/5.0 (Linux; Android 10; SM-G973F Build/QQ3A.200805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/85.0.4183.101 Mobile Safari/537.36 trill_2021708020 JsSdk/1.0 NetType/MOBILE Channel/googleplay AppName/trill app_version/17.8.2 ByteLocale/en ByteFullLocale/en Region/IN",
        "Mozilla/5.0 (Linux; Android 8.1.0; BQ-5516L Build/O11019; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/81.0.4044.117 Mobile Safari/537.36 musical_ly_2021600040 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/16.0.4 ByteLocale/ru-RU ByteFullLocale/ru-RU Region/RU",
    ],
    "instagram": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 123.1.0.26.115 (iPhone11,8; iOS 13_3; en_US; en-US; scale=2.00; 828x1792; 190542906)",
        "Mozilla/5.0 (Linux; Android 11; Pixel 2 Build/RP1A.201005.004.A1; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/91.0.4472.120 Mobile Safari/537.36 Instagram 195.0.0.31.123 Android (30/11; 420dpi; 1080x1794; Google/google; Pixel 2; walleye; walleye; en_US; 302733750)",
    ],
    "browser": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; Pixel 6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 9; SAMSUNG SM-G960U) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/10.2 Chrome/71.0.3578.99 Mobile Safari/537.36",
    ],
}
BOT_AGENTS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.21.12.21 A",
    "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.0.0 Safari/537.36",
    "Twitterbot/1.0",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "curl/7.64.1",
]

# Where the demo's visitors are: (country, /16 of a national network there,
# Accept-Language, weight). The first two octets come from here, the last two
# are random; None is a private range (no country: what a proxy that is not
# in TRACKER_TRUSTED_PROXIES looks like).
AUDIENCE = [
    ("US", "24.0", "en-US,en;q=0.9", 50),
    ("US", "73.0", "en-US,en;q=0.9,es;q=0.8", 14),
    ("CA", "24.114", "en-CA,en;q=0.9,fr-CA;q=0.8", 6),
    ("CA", "142.112", "fr-CA,fr;q=0.9,en;q=0.8", 3),
    ("GB", "86.0", "en-GB,en;q=0.9", 6),
    ("DE", "89.0", "de-DE,de;q=0.9,en;q=0.8", 4),
    ("MX", "187.188", "es-MX,es;q=0.9", 4),
    ("BR", "201.0", "pt-BR,pt;q=0.9,en;q=0.8", 4),
    ("IN", "49.36", "en-IN,en;q=0.9,hi;q=0.8", 5),
    (None, "10.20", None, 4),
]
TARGET_COUNTRIES = "US,CA"
QR_SHARE = 0.06  # of bio clicks: the creator's QR code on a poster or packaging

CREATORS = [
    # handle, platform, name, fee, has an ad, share of traffic, day the post took off
    ("mia.moves", "tiktok", "Mia Moves", "1500", True, 0.38, 2),
    ("glowwithjade", "instagram", "Jade", "1200", True, 0.27, 4),
    ("chef.leo", "tiktok", "Leo Cooks", "900", False, 0.20, 17),
    ("sam.trails", "instagram", "Sam", "600", True, 0.15, 9),
]


def _curve(day: int, peak: int) -> float:
    """Attention after a post: nothing before it, a spike, a long tail."""
    if day < peak:
        return 0.08
    return 0.15 + math.exp(-(day - peak) / 5.0)


def fill_demo(
    store,
    base_url: str,
    slug: str = "demo-launch",
    clicks: int = 3000,
    seed: int = 7,
    days: int = 30,
    out=sys.stderr,
) -> dict:
    from .web.app import create_app

    rng = random.Random(seed)
    tz = ZoneInfo("America/New_York")
    today = datetime.now(tz).date()
    start = today - timedelta(days=days - 1)
    try:
        campaigns.create_campaign(
            store,
            slug,
            "Glow Serum launch (demo)",
            "https://shop.example/glow-serum?ref=demo",
            start.isoformat(),
            "America/New_York",
            "USD",
            "12000",
            target_countries=TARGET_COUNTRIES,
        )
    except Duplicate:
        raise Duplicate(f"campaign {slug!r} already exists; use --slug to make another") from None
    codes = []
    for handle, platform, name, fee, has_ad, share, peak in CREATORS:
        if store.creator(handle) is None:
            campaigns.add_creator(store, handle, platform, name)
        campaigns.enroll(store, slug, handle, fee)
        bio = campaigns.create_link(store, base_url, slug, handle, "bio")["code"]
        ad = campaigns.create_link(store, base_url, slug, handle, "ad")["code"] if has_ad else None
        codes.append((handle, platform, share, peak, bio, ad))
    print(
        f"demo: campaign {slug!r} with {len(CREATORS)} creators, replaying {clicks} clicks "
        f"over {days} days",
        file=out,
    )

    app = create_app(Config(database=store.url, base_url=base_url), store=store)
    client = app.test_client()
    # Day by day, as the clicks happened: daily visitor salts come and go in order.
    weights = [(c, d, c[2] * _curve(d, c[3])) for d in range(days) for c in codes]
    total_weight = sum(w for _, _, w in weights)
    # People, not requests: each has an address and a phone that opens links
    # in the app (or a browser); many come back on the same day.
    # Where they are and what they read come from a second stream, so that the
    # clicks themselves are the same as before countries were recorded.
    where = random.Random(seed + 1)
    homes = [
        where.choices(AUDIENCE, [a[3] for a in AUDIENCE])[0] for _ in range(max(clicks // 40, 10))
    ]
    visitors = [
        (
            f"{home[1]}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            rng.random(),
            rng.random(),
            home[2],
        )
        for home in homes
    ]
    done = 0
    for creator, day, weight in weights:
        for _ in range(round(clicks * weight / total_weight)):
            _one_click(
                client, app, rng, creator, start + timedelta(days=day), tz, today, visitors, where
            )
            done += 1
            if done % 500 == 0:
                print(f"demo: {done} clicks", file=out)
    orders = _orders(store, rng, slug, codes)
    days_of_metrics = _metrics(store, rng, slug, codes)
    print(
        f"demo: {done} clicks, {orders} orders, {days_of_metrics} metrics rows; "
        f"`tracker share {slug}` prints a link to its stats page",
        file=out,
    )
    return {"campaign": slug, "clicks": done, "orders": orders}


def _orders(store, rng, slug: str, codes) -> int:
    """Orders through the real importer: some carry the click token (trk),
    some only a promo code; a few come from the ad-specific code."""
    campaign = store.campaign(slug)
    records, line = [], 1
    for handle, _platform, _share, _peak, _bio, ad in codes:
        code = f"{handle.split('.')[0].upper()}15"
        campaigns.add_promo(store, slug, handle, f"{slug}-{code}")
        if ad:
            campaigns.add_promo(store, slug, handle, f"{slug}-{code}-AD", "sponsored")
    tz = ZoneInfo(campaign["timezone"])
    for row in store.export_clicks(campaign["id"], *ALL_DAYS, False):
        if rng.random() > 0.035:
            continue
        line += 1
        handle = row["creator"]
        bought = datetime.fromisoformat(row["clicked_at"].replace("Z", "+00:00")) + timedelta(
            minutes=rng.randrange(2, 90)
        )
        bought = min(bought, datetime.now(UTC))
        use_token = rng.random() < 0.6
        code = f"{slug}-{handle.split('.')[0].upper()}15"
        if not use_token and row["source"] == "sponsored" and rng.random() < 0.7:
            code += "-AD"
        records.append(
            (
                line,
                {
                    "order_id": f"#D{1000 + line}",
                    "code": code,
                    "click_id": row["click_id"] if use_token else "",
                    "amount": f"{rng.choice([29, 39, 49, 59, 79, 89])}.{rng.choice(['00', '50', '99'])}",
                    "currency": "USD",
                    "redeemed_at": bought.astimezone(tz).isoformat(),
                },
            )
        )
    from .imports import save_redemptions

    return save_redemptions(store, records, slug)["new"]


def _metrics(store, rng, slug: str, codes) -> int:
    """Daily platform numbers that follow the clicks, with spend on ads."""
    from .imports import save_metrics

    campaign = store.campaign(slug)
    per_day = {
        (r["creator_id"], r["source"], r["day"]): r
        for r in store.click_summary(campaign["id"], ("creator_id", "source"), *ALL_DAYS)
    }
    creators = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    records, line = [], 1
    for (creator_id, source, day), row in sorted(per_day.items()):
        if source not in ("organic", "sponsored"):
            continue
        handle = next(h for h, i in creators.items() if i == creator_id)
        line += 1
        records.append((line, metrics_record(rng, day, handle, source, int(row["clicks"]) + 1)))
    return save_metrics(store, slug, records)["rows"]


def metrics_record(rng, day: str, handle: str, source: str, clicks: int) -> dict:
    """One believable row of platform metrics for `clicks` clicks (also used
    by bench/report_export.py)."""
    impressions = clicks * rng.randrange(60, 140)
    return {
        "date": day,
        "creator": handle,
        "source": source,
        "impressions": str(impressions),
        "views": str(int(impressions * 0.8)),
        "reach": str(int(impressions * 0.7)),
        "likes": str(impressions // rng.randrange(15, 30)),
        "comments": str(impressions // rng.randrange(150, 300)),
        "shares": str(impressions // rng.randrange(200, 400)),
        "saves": str(impressions // rng.randrange(100, 250)),
        "followers_gained": str(clicks // rng.randrange(3, 8)),
        "spend": f"{clicks * rng.uniform(0.35, 0.8):.2f}" if source == "sponsored" else "",
    }


def _one_click(client, app, rng, creator, day: date, tz, today, visitors, where) -> None:
    handle, platform, _share, _peak, bio, ad = creator
    moment = datetime.combine(
        day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), tz
    )
    if day == today:
        moment = min(moment, datetime.now(tz))
    app.wsgi_app.clock = lambda: moment.astimezone(UTC)
    sponsored = ad is not None and rng.random() < 0.45
    code, query, headers = (ad if sponsored else bio), "", {}
    address, in_app, pick, language = rng.choice(visitors)
    if language:
        headers["Accept-Language"] = language
    if rng.random() < 0.07:
        agent = rng.choice(BOT_AGENTS)
        address = f"203.0.113.{rng.randrange(1, 255)}"
    elif in_app < 0.7:
        agents = HUMAN_AGENTS[platform]
        agent = agents[int(pick * len(agents))]
    else:
        agent = HUMAN_AGENTS["browser"][int(pick * len(HUMAN_AGENTS["browser"]))]
        if not sponsored and rng.random() < 0.5:
            headers["Referer"] = f"https://www.{platform}.com/"
    if sponsored:
        query = (
            f"?ttclid=E.C.P.{rng.getrandbits(48):x}"
            if platform == "tiktok"
            else "?utm_source=instagram&utm_medium=paid_social"
        )
    elif platform == "instagram" and rng.random() < 0.3:
        query = f"?igshid={rng.getrandbits(40):x}"
    if not sponsored and where.random() < QR_SHARE:
        query = "?qr=1"  # a camera opened the URL printed in the code
        headers.pop("Referer", None)
    headers["User-Agent"] = agent
    client.get(f"/{code}{query}", headers=headers, environ_overrides={"REMOTE_ADDR": address})
