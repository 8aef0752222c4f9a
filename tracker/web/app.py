"""create_app(config): the Flask factory. Wires the store, the blueprints
and the redirect middleware that answers short links before Flask does."""
from __future__ import annotations

from flask import Flask, jsonify, request
from flask.logging import default_handler
from werkzeug.exceptions import HTTPException

from .. import access
from ..errors import TrackerError
from ..heavy import HeavyRoutes
from ..logs import scrub, scrub_handler
from ..redirect import Redirector
from ..settings import Config
from ..store import open_store


def create_app(config: Config | None = None, store=None) -> Flask:
    config = config or Config.from_env()
    store = store or open_store(config.database)
    store.migrate()
    access.ensure_secrets(store)

    app = Flask(__name__)
    scrub_handler(default_handler)      # an app error's log lines: no addresses, no tokens
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["tracker.settings"] = config
    app.extensions["tracker.store"] = store
    heavy = app.extensions["tracker.heavy"] = HeavyRoutes(app.wsgi_app, config.heavy_requests)
    redirector = app.extensions["tracker.redirector"] = Redirector(
        store, heavy, config.trusted_proxies)
    redirector.forget_old_salts()

    from . import api, stats, webhooks

    app.register_blueprint(stats.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)

    @app.errorhandler(TrackerError)
    def tracker_error(exc: TrackerError):
        return jsonify(exc.as_json()), exc.status, exc.headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """JSON errors under /api/ (404, 405, 413 …); plain pages elsewhere."""
        if not request.path.startswith("/api/"):
            return exc
        code = {413: "too_large", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.code or 500, "http_error")
        return jsonify({"error": {"code": code, "message": exc.description,
                                  "details": None}}), exc.code

    @app.get("/healthz")
    def healthz():
        """200 while clicks can be written; 503 when they cannot (the
        database is gone, the disk is full, the file or the role is read
        only), with the reason. The write is done at most once a second per
        process (Store.writable)."""
        ok, reason = store.writable()
        if ok:
            redirector.forget_old_salts()      # once a day; see its docstring
        body = {"status": "ok" if ok else "unavailable", "database": store.dialect}
        if reason:
            body["reason"] = scrub(reason)
        return jsonify(body), (200 if ok else 503)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        return response

    app.wsgi_app = redirector  # type: ignore[method-assign]  # Flask's documented way
    return app
