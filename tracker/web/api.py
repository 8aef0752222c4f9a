"""The JSON admin API under /api/: everything the CLI does, through the same
functions (campaigns, imports, reports, access). Bearer tokens; errors as
{"error": {"code", "message", "details"}}."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request

from .. import access, campaigns, imports, qr, reports
from ..errors import BadInput, Forbidden, NotFound, TrackerError
from ..orders import shops
from ..vocabulary import CSV_SHOP, METRICS_CSV_COLUMNS
from .auth import authenticate, check_campaign, check_write, store
from .openapi import spec

bp = Blueprint("api", __name__, url_prefix="/api")
PUBLIC = {"api.webhook_redemptions"}  # authenticated by signature instead
MAX_LIMIT = 500


def base_url() -> str:
    return current_app.extensions["tracker.settings"].base_url


@bp.before_request
def require_token():
    if request.endpoint not in PUBLIC:
        authenticate()


@bp.errorhandler(TrackerError)
def api_error(exc: TrackerError):
    return jsonify(exc.as_json()), exc.status, exc.headers


# -- request helpers --------------------------------------------------------------


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput("the request body must be a JSON object (Content-Type: application/json)")
    return data


def field(data: dict, name: str, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadInput(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadInput(f"{name} must be a string or a number")
    if isinstance(value, str) and "\x00" in value:
        raise BadInput(f"{name} contains a NUL character")
    return str(value)


def paginated(items: list) -> dict:
    try:
        limit = int(request.args.get("limit", 50))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        raise BadInput("limit and offset must be whole numbers") from None
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadInput(f"limit must be 1-{MAX_LIMIT} and offset at least 0")
    page = items[offset : offset + limit]
    following = offset + limit if offset + limit < len(items) else None
    return {
        "items": page,
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "next_offset": following,
    }


def campaign_slug(slug: str) -> str:
    check_campaign(g.token, slug)
    return slug


def writable_campaign(slug: str) -> str:
    check_write(g.token)
    return campaign_slug(slug)


def scoped() -> bool:
    """Whether this request's token is scoped to one campaign: it may then
    enrol only creators on no other campaign (campaigns.check_enrolment)."""
    return g.token["campaign"] is not None


# -- campaigns and creators ------------------------------------------------------------


@bp.get("/campaigns")
def list_campaigns():
    found = campaigns.list_campaigns(store())
    if g.token["campaign"]:
        found = [c for c in found if c["slug"] == g.token["campaign"]]
    return jsonify(paginated(found))


@bp.post("/campaigns")
def create_campaign():
    check_write(g.token, global_change=True)
    d = body()
    made = campaigns.create_campaign(
        store(),
        field(d, "slug", True),
        field(d, "name", True),
        field(d, "destination", True),
        field(d, "starts_on"),
        field(d, "timezone") or "UTC",
        field(d, "currency") or "USD",
        field(d, "budget"),
        d.get("target_countries"),
        attribution_days=field(d, "attribution_days"),
        click_param=field(d, "click_param"),
    )
    return jsonify(made), 201


@bp.get("/campaigns/<slug>")
def get_campaign(slug):
    return jsonify(campaigns.campaign_record(campaigns.get_campaign(store(), campaign_slug(slug))))


UPDATABLE = (
    "name",
    "destination",
    "starts_on",
    "timezone",
    "currency",
    "budget",
    "target_countries",
    "attribution_days",
)


@bp.patch("/campaigns/<slug>")
def update_campaign(slug):
    """Change the fields given, as `tracker campaign set` does. The
    attribution window moves credit between campaigns (a click's campaign
    against a code's), so changing it takes an unscoped token."""
    slug = writable_campaign(slug)
    d = body()
    fixed = sorted(set(d) - set(UPDATABLE))
    if fixed or not d:
        raise BadInput(
            f"only {', '.join(UPDATABLE)} can be changed"
            + (f" (got {', '.join(repr(k[:40]) for k in fixed[:5])})" if fixed else "")
        )
    if "attribution_days" in d:
        check_write(g.token, global_change=True)
    return jsonify(
        campaigns.update_campaign(
            store(),
            slug,
            d.get("name"),
            d.get("destination"),
            d.get("starts_on"),
            d.get("timezone"),
            d.get("currency"),
            d.get("budget"),
            d.get("target_countries"),
            attribution_days=d.get("attribution_days"),
        )
    )


@bp.get("/creators")
def list_creators():
    if g.token["campaign"]:
        campaign = campaigns.get_campaign(store(), g.token["campaign"])
        found = [campaigns.creator_record(c) for c in store().campaign_creators(campaign["id"])]
    else:
        found = campaigns.list_creators(store())
    return jsonify(paginated(found))


@bp.post("/creators")
def add_creator():
    check_write(g.token, global_change=True)
    d = body()
    made = campaigns.add_creator(
        store(), field(d, "handle", True), field(d, "platform", True), field(d, "name")
    )
    return jsonify(made), 201


@bp.get("/campaigns/<slug>/creators")
def campaign_creators(slug):
    return jsonify(paginated(campaigns.campaign_creators(store(), campaign_slug(slug))))


@bp.post("/campaigns/<slug>/creators")
def enroll(slug):
    d = body()
    return jsonify(
        campaigns.enroll(
            store(),
            writable_campaign(slug),
            field(d, "handle", True),
            field(d, "fee"),
            scoped=scoped(),
        )
    ), 201


# -- links and promo codes ----------------------------------------------------------------


@bp.get("/campaigns/<slug>/links")
def list_links(slug):
    return jsonify(paginated(campaigns.list_links(store(), base_url(), campaign_slug(slug))))


@bp.post("/campaigns/<slug>/links")
def create_link(slug):
    d = body()
    made = campaigns.create_link(
        store(),
        base_url(),
        writable_campaign(slug),
        field(d, "creator", True),
        field(d, "channel", True),
        field(d, "destination"),
        field(d, "code"),
        field(d, "click_param"),
        scoped=scoped(),
    )
    return jsonify(made), 201


def visible_link(code: str) -> dict:
    """The link, if this token may see it (a scoped token sees only its campaign's)."""
    link = store().link(code)
    token_campaign = g.token["campaign"]
    if link is None or token_campaign is not None and link["campaign"] != token_campaign:
        raise NotFound(f"link {code!r} does not exist")
    return link


def _link_switch(code: str, disabled: bool):
    check_write(g.token)
    visible_link(code)
    return jsonify(campaigns.set_link_disabled(store(), base_url(), code, disabled))


def qr_response(short_url: str, code: str, kind: str) -> Response:
    """A link's QR code as an image; ?download=1 makes it a file to save."""
    response = Response(qr.qr_code(short_url, kind), mimetype=qr.FORMATS[kind])
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{code}-qr.{kind}"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/links/<code>/qr.svg")
def link_qr_svg(code):
    link = campaigns.link_record(visible_link(code), base_url())
    return qr_response(link["short_url"], link["code"], "svg")


@bp.get("/links/<code>/qr.png")
def link_qr_png(code):
    link = campaigns.link_record(visible_link(code), base_url())
    return qr_response(link["short_url"], link["code"], "png")


@bp.post("/links/<code>/disable")
def disable_link(code):
    return _link_switch(code, True)


@bp.post("/links/<code>/enable")
def enable_link(code):
    return _link_switch(code, False)


@bp.get("/campaigns/<slug>/promo-codes")
def list_promo_codes(slug):
    return jsonify(paginated(campaigns.list_promos(store(), campaign_slug(slug))))


@bp.post("/campaigns/<slug>/promo-codes")
def add_promo_code(slug):
    d = body()
    made = campaigns.add_promo(
        store(),
        writable_campaign(slug),
        field(d, "creator", True),
        field(d, "code", True),
        field(d, "source"),
        scoped=scoped(),
    )
    return jsonify(made), 201


# -- orders, metrics, report, export -----------------------------------------------------------


def order_records(data: dict) -> list[tuple[int, dict]]:
    """One order or {"orders": [...]}, numbered from 1 for error messages."""
    orders = data["orders"] if "orders" in data else [data]
    if not isinstance(orders, list) or not orders:
        raise BadInput("orders must be a non-empty list")
    records = []
    for n, order in enumerate(orders, 1):
        if not isinstance(order, dict):
            raise BadInput(f"order {n} must be a JSON object")
        records.append(
            (
                n,
                {
                    k: field(order, k)
                    for k in imports.REDEMPTION_FIELDS + imports.REDEMPTION_OPTIONAL
                },
            )
        )
    return records


def order_keep(data: dict) -> tuple[str, ...]:
    """As for a file: an order stored already keeps its code or click id
    when no order of the request names that field at all."""
    orders = data["orders"] if "orders" in data else [data]
    named = {k for order in orders if isinstance(order, dict) for k in order}
    return imports.kept_fields("generic", named)


@bp.post("/campaigns/<slug>/redemptions")
def add_redemptions(slug):
    """Orders of this campaign; orders that are (or would become) another
    campaign's or nobody's are counted, never written."""
    slug = writable_campaign(slug)
    data = body()
    shop = field(data, "shop")
    if scoped() and shop not in (None, CSV_SHOP):
        # A connected shop's orders come from the shop (or an unscoped import).
        raise Forbidden("a token scoped to one campaign writes orders to the csv shop only")
    result = imports.save_redemptions(
        store(), order_records(data), slug, shop=shop, keep=order_keep(data)
    )
    return jsonify(result), 201


@bp.get("/campaigns/<slug>/orders")
def list_orders(slug):
    """Every order the report over `window` counts, with what it adds."""
    return jsonify(
        paginated(
            reports.campaign_orders(store(), campaign_slug(slug), request.args.get("window", "all"))
        )
    )


@bp.post("/campaigns/<slug>/metrics")
def add_metrics(slug):
    slug = writable_campaign(slug)
    rows = body().get("rows")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise BadInput("rows must be a non-empty list of objects")
    fields = METRICS_CSV_COLUMNS
    records = [(n, {k: field(r, k) for k in fields}) for n, r in enumerate(rows, 1)]
    return jsonify(imports.save_metrics(store(), slug, records)), 201


@bp.get("/campaigns/<slug>/report")
def report(slug):
    args = request.args
    return jsonify(
        reports.campaign_report(
            store(),
            campaign_slug(slug),
            args.get("window") or None,
            date_from=args.get("from"),
            date_to=args.get("to"),
        )
    )


@bp.get("/campaigns/<slug>/clicks.csv")
def export_clicks(slug):
    from .stats import csv_response

    args = request.args
    return csv_response(
        campaign_slug(slug),
        args.get("since"),
        args.get("until"),
        args.get("include_bots", "").lower() in ("1", "true", "yes"),
    )


# -- the order webhook and the description ------------------------------------------------------


@bp.post("/webhooks/redemptions")
def webhook_redemptions():
    """Orders posted by the shop, signed with the webhook secret."""
    raw = request.get_data(cache=True)
    access.check_webhook(
        store(),
        request.headers.get("X-Tracker-Timestamp"),
        request.headers.get("X-Tracker-Signature"),
        raw,
    )
    data = body()
    result = imports.save_redemptions(
        store(), order_records(data), shop=field(data, "shop"), keep=order_keep(data)
    )
    return jsonify(result), 200


# -- shops (admin tokens only) -----------------------------------------------------------


def admin(write: bool = False) -> None:
    """Shops hold secrets and the orders of every campaign: unscoped tokens only."""
    if g.token["campaign"] is not None:
        raise Forbidden("this token is scoped to one campaign; shops need an unscoped token")
    if write:
        check_write(g.token)


@bp.get("/shops")
def list_shops():
    admin()
    return jsonify(paginated(shops.list_shops(store(), base_url())))


@bp.post("/shops")
def connect_shop():
    """Connect a shop (or connect it again with a new secret; keep_old keeps
    the previous one valid). Answers the URL to paste into the platform."""
    admin(write=True)
    d = body()
    keep_old = d.get("keep_old", False)
    if not isinstance(keep_old, bool):
        raise BadInput("keep_old must be true or false")
    made = shops.connect(
        store(),
        base_url(),
        field(d, "name", True),
        field(d, "platform", True),
        field(d, "secret", True),
        keep_old,
    )
    return jsonify(made), 201


@bp.delete("/shops/<name>")
def disconnect_shop(name):
    admin(write=True)
    return jsonify(shops.disconnect(store(), base_url(), name))


@bp.post("/shops/<name>/forget-old-secrets")
def forget_old_secrets(name):
    admin(write=True)
    return jsonify(shops.forget_old_secrets(store(), base_url(), name))


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
