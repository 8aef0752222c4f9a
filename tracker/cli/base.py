"""The click plumbing every command module shares: the command classes
(help that starts with `usage: tracker`, arguments with their own help),
the lazily opened store, `--json`, and choices shown but checked by the
domain functions (so the CLI and the API refuse a value with one message)."""

from __future__ import annotations

import click

from .. import settings, validate
from ..store import Store, open_store, redact


class Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "usage: " if prefix is None else prefix)


class Context(click.Context):
    formatter_class = Formatter


#: click >= 8.5 documents positional arguments itself ("Positional arguments");
#: before that, Argument takes no help= and the section is added here.
NATIVE_ARGUMENT_HELP = hasattr(click.Command, "format_arguments")


class Argument(click.Argument):
    """A positional argument with a help text (on any click >= 8.1)."""

    def __init__(self, *args, help: str | None = None, **kwargs):
        if NATIVE_ARGUMENT_HELP:
            kwargs["help"] = help
        super().__init__(*args, **kwargs)
        self.help = help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str]:
        try:
            metavar = self.make_metavar(ctx)
        except TypeError:  # click < 8.2: make_metavar() takes no context
            metavar = self.make_metavar()  # type: ignore[call-arg]
        return metavar, self.help or ""


class Command(click.Command):
    context_class = Context

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        arguments = [
            p.get_help_record(ctx) for p in self.get_params(ctx) if isinstance(p, Argument)
        ]
        if arguments and not NATIVE_ARGUMENT_HELP:
            with formatter.section("Positional arguments"):
                formatter.write_dl(arguments)
        super().format_options(ctx, formatter)


class Group(click.Group):
    """A command group: without a subcommand it prints its help (exit 0);
    subcommands are listed in the order they were added, not sorted."""

    context_class = Context
    command_class = Command
    group_class = type  # subgroups are Groups too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def argument(name: str, help: str | None = None, **kwargs):
    return click.argument(name, cls=Argument, help=help, **kwargs)


class Among(click.Choice):
    """Shows (and completes) the allowed values; the domain function checks
    them, so the CLI and the API refuse a bad value with the same message."""

    def convert(self, value, param, ctx):
        return value


def among(values) -> Among:
    return Among(list(values), case_sensitive=False)


def _json_flag(ctx: click.Context, _param, value: bool) -> bool:
    state = ctx.find_object(State)
    if state is not None:
        state.json = value  # main() prints errors as JSON too
    return value


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    is_eager=True,
    callback=_json_flag,
    help="print JSON (errors too: one object on stderr)",
)


class State:
    """What main() and the commands share: the global options, whether the
    command asked for JSON (None: not known yet), and the store, opened on
    first use (so `--help` and `migrate-data` never open --db)."""

    def __init__(self) -> None:
        self.ctx: click.Context | None = None
        self.db = ""
        self._base_url = ""
        self.json: bool | None = None
        self._store: Store | None = None

    def configure(self, ctx: click.Context, db: str, base_url: str) -> None:
        self.ctx, self.db, self._base_url = ctx, db, base_url

    def store(self, migrate: bool = True) -> Store:
        if self._store is None:
            self._store = open_store(self.db)
            if migrate:
                self._store.migrate()
        return self._store

    def base_url(self) -> str:
        """--base-url (or TRACKER_BASE_URL), checked only when a command needs
        it, by the rule the server checks it with; the message names the source."""
        assert self.ctx is not None, "configure() runs first"
        source = self.ctx.get_parameter_source("base_url")
        if source == click.core.ParameterSource.ENVIRONMENT:
            return settings.read("TRACKER_BASE_URL")
        return validate.base_url(self._base_url, "--base-url")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def db_shown(self) -> str:
        return redact(self.db)


pass_state = click.make_pass_decorator(State)
