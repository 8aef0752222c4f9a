"""/stats pages, their JSON and CSV export. Renders; computes nothing."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from . import export

bp = Blueprint("stats", __name__)


def store():
    return current_app.extensions["tracker.store"]


@bp.get("/stats/<slug>/clicks.csv")
def clicks_csv(slug: str):
    args = request.args
    rows = export.click_rows(store(), slug, args.get("since"), args.get("until"),
                             args.get("include_bots", "").lower() in ("1", "true", "yes"))
    return Response(stream_with_context(export.csv_chunks(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-clicks.csv"',
                             "Cache-Control": "no-store"})
