"""The marketer's console: server-rendered pages for people signed in.

Campaigns, creators, links, promo codes, share links and file uploads,
through the same functions the CLI and the API call (campaigns, imports,
access, users): no rule lives here. A refused form is shown again with
each error next to the field it names, and nothing written.

Who may do what is decided once, in `guard`: signing in is public; every
other page needs a session (else the sign-in page, or 401 for JSON and
images); every request that changes something needs a CSRF token (400
without) and an admin (403 for viewers); a viewer may only sign out.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tempfile
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import access, campaigns, imports, reports, users
from ..errors import NotFound, TrackerError
from ..reports import formatting
from ..validate import money_text
from ..vocabulary import CHANNELS, DECLARED_SOURCES, PLATFORMS
from .api import qr_response
from .auth import client, current_user, end_session, start_session, store

bp = Blueprint("console", __name__)

PUBLIC = {"console.login", "console.login_form"}
NOT_PAGES = {"console.link_preview", "console.link_qr_svg", "console.link_qr_png"}
VIEWER_MAY_POST = {"console.logout"}
SHARE_EXPIRY = (("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"), ("365d", "1 year"))
UPLOAD_KINDS = {
    "orders": "Orders (promo-code redemptions or a Shopify orders export)",
    "metrics": "Platform metrics (per creator, source and day)",
}
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{24}$")
UPLOAD_MAX_AGE = 3600  # seconds an uploaded file waits for its import
COMMON_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "JPY",
    "BRL",
    "MXN",
    "INR",
)

# Which form field a domain error is about: the domain functions name the
# field first (validate.py), or say which one a refusal concerns. Searched
# in order; a message that matches none is shown above the form.
CAMPAIGN_FIELDS = (
    (r"^campaign slug", "slug"),
    (r"^campaign '.*' already exists", "slug"),
    (r"its time zone can change", "timezone"),
    (r"its currency can change", "currency"),
    (r"^the fee of", "currency"),
    (r"^campaign name", "name"),
    (r"^destination", "destination"),
    (r"^--starts-on", "starts_on"),
    (r"^time zone", "timezone"),
    (r"^currency", "currency"),
    (r"^budget", "budget"),
    (r"^target countries", "target_countries"),
    (r"^--attribution-days", "attribution_days"),
)
CREATOR_FIELDS = (
    (r"^creator handle", "handle"),
    (r"^creator '.*' already exists", "handle"),
    (r"^platform", "platform"),
    (r"^name", "name"),
)
ENROL_FIELDS = ((r"^creator", "creator"), (r"^fee", "fee"))
LINK_FIELDS = (
    (r"^channel", "channel"),
    (r"^destination", "destination"),
    (r"^code", "code"),
    (r"^creator", "creator"),
)
PROMO_FIELDS = ((r"^promo code", "code"), (r"^source", "source"), (r"^creator", "creator"))
SHARE_FIELDS = ((r"^duration", "expires"), (r"^creator", "creator"))
# CLI spellings in messages, in the console's words.
WORDS = (("--starts-on", "start date"), ("--attribution-days", "attribution window"))


# -- who may do what ------------------------------------------------------------------


@bp.before_request
def guard():
    if request.endpoint == "console.upload":
        # A file may be as large as `tracker import` takes, plus the form around it.
        request.max_content_length = max_import_bytes() + 64 * 1024
    current_app.extensions["csrf"].protect()  # 400 for a POST without a valid token
    if request.endpoint in PUBLIC:
        return None
    user = current_user()
    if user is None:
        if request.endpoint in NOT_PAGES:
            return jsonify(
                {"error": {"code": "unauthorized", "message": "sign in first", "details": None}}
            ), 401
        wanted = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
        return redirect(url_for("console.login_form", next=wanted), 303)
    if (
        request.method not in ("GET", "HEAD")
        and request.endpoint not in VIEWER_MAY_POST
        and user["role"] != "admin"
    ):
        abort(403)
    return None


@bp.after_request
def no_store(response):
    """Console pages show data behind a sign-in: no cache keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_context_processor
def console_globals():
    user = current_user() if request.blueprint == "console" else None
    return {"user": user, "can_edit": bool(user and user["role"] == "admin")}


@bp.app_template_filter("money_minor")
def money_minor_filter(minor, currency):
    return formatting.money(None if minor is None else money_text(minor, currency), currency)


@bp.app_template_filter("pair")
def pair_filter(value):
    """A choice whose value and text are the same word."""
    return (value, value)


@bp.errorhandler(CSRFError)
def csrf_error(exc):
    return page_error(
        400,
        "This form has expired or did not come from this site",
        "Go back, reload the page and try again. Nothing was changed.",
    )


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if request.endpoint in NOT_PAGES or exc.code is None or exc.code < 400:
        return exc
    texts = {
        403: (
            "Only admins can change things",
            (
                "You are signed in as a viewer: you can read everything, and an admin can "
                "make changes. Nothing was changed."
            ),
        ),
        404: ("Not found", "There is nothing at this address."),
        413: (
            "The file is too large",
            (
                f"Files up to {max_import_bytes() // (1024 * 1024)} MB can be uploaded. "
                "Nothing was imported."
            ),
        ),
    }
    title, text = texts.get(exc.code, (exc.name, exc.description or ""))
    return page_error(exc.code, title, text)


@bp.errorhandler(TrackerError)
def tracker_error(exc: TrackerError):
    """What a form does not catch itself (an unknown campaign, link, upload)."""
    title = "Not found" if exc.status == 404 else "That did not work"
    return page_error(exc.status, title, plain(exc.message))


def page_error(status: int, title: str, text: str):
    return render_template("console/error.html", title=title, text=text), status


# -- helpers ----------------------------------------------------------------------------


def base_url() -> str:
    return current_app.extensions["tracker.settings"].base_url


def max_import_bytes() -> int:
    return current_app.extensions["tracker.settings"].max_import_bytes


def form(name: str) -> str | None:
    """A form field as typed, or None when empty."""
    value = request.form.get(name, "")
    return value if value.strip() else None


def plain(message: str) -> str:
    for cli, words in WORDS:
        message = message.replace(cli, words)
    return message


def errors_for(exc: TrackerError, fields) -> dict:
    """{field: message} for a refused form; a message that names no field
    of the form goes under "" (shown at the top of the form)."""
    message = plain(exc.message)
    for pattern, field in fields:
        if re.search(pattern, exc.message):
            return {field: message}
    return {"": message}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never elsewhere."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return url_for("console.campaigns_page")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("console.campaigns_page")
    return target


def back_to(slug: str, anchor: str = ""):
    return redirect(
        url_for("console.campaign_page", slug=slug) + (f"#{anchor}" if anchor else ""), 303
    )


# -- signing in and out ------------------------------------------------------------------


@bp.get("/login")
def login_form():
    if current_user() is not None:
        return redirect(safe_next(request.args.get("next")), 303)
    return render_template("console/login.html", next=request.args.get("next", ""), email="")


@bp.post("/login")
def login():
    email, target = request.form.get("email", ""), request.form.get("next", "")
    try:
        row = users.sign_in(store(), email, request.form.get("password", ""), client())
    except TrackerError as exc:
        return (
            render_template("console/login.html", next=target, email=email, error=exc.message),
            exc.status,
            exc.headers,
        )
    start_session(row)
    return redirect(safe_next(target), 303)


@bp.post("/logout")
def logout():
    end_session()
    flash("You are signed out.", "ok")
    return redirect(url_for("console.login_form"), 303)


# -- campaigns ------------------------------------------------------------------------------


@bp.get("/")
def campaigns_page():
    totals = reports.campaign_summaries(store())
    rows = []
    for row in store().campaigns():
        made = campaigns.campaign_record(row)
        done = totals.get(row["id"], {})
        made.update(
            clicks=done.get("clicks", 0),
            orders=done.get("conversions", 0),
            revenue_minor=done.get("revenue_minor", 0),
            budget_minor=row["budget_minor"],
        )
        rows.append(made)
    return render_template(
        "console/campaigns.html",
        active=[c for c in rows if not c["archived_at"]],
        archived=[c for c in rows if c["archived_at"]],
    )


def campaign_form_page(
    values: dict, errors: dict | None = None, slug: str | None = None, status: int = 200
):
    import zoneinfo

    return render_template(
        "console/campaign_form.html",
        values=values,
        errors=errors or {},
        slug=slug,
        zones=sorted(zoneinfo.available_timezones()),
        currencies=COMMON_CURRENCIES,
    ), status


@bp.get("/campaigns/new")
def new_campaign_form():
    return campaign_form_page({"timezone": "UTC", "currency": "USD"})


@bp.post("/campaigns/new")
def new_campaign():
    f = request.form
    try:
        made = campaigns.create_campaign(
            store(),
            f.get("slug", ""),
            f.get("name", ""),
            f.get("destination", ""),
            form("starts_on"),
            f.get("timezone") or "UTC",
            f.get("currency") or "USD",
            form("budget"),
            form("target_countries"),
            form("attribution_days"),
        )
    except TrackerError as exc:
        return campaign_form_page(f.to_dict(), errors_for(exc, CAMPAIGN_FIELDS), status=exc.status)
    flash(f"Campaign {made['name']} created. Add its creators and links below.", "ok")
    return back_to(made["slug"])


@bp.get("/campaigns/<slug>/edit")
def edit_campaign_form(slug):
    campaign = campaigns.campaign_record(campaigns.get_campaign(store(), slug))
    values = dict(
        campaign,
        budget=campaign["budget"] or "",
        target_countries=", ".join(campaign["target_countries"]),
    )
    return campaign_form_page(values, slug=slug)


@bp.post("/campaigns/<slug>/edit")
def edit_campaign(slug):
    f = request.form
    try:
        done = campaigns.update_campaign(
            store(),
            slug,
            name=f.get("name", ""),
            destination=f.get("destination", ""),
            starts_on=f.get("starts_on", ""),
            timezone_name=f.get("timezone", ""),
            currency=f.get("currency", ""),
            budget=f.get("budget", ""),
            target_countries=f.get("target_countries", ""),
            attribution_days=f.get("attribution_days", ""),
        )
    except TrackerError as exc:
        if isinstance(exc, NotFound) and exc.message.startswith("campaign "):
            raise
        return campaign_form_page(
            f.to_dict(), errors_for(exc, CAMPAIGN_FIELDS), slug=slug, status=exc.status
        )
    changed = ", ".join(k.replace("_", " ") for k in done["changed"]) or "nothing"
    flash(f"Saved (changed: {changed}).", "ok")
    return back_to(slug)


@bp.post("/campaigns/<slug>/archive")
def archive_campaign(slug):
    archived = request.form.get("archived", "1") == "1"
    done = campaigns.archive_campaign(store(), slug, archived)
    flash(
        f"Campaign {done['name']} "
        + (
            "archived: it left the list, its links keep working."
            if archived
            else "is back on the list."
        ),
        "ok",
    )
    return redirect(url_for("console.campaigns_page"), 303) if archived else back_to(slug)


def campaign_page_view(
    slug: str, errors: dict | None = None, values: dict | None = None, status: int = 200
):
    """The campaign page; a refused form on it is shown with errors[form]."""
    row = campaigns.get_campaign(store(), slug)
    campaign = campaigns.campaign_record(row)
    clicks = store().link_clicks(row["id"])
    links = [
        dict(campaigns.link_record(r, base_url()), clicks=clicks.get(r["id"], 0))
        for r in store().links(row["id"])
    ]
    enrolled = campaigns.campaign_creators(store(), slug)
    everyone = campaigns.list_creators(store())
    done = reports.campaign_summaries(store(), [row]).get(row["id"], {})
    values = values or {}
    link_values = values.get("link") or {
        "creator": enrolled[0]["handle"] if enrolled else "",
        "channel": "bio",
    }
    preview = None
    if link_values.get("creator"):
        try:
            preview = campaigns.preview_link(
                store(),
                slug,
                link_values["creator"],
                link_values.get("channel") or "bio",
                link_values.get("destination") or None,
            )
        except TrackerError:
            preview = None
    return render_template(
        "console/campaign.html",
        campaign=campaign,
        budget_minor=row["budget_minor"],
        links=links,
        creators=enrolled,
        everyone=everyone,
        not_enrolled=[c for c in everyone if c["handle"] not in {e["handle"] for e in enrolled}],
        promos=store().promo_codes(row["id"]),
        channels=CHANNELS,
        sources=DECLARED_SOURCES,
        expiries=SHARE_EXPIRY,
        preview=preview,
        link_values=link_values,
        clicks=done.get("clicks", 0),
        orders=done.get("conversions", 0),
        revenue_minor=done.get("revenue_minor", 0),
        errors=errors or {},
        values=values,
        short_base=base_url().rstrip("/") + "/",
    ), status


@bp.get("/campaigns/<slug>")
def campaign_page(slug):
    return campaign_page_view(slug)


def refused(slug: str, which: str, exc: TrackerError, fields):
    """The campaign page again, with the refused form `which` and its errors."""
    if isinstance(exc, NotFound) and exc.message.startswith("campaign "):
        raise exc
    return campaign_page_view(
        slug, {which: errors_for(exc, fields)}, {which: request.form.to_dict()}, exc.status
    )


@bp.post("/campaigns/<slug>/creators")
def enrol(slug):
    try:
        done = campaigns.enroll(store(), slug, request.form.get("creator", ""), form("fee"))
    except TrackerError as exc:
        return refused(slug, "enrol", exc, ENROL_FIELDS)
    flash(f"@{done['creator']} is on the campaign (fee {done['fee']}).", "ok")
    return back_to(slug, "creators")


@bp.post("/campaigns/<slug>/creators/<handle>/fee")
def change_fee(slug, handle):
    try:
        done = campaigns.enroll(store(), slug, handle, request.form.get("fee", "").strip() or "0")
    except TrackerError as exc:
        return refused(slug, f"fee-{handle}", exc, ((r"^fee", "fee"),))
    flash(f"The fee of @{done['creator']} is now {done['fee']}.", "ok")
    return back_to(slug, "creators")


@bp.post("/campaigns/<slug>/creators/<handle>/remove")
def unenroll(slug, handle):
    try:
        done = campaigns.unenroll(store(), slug, handle)
    except TrackerError as exc:
        return refused(slug, f"remove-{handle}", exc, ())
    flash(f"@{done['creator']} left the campaign.", "ok")
    return back_to(slug, "creators")


@bp.post("/campaigns/<slug>/links")
def create_link(slug):
    f = request.form
    try:
        made = campaigns.create_link(
            store(),
            base_url(),
            slug,
            f.get("creator", ""),
            f.get("channel", ""),
            form("destination"),
            form("code"),
        )
    except TrackerError as exc:
        return refused(slug, "link", exc, LINK_FIELDS)
    flash(
        {
            "text": f"Link for @{made['creator']} ({made['channel']}) created:",
            "url": made["short_url"],
        },
        "copy",
    )
    return back_to(slug, "links")


@bp.get("/campaigns/<slug>/link-preview")
def link_preview(slug):
    """The destination URL a link would get (with its UTMs), as JSON: the
    console's live preview, computed by the function link creation uses."""
    a = request.args
    try:
        preview = campaigns.preview_link(
            store(), slug, a.get("creator", ""), a.get("channel", ""), a.get("destination") or None
        )
    except TrackerError as exc:
        field, message = next(iter(errors_for(exc, LINK_FIELDS).items()))
        return jsonify(
            {"error": {"code": exc.code, "message": message, "details": {"field": field}}}
        ), exc.status
    return jsonify(preview)


def _link_campaign(code: str) -> dict:
    link = store().link((code or "").strip())
    if link is None:
        raise NotFound(f"link {code!r} does not exist")
    return link


@bp.post("/links/<code>/disable")
def disable_link(code):
    link = _link_campaign(code)
    campaigns.set_link_disabled(store(), base_url(), code, True)
    flash(f"/{code} is switched off: it answers 404 and counts no clicks.", "ok")
    return back_to(link["campaign"], "links")


@bp.post("/links/<code>/enable")
def enable_link(code):
    link = _link_campaign(code)
    campaigns.set_link_disabled(store(), base_url(), code, False)
    flash(f"/{code} is switched back on.", "ok")
    return back_to(link["campaign"], "links")


@bp.get("/links/<code>/qr.svg")
def link_qr_svg(code):
    link = campaigns.link_record(_link_campaign(code), base_url())
    return qr_response(link["short_url"], link["code"], "svg")


@bp.get("/links/<code>/qr.png")
def link_qr_png(code):
    link = campaigns.link_record(_link_campaign(code), base_url())
    return qr_response(link["short_url"], link["code"], "png")


@bp.post("/campaigns/<slug>/promo-codes")
def add_promo(slug):
    f = request.form
    try:
        made = campaigns.add_promo(
            store(), slug, f.get("creator", ""), f.get("code", ""), form("source")
        )
    except TrackerError as exc:
        return refused(slug, "promo", exc, PROMO_FIELDS)
    flash(f"Promo code {made['code'].upper()} now counts for @{made['creator']}.", "ok")
    return back_to(slug, "promo-codes")


@bp.post("/campaigns/<slug>/promo-codes/<code>/remove")
def remove_promo(slug, code):
    campaign = campaigns.get_campaign(store(), slug)
    promo = store().promo_code_owner(code)
    if promo is None or promo["campaign"] != campaign["slug"]:
        raise NotFound(f"promo code {code!r} is not on campaign {slug!r}")
    try:
        campaigns.remove_promo(store(), code)
    except TrackerError as exc:
        return refused(slug, f"promo-{code}", exc, ())
    flash(f"Promo code {code.upper()} removed.", "ok")
    return back_to(slug, "promo-codes")


@bp.post("/campaigns/<slug>/share-links")
def create_share_link(slug):
    f = request.form
    try:
        made = access.share_link(
            store(), base_url(), slug, form("creator"), f.get("expires") or "30d"
        )
    except TrackerError as exc:
        return refused(slug, "share", exc, SHARE_FIELDS)
    whom = f"@{made['creator']}'s numbers only" if made["creator"] else "the whole campaign"
    flash(
        {
            "text": f"Share link for {whom}, valid until {made['expires_at'][:10]}:",
            "url": made["url"],
        },
        "copy",
    )
    return back_to(slug, "share-links")


@bp.post("/campaigns/<slug>/share-links/revoke")
def revoke_share_links(slug):
    access.rotate_share_secret(store(), slug)
    flash("Every share link given out for this campaign stopped working; new ones work.", "ok")
    return back_to(slug, "share-links")


# -- creators ----------------------------------------------------------------------------------


def creators_view(values: dict | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "console/creators.html",
        creators=campaigns.creators_with_campaigns(store()),
        platforms=PLATFORMS,
        values=values or {},
        errors=errors or {},
    ), status


@bp.get("/creators")
def creators_page():
    return creators_view()


@bp.post("/creators")
def add_creator():
    f = request.form
    try:
        made = campaigns.add_creator(
            store(), f.get("handle", ""), f.get("platform", ""), form("name")
        )
    except TrackerError as exc:
        return creators_view(f.to_dict(), errors_for(exc, CREATOR_FIELDS), exc.status)
    flash(f"@{made['handle']} added. Put them on a campaign from the campaign's page.", "ok")
    return redirect(url_for("console.creators_page"), 303)


@bp.get("/creators/<handle>/edit")
def edit_creator_form(handle):
    creator = campaigns.creator_record(campaigns.get_creator(store(), handle))
    return render_template(
        "console/creator_form.html",
        handle=creator["handle"],
        values=creator,
        errors={},
        platforms=PLATFORMS,
    )


@bp.post("/creators/<handle>/edit")
def edit_creator(handle):
    f = request.form
    creator = campaigns.get_creator(store(), handle)
    try:
        done = campaigns.update_creator(
            store(),
            creator["handle"],
            f.get("platform", ""),
            f.get("name", ""),
            f.get("handle", ""),
        )
    except TrackerError as exc:
        return render_template(
            "console/creator_form.html",
            handle=creator["handle"],
            values=f.to_dict(),
            errors=errors_for(exc, CREATOR_FIELDS),
            platforms=PLATFORMS,
        ), exc.status
    note = f" {done['links_updated']} link(s) carry the new UTMs." if done["links_updated"] else ""
    flash(f"@{done['handle']} saved.{note}", "ok")
    return redirect(url_for("console.creators_page"), 303)


# -- uploads ------------------------------------------------------------------------------------
#
# An uploaded file waits in a private directory, named by a random id that
# only the uploader's session knows, until it is imported or discarded, or
# for at most an hour. Preview and import run the same import function, the
# preview as a dry run.


def upload_dir() -> str:
    """The private directory uploads wait in; one that another user made
    first, or that others may read, is refused rather than used."""
    path = os.path.join(tempfile.gettempdir(), f"tracker-uploads-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RuntimeError(f"{path} is not a private directory of this user; remove it")
    return path


def forget_old_uploads() -> None:
    folder, now = upload_dir(), time.time()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if now - os.path.getmtime(path) > UPLOAD_MAX_AGE:
                os.remove(path)
        except OSError:
            pass  # another worker removed it first


def upload_path(upload_id: str) -> str:
    return os.path.join(upload_dir(), upload_id + ".csv")


def pending(upload_id: str) -> dict:
    """This session's upload `upload_id`, if it is still waiting."""
    found = session.get("uploads", {}).get(upload_id) if UPLOAD_ID.match(upload_id) else None
    if found is None or not os.path.exists(upload_path(upload_id)):
        raise NotFound(
            "this upload is gone (imported, discarded, or older than an hour); "
            "upload the file again"
        )
    return found


def drop(upload_id: str) -> None:
    uploads = dict(session.get("uploads", {}))
    uploads.pop(upload_id, None)
    session["uploads"] = uploads
    try:
        os.remove(upload_path(upload_id))
    except OSError:
        pass


def run_import(upload: dict, upload_id: str, dry_run: bool) -> dict:
    path = upload_path(upload_id)
    if upload["kind"] == "metrics":
        return imports.import_metrics(
            store(),
            path,
            upload["campaign"],
            dry_run=dry_run,
            creator=upload.get("creator"),
            filename=upload["name"],
        )
    return imports.import_redemptions(store(), path, upload["campaign"], dry_run=dry_run)


def uploads_view(values: dict | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "console/uploads.html",
        kinds=UPLOAD_KINDS,
        campaigns=[c for c in campaigns.list_campaigns(store()) if not c["archived_at"]],
        values=values or {"kind": "orders"},
        errors=errors or {},
        max_mb=max_import_bytes() // (1024 * 1024),
    ), status


@bp.get("/uploads")
def uploads_page():
    return uploads_view({"kind": "orders", "campaign": request.args.get("campaign", "")})


@bp.post("/uploads")
def upload():
    f = request.form
    kind, slug = f.get("kind", ""), form("campaign")
    problem = {}
    if kind not in UPLOAD_KINDS:
        problem = {"kind": "choose what the file holds: orders or platform metrics"}
    elif kind == "metrics" and not slug:
        problem = {"campaign": "choose the campaign these metrics belong to"}
    file = request.files.get("file")
    if not problem and (file is None or not file.filename):
        problem = {"file": "choose a CSV file to upload"}
    if not problem and slug:
        try:
            campaigns.get_campaign(store(), slug)
        except NotFound as exc:
            problem = {"campaign": exc.message}
    if problem:
        return uploads_view(f.to_dict(), problem, 400)
    forget_old_uploads()
    upload_id = secrets.token_urlsafe(18)
    fd = os.open(upload_path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        file.save(out)
    uploads = {
        k: v for k, v in session.get("uploads", {}).items() if os.path.exists(upload_path(k))
    }
    uploads[upload_id] = {
        "kind": kind,
        "campaign": slug,
        "name": file.filename[:200],
        "creator": form("creator") if kind == "metrics" else None,
        "at": int(time.time()),
    }
    session["uploads"] = uploads
    return redirect(url_for("console.upload_preview", upload_id=upload_id), 303)


def preview_view(upload: dict, upload_id: str, status: int = 200):
    result, bad, problem, read = None, [], None, None
    try:
        result = run_import(upload, upload_id, dry_run=True)
        read = result.get("read", result.get("rows"))
    except imports.RowErrors as exc:
        bad, read = exc.details, exc.read
    except TrackerError as exc:
        problem = exc.message
    if status == 200 and (bad or problem):
        status = 400
    return render_template(
        "console/upload_preview.html",
        upload=upload,
        upload_id=upload_id,
        result=result,
        bad=bad,
        problem=problem,
        read=read,
        kinds=UPLOAD_KINDS,
    ), status


@bp.get("/uploads/<upload_id>")
def upload_preview(upload_id):
    return preview_view(pending(upload_id), upload_id)


@bp.post("/uploads/<upload_id>/import")
def upload_import(upload_id):
    upload = pending(upload_id)
    try:
        result = run_import(upload, upload_id, dry_run=False)
    except TrackerError:
        return preview_view(upload, upload_id, 400)  # the data changed since the preview
    drop(upload_id)
    if upload["kind"] == "metrics":
        text = (
            f"{result['rows']} metrics row(s) imported ({result['new']} new, "
            f"{result['replaced']} replaced)."
        )
    else:
        text = (
            f"{result['orders']} order(s) imported: {result['new']} new, "
            f"{result['updated']} updated, {result['already_imported']} already there."
        )
    flash(text, "ok")
    if upload["campaign"]:
        return back_to(upload["campaign"])
    return redirect(url_for("console.uploads_page"), 303)


@bp.post("/uploads/<upload_id>/discard")
def upload_discard(upload_id):
    pending(upload_id)
    drop(upload_id)
    flash("The upload was discarded; nothing was imported.", "ok")
    return redirect(url_for("console.uploads_page"), 303)
