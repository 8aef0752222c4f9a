"""The `tracker` command, on click.

Thin: each command module parses, calls the same functions as the API
(campaigns, imports, access, reports …) and prints through output.py.
`main(argv)` returns the exit status (it never calls sys.exit): 0, or 2 for
an error, printed as one line `tracker: error: …` on stderr (with --json, one
JSON object), with nothing written.

Nothing here imports psycopg or the user-agent parser: `tracker --help` and
a SQLite install never load them (tests/test_cli.py checks).
"""

from __future__ import annotations

import sqlite3
import sys

import click

from ..errors import TrackerError
from ..settings import BY_ENV
from ..store import StoreError
from . import access, admin, campaigns, creators, imports, links, promos, reports, shops, users
from .base import Group, State
from .output import fail, file_error, one_line

CONTEXT = {"help_option_names": ["-h", "--help"]}
DATABASE, BASE_URL = BY_ENV["TRACKER_DATABASE"], BY_ENV["TRACKER_BASE_URL"]  # settings.py


@click.group(
    cls=Group,
    context_settings=CONTEXT,
    epilog=(
        "Lists print tab-separated columns under a header row; --json prints JSON. "
        "An error is one line on stderr, exit status 2, and nothing written."
    ),
)
@click.option(
    "--db",
    default=DATABASE.default,
    envvar=DATABASE.env,
    show_envvar=True,
    show_default=True,
    metavar="PATH|URL",
    help=DATABASE.help,
)
@click.option(
    "--base-url",
    default=BASE_URL.default,
    envvar=BASE_URL.env,
    show_envvar=True,
    show_default=True,
    metavar="URL",
    help=BASE_URL.help,
)
@click.pass_context
def cli(ctx: click.Context, db: str, base_url: str) -> None:
    """Short links, click classification and reports for influencer campaigns."""
    state = ctx.ensure_object(State)
    state.configure(ctx, db, base_url)
    ctx.call_on_close(state.close)  # also when run without main(), e.g. by CliRunner


for command in (
    admin.init,
    campaigns.campaign,
    creators.creator,
    links.link,
    promos.promo,
    imports.import_,
    shops.shop,
    reports.report,
    reports.orders,
    reports.export_,
    access.token,
    access.share,
    access.webhook,
    users.user,
    admin.migrate_data_,
    admin.prune_,
    admin.serve,
    admin.demo_,
):
    cli.add_command(command)


def _json_wanted(state: State, argv: list[str]) -> bool:
    """Whether the command took --json; if click failed before it got that
    far, whether --json is on the command line (before a `--`)."""
    if state.json is not None:
        return state.json
    return "--json" in (argv[: argv.index("--")] if "--" in argv else argv)


def _database_error(exc: BaseException) -> bool:
    if isinstance(exc, (StoreError, sqlite3.Error)):
        return True
    psycopg = sys.modules.get("psycopg")  # loaded only if a PostgreSQL store was opened
    return psycopg is not None and isinstance(exc, psycopg.Error)


def main(argv: list[str] | None = None) -> int:
    """Run `tracker` with argv (default sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    state = State()
    try:
        status = cli.main(args=argv, prog_name="tracker", standalone_mode=False, obj=state)
        return status if isinstance(status, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        return 130
    except click.ClickException as exc:
        where = getattr(exc, "ctx", None)
        hint = f" (see `{where.command_path} --help`)" if where is not None else ""
        return fail(one_line(exc.format_message()) + hint, _json_wanted(state, argv), "usage")
    except TrackerError as exc:
        error = exc.as_json()["error"]
        return fail(exc.message, _json_wanted(state, argv), error["code"], error["details"])
    except OSError as exc:
        return fail(file_error(exc), _json_wanted(state, argv), "file")
    except Exception as exc:
        if _database_error(exc):
            text = str(exc) if isinstance(exc, StoreError) else f"database: {exc}"
            return fail(one_line(text), _json_wanted(state, argv), "database")
        raise
    finally:
        state.close()


if __name__ == "__main__":
    sys.exit(main())
