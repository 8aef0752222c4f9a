"""Two baseline apps for bench/redirect.py, served by gunicorn with exactly
the options `tracker serve` uses (tracker.serve.DEFAULTS), so the only thing
that differs between the three runs is the WSGI callable.

    python bench/baselines.py bare  --bind 127.0.0.1:8001 --workers 5
    python bench/baselines.py flask --bind 127.0.0.1:8002 --workers 5 --links links.json
    python bench/baselines.py tracker --bind 127.0.0.1:8003 --workers 3 --worker-class sync

bare:  a plain WSGI callable, every path -> 302 Found with a fixed Location.
flask: a minimal Flask app, GET /<code> -> dict lookup -> redirect(...).
tracker: the real app on TRACKER_DATABASE, as `tracker serve` loads it, for
         comparing worker classes (`tracker serve` always uses its own).
"""

from __future__ import annotations

import argparse
import json

from tracker.serve import DEFAULTS, GunicornApp

FIXED_LOCATION = "https://shop.example.com/landing?utm_source=bench&utm_medium=social"


def bare_wsgi(environ, start_response):
    start_response("302 Found", [("Location", FIXED_LOCATION), ("Content-Length", "0")])
    return [b""]


def flask_dict_app(links: dict[str, str]):
    from flask import Flask, abort, redirect

    app = Flask("flask_dict_baseline")

    @app.get("/<code>")
    def go(code):
        destination = links.get(code)
        if destination is None:
            abort(404)
        return redirect(destination)

    return app


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "kind",
        choices=["bare", "flask", "tracker"],
        help="tracker: the real app (TRACKER_DATABASE), for other worker classes",
    )
    p.add_argument("--bind", required=True, help="HOST:PORT")
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--links", help="JSON file {code: destination} (flask)")
    p.add_argument(
        "--worker-class",
        default=DEFAULTS["worker_class"],
        help="gunicorn worker class (default: tracker serve's)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=DEFAULTS["threads"],
        help="threads per worker (threaded worker classes)",
    )
    args = p.parse_args(argv)
    options = dict(
        DEFAULTS,
        bind=args.bind,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
    )
    if args.kind == "tracker":
        import os

        from tracker.serve import load_tracker

        GunicornApp(options, lambda: load_tracker(dict(os.environ))).run()
        return
    if args.kind == "bare":
        app = bare_wsgi
    else:
        links = {}
        if args.links:
            with open(args.links, encoding="utf-8") as f:
                links = json.load(f)
        app = flask_dict_app(links)
    GunicornApp(options, lambda: app).run()


if __name__ == "__main__":
    main()
