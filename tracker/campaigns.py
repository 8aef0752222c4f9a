"""Campaigns, creators, enrolments, links and promo codes.

Every write the CLI and the API make goes through these functions, which
check input first (validate.py), then write in one transaction: a refused
command writes nothing.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from . import validate
from .errors import BadInput, Duplicate, Forbidden, NotFound
from .store import Conflict, Store
from .vocabulary import (
    CHANNELS,
    CODE_RE,
    DECLARED_SOURCES,
    DEFAULT_CLICK_PARAM,
    PLATFORMS,
    normalize_handle,
)

CODE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 7
# Paths of the app itself that a short code must never shadow (only names
# the code pattern can match; "favicon.ico" cannot).
RESERVED_CODES = frozenset(
    {
        "healthz",
        "stats",
        "api",
        "static",
        "admin",
        "login",
        "logout",
        "campaigns",
        "creators",
        "links",
        "uploads",
    }
)
# How long a server trusts its copy of a link (redirect.py): `tracker link
# set` and `tracker creator set --platform` change link targets from another
# process, and running servers follow within this many seconds.
LINK_CACHE_SECONDS = 30


def now_utc() -> str:
    return validate.iso_utc(datetime.now(UTC))


# -- campaigns ---------------------------------------------------------------


def campaign_record(row: dict) -> dict:
    return {
        "slug": row["slug"],
        "name": row["name"],
        "destination": row["destination"],
        "starts_on": row["starts_on"],
        "timezone": row["timezone"],
        "currency": row["currency"],
        "budget": None
        if row["budget_minor"] is None
        else validate.money_text(row["budget_minor"], row["currency"]),
        "attribution_days": row["attribution_days"],
        "click_param": row["click_param"],
        "created_at": row["created_at"],
        "target_countries": campaign_targets(row),
        "archived_at": row.get("archived_at"),
    }


def campaign_targets(row: dict) -> list[str]:
    """A campaign row's target countries (ISO 3166 alpha-2); [] for none."""
    text = row.get("target_countries")
    return text.split(",") if text else []


def create_campaign(
    store: Store,
    slug: str,
    name: str,
    destination: str,
    starts_on: str | None = None,
    timezone_name: str = "UTC",
    currency: str = "USD",
    budget: str | None = None,
    target_countries=None,
    attribution_days: int | str | None = None,
    click_param: str | None = None,
) -> dict:
    """A new campaign. `target_countries` ('DE,AT,CH' or a list; optional)
    are the countries it is meant for: the report shows, per creator, the
    share of clicks from elsewhere. attribution_days: how long a click
    credits orders (default 30); click_param: the destination parameter that
    carries the click id on its links (default trk)."""
    slug = validate.slug(slug)
    name = validate.text("campaign name", name)
    destination = validate.url(destination)
    tz = validate.timezone_name(timezone_name or "UTC")
    cur = validate.currency(currency or "USD")
    start = (
        validate.day(starts_on, "--starts-on") if starts_on else datetime.now(ZoneInfo(tz)).date()
    )
    budget_minor = validate.money(budget, cur, "budget") if budget not in (None, "") else None
    days = validate.attribution_days(attribution_days, "--attribution-days")
    param = validate.click_param(click_param, "--click-param")
    targets = validate.countries(target_countries)
    try:
        store.insert(
            "campaigns",
            {
                "slug": slug,
                "name": name,
                "destination": destination,
                "starts_on": start.isoformat(),
                "timezone": tz,
                "currency": cur,
                "budget_minor": budget_minor,
                "created_at": now_utc(),
                "attribution_days": days,
                "click_param": param,
                "target_countries": ",".join(targets) or None,
            },
        )
    except Conflict:
        raise Duplicate(f"campaign {slug!r} already exists") from None
    return campaign_record(get_campaign(store, slug))


def set_target_countries(store: Store, slug: str, target_countries) -> dict:
    """Name the countries a campaign targets (replacing any named before);
    nothing (None, '' or []) removes them."""
    return update_campaign(store, slug, target_countries=target_countries or "")


def get_campaign(store: Store, slug: str) -> dict:
    row = store.campaign((slug or "").strip())
    if row is None:
        raise NotFound(f"campaign {slug!r} does not exist (see `tracker campaign list`)")
    return row


def list_campaigns(store: Store) -> list[dict]:
    return [campaign_record(r) for r in store.campaigns()]


def set_attribution_days(store: Store, slug: str, days: int | str) -> dict:
    """Change how long the campaign's clicks credit orders. Reports decide
    attribution when they are made, so every figure follows at once."""
    return update_campaign(store, slug, attribution_days=days)


def campaign_creators(store: Store, slug: str) -> list[dict]:
    """The creators enrolled on a campaign, each with the fee paid to them."""
    campaign = get_campaign(store, slug)
    return [
        dict(creator_record(c), fee=validate.money_text(c["fee_minor"], campaign["currency"]))
        for c in store.campaign_creators(campaign["id"])
    ]


def show_campaign(store: Store, slug: str) -> dict:
    """A campaign and its enrolled creators with their fees."""
    return dict(campaign_record(get_campaign(store, slug)), creators=campaign_creators(store, slug))


def _same_amount(minor: int, old_currency: str, new_currency: str, field: str) -> int:
    """An amount in minor units of old_currency as minor units of
    new_currency, keeping its face value (1500.00 USD -> 1500.00 EUR)."""
    return validate.money(validate.money_text(minor, old_currency), new_currency, field)


def update_campaign(
    store: Store,
    slug: str,
    name: str | None = None,
    destination: str | None = None,
    starts_on: str | None = None,
    timezone_name: str | None = None,
    currency: str | None = None,
    budget: str | None = None,
    target_countries=None,
    attribution_days: int | str | None = None,
) -> dict:
    """Change the fields given (None leaves one as it is; budget "" and
    target_countries "" remove them). All or nothing. The destination is the default for new links;
    existing links keep theirs. The time zone fixes the local day of every
    click, so it can change only before the first click; the currency only
    before the first order or metrics row (fees and budget keep their face
    value). The attribution window applies to every report made afterwards
    (see set_attribution_days)."""
    campaign = get_campaign(store, slug)
    if all(
        v is None
        for v in (
            name,
            destination,
            starts_on,
            timezone_name,
            currency,
            budget,
            target_countries,
            attribution_days,
        )
    ):
        raise BadInput(
            "nothing to change: give --name, --destination, --starts-on, "
            "--timezone, --currency, --budget, --countries or --attribution-days"
        )
    before = campaign_record(campaign)
    fields: dict[str, Any] = {}
    if name is not None:
        fields["name"] = validate.text("campaign name", name)
    if destination is not None:
        fields["destination"] = validate.url(destination)
    if attribution_days is not None:
        fields["attribution_days"] = validate.attribution_days(
            attribution_days, "--attribution-days"
        )
    if starts_on is not None:
        fields["starts_on"] = validate.day(starts_on, "--starts-on").isoformat()
    if target_countries is not None:
        fields["target_countries"] = ",".join(validate.countries(target_countries)) or None
    if timezone_name is not None:
        fields["timezone"] = validate.timezone_name(timezone_name)
    old_cur = campaign["currency"]
    cur = validate.currency(currency) if currency is not None else old_cur
    if cur != old_cur:
        fields["currency"] = cur
    if budget is not None:
        fields["budget_minor"] = validate.money(budget, cur, "budget") if budget.strip() else None
    elif cur != old_cur and campaign["budget_minor"] is not None:
        fields["budget_minor"] = _same_amount(campaign["budget_minor"], old_cur, cur, "budget")
    fields = {k: v for k, v in fields.items() if v != campaign[k]}
    with store.transaction():
        if "timezone" in fields:
            # pruned clicks count too: their rollups are in local days
            clicks = store.rows_on_campaign("clicks", campaign["id"])
            clicks += store.pruned_click_count(campaign["id"])
            if clicks:
                raise BadInput(
                    f"campaign {campaign['slug']!r} already has {clicks} click(s) counted in the "
                    f"local days of {campaign['timezone']}; its time zone can change only "
                    "before the first click"
                )
        if "currency" in fields:
            used = {t: store.rows_on_campaign(t, campaign["id"]) for t in ("orders", "metrics")}
            if any(used.values()):
                raise BadInput(
                    f"campaign {campaign['slug']!r} already has {used['orders']} order(s) "
                    f"and {used['metrics']} metrics row(s) in {old_cur}; its currency can "
                    "change only before the first import"
                )
            for c in store.campaign_creators(campaign["id"]):
                store.enroll(
                    campaign["id"],
                    c["id"],
                    _same_amount(c["fee_minor"], old_cur, cur, f"the fee of {c['handle']}"),
                )
        store.update_campaign(campaign["id"], fields)
    after = campaign_record(get_campaign(store, campaign["slug"]))
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    return dict(after, changed=changed)


def archive_campaign(store: Store, slug: str, archived: bool = True) -> dict:
    """Take a campaign off the console's list (archived=False puts it back).
    Nothing else changes: its links keep redirecting and its stats stay."""
    campaign = get_campaign(store, slug)
    if bool(campaign["archived_at"]) != archived:
        store.update_campaign(campaign["id"], {"archived_at": now_utc() if archived else None})
    return campaign_record(get_campaign(store, campaign["slug"]))


# -- creators ----------------------------------------------------------------


def creator_record(row: dict) -> dict:
    return {"handle": row["handle"], "platform": row["platform"], "name": row["name"]}


def add_creator(store: Store, handle: str, platform: str, name: str | None = None) -> dict:
    handle = validate.handle(handle)
    platform = validate.choice("platform", platform, PLATFORMS)
    name = validate.text("name", name, required=False)
    try:
        store.insert(
            "creators",
            {"handle": handle, "platform": platform, "name": name, "created_at": now_utc()},
        )
    except Conflict:
        raise Duplicate(f"creator {handle!r} already exists") from None
    return creator_record(get_creator(store, handle))


def get_creator(store: Store, handle: str) -> dict:
    row = store.creator(normalize_handle(handle))
    if row is None:
        raise NotFound(f"creator {handle!r} does not exist (add it with `tracker creator add`)")
    return row


def list_creators(store: Store) -> list[dict]:
    return [creator_record(r) for r in store.creators()]


def update_creator(
    store: Store,
    handle: str,
    platform: str | None = None,
    name: str | None = None,
    new_handle: str | None = None,
) -> dict:
    """Change a creator's platform, name (name "" removes it) or handle;
    all or nothing. Platform and handle are in every link's UTMs (utm_source,
    utm_content): the creator's links get their target URL recomputed in the
    same transaction (`links_updated` says how many), and running servers
    follow within LINK_CACHE_SECONDS. Share links made for the old handle
    stop showing the creator's numbers."""
    creator = get_creator(store, handle)
    if platform is None and name is None and new_handle is None:
        raise BadInput("nothing to change: give --platform or --name")
    fields: dict[str, Any] = {}
    if new_handle is not None:
        fields["handle"] = validate.handle(new_handle)
    if platform is not None:
        fields["platform"] = validate.choice("platform", platform, PLATFORMS)
    if name is not None:
        fields["name"] = validate.text("name", name, required=False)
    fields = {k: v for k, v in fields.items() if v != creator[k]}
    retargeted = 0
    try:
        with store.transaction():
            store.update_creator(creator["id"], fields)
            if {"handle", "platform"} & set(fields):
                for link in store.creator_links(creator["id"]):  # with the new values
                    store.set_link_target(
                        link["id"],
                        link["destination"],
                        link_target(
                            link["destination"],
                            link["creator_platform"],
                            link["channel"],
                            link["campaign"],
                            link["creator"],
                        ),
                    )
                    retargeted += 1
    except Conflict:
        taken = fields["handle"]
        raise Duplicate(f"creator handle {taken!r} is taken by another creator") from None
    after = creator_record(get_creator(store, fields.get("handle", creator["handle"])))
    before = creator_record(creator)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    return dict(after, changed=changed, links_updated=retargeted)


def creators_with_campaigns(store: Store) -> list[dict]:
    """Every creator with the campaigns they are on (slug, name, fee)."""
    on: dict[int, list] = {}
    for row in store.creator_campaigns():
        on.setdefault(row["creator_id"], []).append(
            {
                "slug": row["slug"],
                "name": row["name"],
                "archived": bool(row["archived_at"]),
                "fee": validate.money_text(row["fee_minor"], row["currency"]),
            }
        )
    return [dict(creator_record(r), campaigns=on.get(r["id"], [])) for r in store.creators()]


def check_enrolment(store: Store, campaign: dict, creator: dict, scoped: bool) -> None:
    """Whoever is `scoped` to one campaign (a campaign-scoped API token) may
    put on it a creator who is already on it or on no campaign yet, never
    one of another campaign's creators: that would reach into a campaign the
    token must not touch (its creator, fee and numbers). The message names
    no other campaign."""
    on = store.creator_campaign_ids(creator["id"])
    if scoped and on and campaign["id"] not in on:
        raise Forbidden(
            f"creator {creator['handle']!r} is on another campaign; a token scoped to "
            f"campaign {campaign['slug']!r} can only enrol creators who are on no campaign "
            "yet or already on this one (use an unscoped token)"
        )


def enroll(
    store: Store, slug: str, handle: str, fee: str | None = None, scoped: bool = False
) -> dict:
    """Put a creator on a campaign, or change the fee of one already on it
    (see check_enrolment for `scoped`). No fee: 0 for a new enrolment,
    unchanged for an existing one. `previous_fee` is the fee before (None:
    the creator was not enrolled)."""
    campaign = get_campaign(store, slug)
    creator = get_creator(store, handle)
    cur = campaign["currency"]
    fee_minor = validate.money(fee, cur, "fee") if fee not in (None, "") else None
    with store.transaction():
        check_enrolment(store, campaign, creator, scoped)
        before = store.enrolment(campaign["id"], creator["id"])
        if fee_minor is None:
            fee_minor = before["fee_minor"] if before else 0
        store.enroll(campaign["id"], creator["id"], fee_minor)
    return {
        "campaign": campaign["slug"],
        "creator": creator["handle"],
        "fee": validate.money_text(fee_minor, cur),
        "previous_fee": validate.money_text(before["fee_minor"], cur) if before else None,
    }


def unenroll(store: Store, slug: str, handle: str) -> dict:
    """Take a creator off a campaign: refused while the creator has links,
    promo codes or metrics there (they would lose their creator)."""
    campaign = get_campaign(store, slug)
    creator = get_creator(store, handle)
    where = f"creator {creator['handle']!r}"
    with store.transaction():
        if store.enrolment(campaign["id"], creator["id"]) is None:
            raise NotFound(f"{where} is not on campaign {campaign['slug']!r}")
        held = {
            what: store.rows_on_campaign(table, campaign["id"], creator["id"])
            for what, table in (
                ("link(s)", "links"),
                ("promo code(s)", "promo_codes"),
                ("metrics row(s)", "metrics"),
            )
        }
        if any(held.values()):
            has = ", ".join(f"{n} {what}" for what, n in held.items() if n)
            raise BadInput(
                f"{where} cannot leave campaign {campaign['slug']!r}: it has {has} there "
                "(links keep their clicks and stay; switch one off with `tracker link disable "
                "CODE`; remove a code with `tracker promo remove CODE`)"
            )
        store.unenroll(campaign["id"], creator["id"])
    return {"campaign": campaign["slug"], "creator": creator["handle"], "unenrolled": True}


# -- links -------------------------------------------------------------------


def utm_params(platform: str, channel: str, campaign_slug: str, handle: str) -> dict:
    return {
        "utm_source": platform,
        "utm_medium": "paid_social" if channel == "ad" else "social",
        "utm_campaign": campaign_slug,
        "utm_content": handle,
    }


def add_params(url: str, params: dict) -> str:
    """Add params that the URL does not already carry (the URL's own win)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in query}
    query += [(k, v) for k, v in params.items() if k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


@lru_cache(maxsize=4096)
def _split_target(destination: str, target_url: str):
    """The target cut into its base, its encoded query pieces (with decoded
    names) and fragment, and the names the destination itself set: done
    once per link, so a redirect only joins strings."""
    parts = urlsplit(target_url)
    own = frozenset(k for k, _ in parse_qsl(urlsplit(destination).query, keep_blank_values=True))
    pieces = tuple(
        (unquote_plus(piece.split("=", 1)[0]), piece) for piece in parts.query.split("&") if piece
    )
    base = urlunsplit(parts._replace(query="", fragment=""))
    return base, pieces, own, parts.fragment


def redirect_location(
    destination: str,
    target_url: str,
    incoming,
    click_id: str | None,
    click_param: str = DEFAULT_CLICK_PARAM,
) -> str:
    """Where a click goes: the link's own target, plus what arrived on the
    short URL (the destination's own parameters win over it, it wins over
    our UTMs), plus the click id under the link's click_param (`trk`, or
    e.g. `client_reference_id` for a Stripe Payment Link). Only the query
    can change: never host or path."""
    base, pieces, own, fragment = _split_target(destination, target_url)
    incoming = [(k, v) for k, v in incoming if k != click_param and k not in own]
    if not incoming and click_id is None:
        return target_url
    names = {k for k, _ in incoming}
    query = [piece for name, piece in pieces if name not in names and name != click_param]
    if incoming:
        query.append(urlencode(incoming))
    if click_id is not None:
        query.append(quote(click_param, safe="") + "=" + quote(click_id, safe=""))
    location = base + ("?" + "&".join(query) if query else "")
    return location + ("#" + fragment if fragment else "")


def link_target(
    destination: str, platform: str, channel: str, campaign_slug: str, handle: str
) -> str:
    """Where a link sends its clicks: the destination with our UTMs."""
    return add_params(destination, utm_params(platform, channel, campaign_slug, handle))


def preview_link(
    store: Store, slug: str, handle: str, channel: str, destination: str | None = None
) -> dict:
    """What create_link would make of these choices, without making it:
    the destination URL with its UTMs (the console's live preview)."""
    channel = validate.choice("channel", channel, CHANNELS)
    campaign = get_campaign(store, slug)
    creator = get_creator(store, handle)
    destination = validate.url(destination) if destination else campaign["destination"]
    return {
        "destination_url": link_target(
            destination, creator["platform"], channel, campaign["slug"], creator["handle"]
        ),
        "campaign": campaign["slug"],
        "creator": creator["handle"],
        "channel": channel,
    }


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def link_record(row: dict, base_url: str) -> dict:
    return {
        "code": row["code"],
        "short_url": f"{base_url.rstrip('/')}/{row['code']}",
        "destination_url": row["target_url"],
        "campaign": row["campaign"],
        "creator": row["creator"],
        "channel": row["channel"],
        "click_param": row["click_param"],
        "disabled": bool(row["disabled"]),
        "created_at": row["created_at"],
    }


def check_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise BadInput(
            f"code {code!r} must be 3-32 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    if code.lower() in RESERVED_CODES:
        raise BadInput(f"code {code!r} is reserved")
    return code


def create_link(
    store: Store,
    base_url: str,
    slug: str,
    handle: str,
    channel: str,
    destination: str | None = None,
    code: str | None = None,
    click_param: str | None = None,
    scoped: bool = False,
) -> dict:
    """A short link; it puts its creator on the campaign (see check_enrolment
    for `scoped`). click_param: the destination parameter its click id
    travels in (default: the campaign's)."""
    channel = validate.choice("channel", channel, CHANNELS)
    campaign = get_campaign(store, slug)
    creator = get_creator(store, handle)
    destination = validate.url(destination) if destination else campaign["destination"]
    wanted = check_code(code) if code else None
    param = (
        validate.click_param(click_param, "--click-param")
        if click_param
        else campaign["click_param"]
    )
    target = link_target(
        destination, creator["platform"], channel, campaign["slug"], creator["handle"]
    )
    for _attempt in range(8):
        row = {
            "code": wanted or new_code(),
            "campaign_id": campaign["id"],
            "creator_id": creator["id"],
            "channel": channel,
            "destination": destination,
            "target_url": target,
            "created_at": now_utc(),
            "click_param": param,
        }
        try:
            with store.transaction():
                check_enrolment(store, campaign, creator, scoped)
                enrolled_now = store.ensure_enrolled(campaign["id"], creator["id"])
                store.insert("links", row)
            break
        except Conflict:
            if wanted:
                raise Duplicate(f"code {wanted!r} is already taken") from None
    else:  # pragma: no cover - 56**7 codes make this practically impossible
        raise Duplicate("could not find a free short code; try --code")
    # newly_enrolled: the creator was not on the campaign and now is, at fee 0.
    return dict(link_record(get_link(store, row["code"]), base_url), newly_enrolled=enrolled_now)


def get_link(store: Store, code: str) -> dict:
    row = store.link((code or "").strip())
    if row is None:
        raise NotFound(f"link {code!r} does not exist")
    return row


def list_links(store: Store, base_url: str, slug: str) -> list[dict]:
    campaign = get_campaign(store, slug)
    return [link_record(r, base_url) for r in store.links(campaign["id"])]


def set_link_disabled(store: Store, base_url: str, code: str, disabled: bool = True) -> dict:
    if not store.set_link_disabled((code or "").strip(), disabled):
        raise NotFound(f"link {code!r} does not exist")
    return link_record(get_link(store, code), base_url)


def update_link(store: Store, base_url: str, code: str, destination: str | None = None) -> dict:
    """Give a link a new destination; its target URL (with the UTMs) is
    recomputed. Running servers follow within LINK_CACHE_SECONDS."""
    link = get_link(store, code)
    if destination is None:
        raise BadInput("nothing to change: give --destination")
    destination = validate.url(destination)
    before = link_record(link, base_url)
    store.set_link_target(
        link["id"],
        destination,
        link_target(
            destination,
            link["creator_platform"],
            link["channel"],
            link["campaign"],
            link["creator"],
        ),
    )
    after = link_record(get_link(store, link["code"]), base_url)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    return dict(after, changed=changed)


# -- promo codes ---------------------------------------------------------------


def add_promo(
    store: Store, slug: str, handle: str, code: str, source: str | None = None, scoped: bool = False
) -> dict:
    """A creator's discount code on a campaign; it puts the creator on the
    campaign (see check_enrolment for `scoped`). Codes match
    case-insensitively (stored lower-cased as `code`); `code_as_typed` is the
    spelling given."""
    campaign = get_campaign(store, slug)
    creator = get_creator(store, handle)
    typed = validate.text("promo code", code, 64)
    code = typed.lower()
    if source:
        source = validate.choice("source", source, DECLARED_SOURCES)
    try:
        with store.transaction():
            check_enrolment(store, campaign, creator, scoped)
            enrolled_now = store.ensure_enrolled(campaign["id"], creator["id"])
            store.insert(
                "promo_codes",
                {
                    "code": code,
                    "campaign_id": campaign["id"],
                    "creator_id": creator["id"],
                    "source": source,
                    "created_at": now_utc(),
                },
            )
    except Conflict:
        raise Duplicate(f"promo code {typed!r} already belongs to a campaign") from None
    return {
        "code": code,
        "campaign": campaign["slug"],
        "creator": creator["handle"],
        "source": source,
        "code_as_typed": typed,
        "newly_enrolled": enrolled_now,
    }


def list_promos(store: Store, slug: str) -> list[dict]:
    """A campaign's promo codes: code, creator, source."""
    campaign = get_campaign(store, slug)
    return [
        {"code": p["code"], "creator": p["creator"], "source": p["source"]}
        for p in store.promo_codes(campaign["id"])
    ]


def remove_promo(store: Store, code: str) -> dict:
    """Delete a promo code; refused once an order carries it (the order
    would lose the creator it is attributed to)."""
    key = (code or "").strip().lower()
    with store.transaction():
        promo = store.promo_code_owner(key)
        if promo is None:
            raise NotFound(f"promo code {code!r} does not exist (see `tracker promo list SLUG`)")
        orders = store.orders_with_code(key)
        if orders:
            raise BadInput(
                f"promo code {code!r} is on {orders} order(s) of campaign "
                f"{promo['campaign']!r}; removing it would take their "
                "attribution away"
            )
        store.delete_promo_code(key)
    return dict(promo, removed=True)
