"""The `tracker` command. Thin: parses arguments, calls the same functions
as the API, prints. Errors: one line on stderr, exit status 2."""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys

import psycopg

from . import access, campaigns, imports
from .reports import export
from .settings import DEFAULT_BASE_URL, DEFAULT_DATABASE, Config
from .errors import BadInput, TrackerError
from .store import StoreError, is_postgres_url, open_store, redact


def emit(result, as_json: bool, human) -> None:
    if as_json:
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif isinstance(result, list):
        for item in result:
            print(human(item))
        if not result:
            print("(none)", file=sys.stderr)
    else:
        print(human(result))


def campaign_line(c: dict) -> str:
    budget = f" budget {c['budget']} {c['currency']}" if c["budget"] else ""
    return (f"{c['slug']}\t{c['name']}\tfrom {c['starts_on']} ({c['timezone']}, "
            f"{c['currency']}){budget}\t{c['destination']}")


def link_line(link: dict) -> str:
    off = " (disabled)" if link["disabled"] else ""
    return f"{link['short_url']}\t{link['creator']}\t{link['channel']}{off}\t{link['destination_url']}"


# -- commands -------------------------------------------------------------------

def cmd_init(args, store):
    version = store.migrate()
    access.ensure_secrets(store)
    print(f"database ready: {redact(store.url)} ({store.dialect}, schema version {version})",
          file=sys.stderr)
    print("next: tracker demo   (sample data)   or   tracker campaign create --help",
          file=sys.stderr)


def cmd_campaign_create(args, store):
    emit(campaigns.create_campaign(store, args.slug, args.name, args.destination, args.starts_on,
                               args.timezone, args.currency, args.budget),
         args.json, campaign_line)


def cmd_campaign_list(args, store):
    emit(campaigns.list_campaigns(store), args.json, campaign_line)


def cmd_campaign_enroll(args, store):
    emit(campaigns.enroll(store, args.slug, args.handle, args.fee), args.json,
         lambda e: f"{e['creator']} enrolled on {e['campaign']} (fee {e['fee']})")


def cmd_creator_add(args, store):
    emit(campaigns.add_creator(store, args.handle, args.platform, args.name), args.json,
         lambda c: f"{c['handle']}\t{c['platform']}\t{c['name'] or ''}")


def cmd_creator_list(args, store):
    emit(campaigns.list_creators(store), args.json,
         lambda c: f"{c['handle']}\t{c['platform']}\t{c['name'] or ''}")


def cmd_link_create(args, store):
    emit(campaigns.create_link(store, args.base_url, args.slug, args.handle, args.channel,
                           args.destination, args.code),
         args.json, lambda link: link["short_url"])


def cmd_link_list(args, store):
    emit(campaigns.list_links(store, args.base_url, args.slug), args.json, link_line)


def cmd_link_disable(args, store):
    emit(campaigns.set_link_disabled(store, args.base_url, args.code, not args.enable),
         args.json, link_line)


def cmd_export_clicks(args, store):
    rows = export.click_rows(store, args.slug, args.since, args.until, args.include_bots)
    out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        for chunk in export.csv_chunks(rows):
            out.write(chunk)
    finally:
        if args.output:
            out.close()
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)


def cmd_promo_add(args, store):
    emit(campaigns.add_promo(store, args.slug, args.handle, args.code, args.source), args.json,
         lambda p: f"{p['code']}\t{p['creator']}\t{p['source'] or 'any source'}")


def progress(what):
    return lambda n: print(f"{what}: {n} rows checked", file=sys.stderr)


def cmd_import_redemptions(args, store):
    result = imports.import_redemptions(store, args.file, args.campaign, progress("redemptions"))
    for code, count in sorted(result["skipped"].items()):
        print(f"skipped {count} order(s) with code {code!r}: no campaign uses it", file=sys.stderr)
    emit(result, args.json, lambda r: (
        f"{r['orders']} order(s) read ({r['format']}): {r['new']} new, "
        f"{r['already_imported']} already imported"))


def cmd_import_metrics(args, store):
    result = imports.import_metrics(store, args.file, args.campaign, progress("metrics"))
    emit(result, args.json, lambda r: f"{r['rows']} metrics row(s) imported")


def cmd_report(args, store):
    from . import reports
    from .reports import text as report_text

    report = reports.campaign_report(store, args.slug, args.window)
    emit(report, args.json, report_text.render)


def cmd_token_create(args, store):
    made = access.create_token(store, args.name, args.campaign, args.read_only)
    scope = f"campaign {made['campaign']}" if made["campaign"] else "all campaigns"
    print(f"token {made['name']!r} ({scope}{', read-only' if made['read_only'] else ''}); "
          "it is shown once, store it now:", file=sys.stderr)
    print(made["token"])


def cmd_token_list(args, store):
    emit(access.list_tokens(store), args.json, lambda t: (
        f"{t['name']}\t{t['campaign'] or '(all campaigns)'}\t"
        f"{'read-only' if t['read_only'] else 'read-write'}\t{t['created_at']}"))


def cmd_token_revoke(args, store):
    access.revoke_token(store, args.name)
    print(f"token {args.name!r} revoked", file=sys.stderr)


def cmd_share(args, store):
    if args.revoke:
        access.rotate_share_secret(store, args.slug)
        print(f"every share link of {args.slug!r} is now invalid", file=sys.stderr)
        return
    made = access.share_link(store, args.base_url, args.slug, args.creator, args.expires)
    who = f"creator {made['creator']}'s own numbers" if made["creator"] else "the whole campaign"
    print(f"share link for {who}, valid until {made['expires_at']}:", file=sys.stderr)
    print(made["url"])


def cmd_webhook_secret(args, store):
    secret = access.webhook_secret(store, rotate=args.rotate)
    if args.rotate:
        print("webhook secret rotated; update the shop's webhook settings", file=sys.stderr)
    print(secret)


def cmd_migrate_data(args, _store):
    from .transfer import migrate_data, print_progress

    if not is_postgres_url(args.source) and not os.path.exists(args.source):
        raise BadInput(f"--from {args.source}: no such database file")
    source, target = open_store(args.source), open_store(args.target)
    try:
        result = migrate_data(source, target, print_progress)
    finally:
        source.close()
        target.close()
    emit(result, args.json, lambda r: f"copied {r['rows']} rows; every table's count matches")


def cmd_serve(args, store):
    from .serve import serve

    store.close()      # the workers open their own connections
    print(f"tracker serving {redact(args.db)} on http://{args.host}:{args.port}  (Ctrl-C stops)",
          file=sys.stderr)
    serve(args.db, args.base_url, args.host, args.port, args.workers, args.access_log)


def cmd_demo(args, store):
    from .demo import fill_demo

    fill_demo(store, args.base_url, args.slug, args.clicks, seed=args.seed)


# -- the parser ------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    env = Config.from_env()
    p = argparse.ArgumentParser(
        prog="tracker",
        description="Short links, click classification and reports for influencer campaigns.")
    p.add_argument("--db", default=env.database,
                   help=f"SQLite file or postgresql:// URL (env TRACKER_DATABASE, default {DEFAULT_DATABASE})")
    p.add_argument("--base-url", default=env.base_url,
                   help=f"public URL of the server, for short links (env TRACKER_BASE_URL, default {DEFAULT_BASE_URL})")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(parent, name, func, help, json_flag=False):
        cp = parent.add_parser(name, help=help, description=help)
        cp.set_defaults(func=func)
        if json_flag:
            cp.add_argument("--json", action="store_true", help="print JSON")
        return cp

    def group(name, help):
        gp = sub.add_parser(name, help=help, description=help)
        return gp.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)

    command(sub, "init", cmd_init, "create or migrate the database (idempotent)")

    campaign = group("campaign", "create, list campaigns; enroll creators")
    c = command(campaign, "create", cmd_campaign_create, "create a campaign", True)
    c.add_argument("slug", help="short name used in URLs, e.g. spring-launch")
    c.add_argument("--name", required=True, help="display name")
    c.add_argument("--destination", required=True, help="default landing page (http/https URL)")
    c.add_argument("--starts-on", help="first day, YYYY-MM-DD (default: today)")
    c.add_argument("--timezone", default="UTC", help="IANA time zone for days in reports (default UTC)")
    c.add_argument("--currency", default="USD", help="ISO 4217 currency (default USD)")
    c.add_argument("--budget", help="total budget, e.g. 5000.00")
    command(campaign, "list", cmd_campaign_list, "list campaigns", True)
    c = command(campaign, "enroll", cmd_campaign_enroll, "put a creator on a campaign", True)
    c.add_argument("slug")
    c.add_argument("handle")
    c.add_argument("--fee", help="flat fee paid to the creator, e.g. 1500.00 (default 0)")

    creator = group("creator", "add and list creators")
    c = command(creator, "add", cmd_creator_add, "add a creator", True)
    c.add_argument("handle", help="the creator's handle, with or without @")
    c.add_argument("--platform", required=True, help="tiktok|instagram|youtube|facebook|snapchat|twitter|other")
    c.add_argument("--name", help="display name")
    command(creator, "list", cmd_creator_list, "list creators", True)

    link = group("link", "create, list and disable short links")
    c = command(link, "create", cmd_link_create, "create a short link for a creator", True)
    c.add_argument("slug")
    c.add_argument("handle")
    c.add_argument("--channel", required=True, help="bio|post|story|ad|other (ad = sponsored placement)")
    c.add_argument("--destination", help="landing page (default: the campaign's)")
    c.add_argument("--code", help="choose the short code (3-32 of A-Z a-z 0-9 _ -)")
    c = command(link, "list", cmd_link_list, "list a campaign's links", True)
    c.add_argument("slug")
    c = command(link, "disable", cmd_link_disable, "switch a link off (404, no clicks)", True)
    c.add_argument("code")
    c.add_argument("--enable", action="store_true", help="switch it back on")

    exp = group("export", "export data as CSV")
    c = command(exp, "clicks", cmd_export_clicks, "the click log as CSV (humans only unless --include-bots)")
    c.add_argument("slug")
    c.add_argument("--since", help="first local day, YYYY-MM-DD")
    c.add_argument("--until", help="last local day, YYYY-MM-DD (inclusive)")
    c.add_argument("--include-bots", action="store_true", help="include bot clicks")
    c.add_argument("-o", "--output", help="write to FILE instead of stdout")

    promo = group("promo", "promo codes: how orders find their creator")
    c = command(promo, "add", cmd_promo_add, "give a creator a promo code on a campaign", True)
    c.add_argument("slug")
    c.add_argument("handle")
    c.add_argument("code", help="the discount code (case-insensitive)")
    c.add_argument("--source", help="organic|sponsored: where this code was published")

    imp = group("import", "import orders and platform metrics (all or nothing)")
    c = command(imp, "redemptions", cmd_import_redemptions,
                "orders: order_id,code,amount,currency,redeemed_at,click_id or a Shopify export", True)
    c.add_argument("file")
    c.add_argument("--campaign", help="refuse orders that belong to another campaign")
    c = command(imp, "metrics", cmd_import_metrics,
                "platform metrics: date,creator,source,impressions,views,reach,likes,comments,"
                "shares,saves,followers_gained,spend", True)
    c.add_argument("file")
    c.add_argument("--campaign", required=True)

    c = command(sub, "report", cmd_report, "the campaign report (same as /stats/<slug>.json)", True)
    c.add_argument("slug")
    c.add_argument("--window", default="all", help="7|14|30|all (default all)")

    token = group("token", "API tokens (only a hash is stored)")
    c = command(token, "create", cmd_token_create, "create a token and print it once")
    c.add_argument("name")
    c.add_argument("--campaign", help="limit the token to one campaign")
    c.add_argument("--read-only", action="store_true", help="allow reading only")
    command(token, "list", cmd_token_list, "list tokens (never their values)", True)
    c = command(token, "revoke", cmd_token_revoke, "revoke a token")
    c.add_argument("name")

    c = command(sub, "share", cmd_share, "print a signed, expiring link to /stats/<slug>")
    c.add_argument("slug")
    c.add_argument("--creator", help="show only this creator's own numbers (a creator portal)")
    c.add_argument("--expires", default="30d", help="lifetime: 90m, 12h, 30d, 2w (default 30d)")
    c.add_argument("--revoke", action="store_true",
                   help="rotate the campaign's share secret: every link given out stops working")

    hook = group("webhook", "the signed order webhook")
    c = command(hook, "secret", cmd_webhook_secret, "print the webhook signing secret")
    c.add_argument("--rotate", action="store_true", help="make a new secret (the old stops working)")

    c = command(sub, "migrate-data", cmd_migrate_data,
                "copy every row of one install into another (e.g. SQLite to PostgreSQL)", True)
    c.add_argument("--from", dest="source", required=True, help="source: SQLite file or URL")
    c.add_argument("--to", dest="target", required=True, help="target: an empty postgresql:// URL")

    c = command(sub, "serve", cmd_serve, "serve the redirect, stats and API with gunicorn")
    c.add_argument("--host", default="127.0.0.1")
    c.add_argument("--port", type=int, default=8000)
    c.add_argument("--workers", type=int, help="worker processes (default 2 x cores + 1)")
    c.add_argument("--access-log", action="store_true", help="log requests to stdout (no IPs)")

    c = command(sub, "demo", cmd_demo, "fill a demo campaign with a month of realistic clicks")
    c.add_argument("--slug", default="demo-launch")
    c.add_argument("--clicks", type=int, default=3000)
    c.add_argument("--seed", type=int, default=7)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    store = None
    try:
        if args.func is not cmd_migrate_data:     # it names its own two databases
            store = open_store(args.db)
            if args.func is not cmd_init:
                store.migrate()
        args.func(args, store)
    except TrackerError as exc:
        print(f"tracker: error: {exc.message}", file=sys.stderr)
        return 2
    except (StoreError, OSError, sqlite3.Error, psycopg.Error) as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if store is not None:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
