"""/stats pages, their JSON and CSV export. Renders reports; computes nothing.

All routes live in this one blueprint so that access control is added in
one place (see `guard`).
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, \
    stream_with_context

from . import export, formatting, report_data, reports
from .chart import daily_chart

bp = Blueprint("stats", __name__)
WINDOW_CHOICES = (("7", "7 days"), ("14", "14 days"), ("30", "30 days"), ("all", "All time"))
SORTABLE = ("roi", "revenue", "conversions", "clicks", "conversion_rate", "ctr")


def store():
    return current_app.extensions["tracker.store"]


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


@bp.app_template_filter("bot_share")
def bot_share_filter(m):
    total = m["clicks"] + m["bot_clicks"]
    return m["bot_clicks"] / total if total else None


def window_arg() -> str:
    return request.args.get("window", "all")


@bp.get("/stats/<slug>.json")
def stats_json(slug: str):
    return jsonify(report_data.campaign_report(store(), slug, window_arg()))


@bp.get("/stats/<slug>")
def stats_page(slug: str):
    report = report_data.campaign_report(store(), slug, window_arg())
    return render_template(
        "stats.html", report=report, chart=daily_chart(report["daily"]),
        creators=reports.sort_creators(report["creators"], "roi"), keep={},
        window=window_arg(), windows=WINDOW_CHOICES, currency=report["campaign"]["currency"])


@bp.get("/stats/<slug>/clicks.csv")
def clicks_csv(slug: str):
    args = request.args
    rows = export.click_rows(store(), slug, args.get("since"), args.get("until"),
                             args.get("include_bots", "").lower() in ("1", "true", "yes"))
    return Response(stream_with_context(export.csv_chunks(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-clicks.csv"',
                             "Cache-Control": "no-store"})
