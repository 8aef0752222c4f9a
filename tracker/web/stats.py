"""/stats pages, their JSON and CSV export. Renders reports; computes nothing.

All routes live in this one blueprint so that access control is added in
one place (see `guard`).
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, render_template, request, stream_with_context

from .. import access, reports
from ..errors import TrackerError
from ..reports import compute, export, formatting, table
from ..reports.chart import daily_charts
from ..vocabulary import MARKS, WINDOW_ALL, WINDOW_CUSTOM, WINDOW_LABELS
from .auth import authenticate, bearer, check_campaign, current_user, store

bp = Blueprint("stats", __name__)
WINDOW_CHOICES = tuple(WINDOW_LABELS.items())


@bp.app_template_filter("money")
def money_filter(value, currency):
    return formatting.money(value, currency)


@bp.app_template_filter("num")
def number_filter(value):
    return formatting.number(value)


@bp.app_template_filter("pct")
def percent_filter(value, digits=1):
    return formatting.percent(value, digits)


@bp.app_template_filter("times")
def multiple_filter(value):
    return formatting.multiple(value)


@bp.app_template_filter("country_name")
def country_name_filter(code):
    return formatting.country_name(code)


@bp.app_template_filter("language_name")
def language_name_filter(code):
    return formatting.language_name(code)


@bp.app_template_filter("bot_share")
def bot_share_filter(m):
    return compute.bot_share(m)


@bp.before_request
def guard():
    """Every stats route needs a valid share link (?share=…) for its campaign,
    an API token that may see it, or a console session. A creator-scoped
    share link narrows everything to that creator's own numbers."""
    slug = (request.view_args or {}).get("slug", "")
    share = request.args.get("share")
    if share:
        g.creator = access.check_share(store(), slug, share)["creator"]
        g.keep = {"share": share}
        return
    g.creator, g.keep = None, {}
    if bearer() is None and current_user() is not None:
        return  # signed in to the console: every campaign, read only
    check_campaign(authenticate(), slug)


@bp.errorhandler(TrackerError)
def stats_error(exc: TrackerError):
    if request.endpoint == "stats.stats_page":
        return render_template("error.html", error=exc), exc.status, exc.headers
    return jsonify(exc.as_json()), exc.status, exc.headers


def window_args() -> dict:
    """The window of a stats request: ?window=7|14|30|last7|all or ?from=&to=."""
    args = request.args
    return {
        "window": args.get("window") or None,
        "date_from": args.get("from"),
        "date_to": args.get("to"),
    }


def report_for(slug: str) -> dict:
    w = window_args()
    return reports.campaign_report(
        store(), slug, w["window"], g.creator, w["date_from"], w["date_to"]
    )


def window_query(report: dict) -> dict:
    """The query that asks for the report's window again (links, downloads)."""
    w = report["window"]
    if w["name"] == WINDOW_CUSTOM:
        return {"from": w["from"], "to": w["to"]}
    return {"window": w["name"]}


@bp.get("/stats/<slug>.json")
def stats_json(slug: str):
    return jsonify(report_for(slug))


@bp.get("/stats/<slug>")
def stats_page(slug: str):
    report = report_for(slug)
    w = report["window"]
    # The click CSV follows the window: its local days are the report's.
    clicks_window = {} if w["name"] == WINDOW_ALL else {"since": w["from"], "until": w["to"]}
    return render_template(
        "stats.html",
        report=report,
        charts=daily_charts(report["daily"]),
        glance=table.glance(report),
        creators=compute.sort_creators(report["creators"], "roi"),
        keep=g.keep,
        rows=table.creator_rows(report),
        columns=table.COLUMNS,
        key_columns=table.KEY_COLUMNS,
        window=w["name"],
        window_query={**window_query(report), **g.keep},
        clicks_window={**clicks_window, **g.keep},
        windows=WINDOW_CHOICES,
        marks=MARKS,
        currency=report["campaign"]["currency"],
    )


@bp.get("/stats/<slug>/creators.csv")
def creators_csv(slug: str):
    """The creator table as the page shows it (same rows, same order)."""
    rows = table.creator_csv_rows(report_for(slug))
    return Response(
        export.csv_chunks(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-creators.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/stats/<slug>/clicks.csv")
def clicks_csv(slug: str):
    args = request.args
    return csv_response(
        slug,
        args.get("since"),
        args.get("until"),
        args.get("include_bots", "").lower() in ("1", "true", "yes"),
        g.creator,
    )


def csv_response(slug, since, until, include_bots, creator=None) -> Response:
    """The click log as a streamed CSV download (stats page and API)."""
    rows = export.click_rows(store(), slug, since, until, include_bots, creator)
    return Response(
        stream_with_context(export.csv_chunks(rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-clicks.csv"',
            "Cache-Control": "no-store",
        },
    )
