"""docs/cli.md, the CLI reference, generated from the click command tree.

docs/cli.md holds a cog block that prints reference(); `make docs` rewrites
it, and tests/test_cli.py runs `cog --check` on it: what `--help` says and
what the docs say cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from . import cli


def _text(value: str) -> str:
    """Help text as Markdown: one paragraph, <slug> kept visible, | escaped."""
    flat = " ".join((value or "").split())
    return flat.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _context(command: click.Command, name: str, parent: click.Context | None):
    return command.context_class(command, info_name=name, parent=parent, **command.context_settings)


def commands(
    group: click.Group, parent: click.Context | None = None
) -> Iterator[tuple[str, click.Context]]:
    """(command path, context) of every command under group, in help order;
    a group comes before its commands."""
    ctx = parent or _context(group, "tracker", None)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        sub = _context(command, name, ctx)
        yield sub.command_path, sub
        if isinstance(sub.command, click.Group):
            yield from commands(sub.command, sub)


def _usage(ctx: click.Context) -> str:
    return f"usage: {ctx.command_path} {' '.join(ctx.command.collect_usage_pieces(ctx))}"


def _params(ctx: click.Context) -> list[str]:
    rows = []
    for param in ctx.command.get_params(ctx):
        if "--help" in getattr(param, "opts", ()):
            continue  # every command has it: said once, above
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        rows.append(f"| `{names.replace('|', chr(92) + '|')}` | {_text(help_text)} |")
    if not rows:
        return []
    return ["| argument or option | meaning |", "|---|---|", *rows, ""]


def _section(level: str, ctx: click.Context) -> list[str]:
    command = ctx.command
    lines = [f"{level} `{ctx.command_path}`", "", _text(command.help or ""), ""]
    if isinstance(command, click.Group):
        return lines
    return lines + ["```text", _usage(ctx), "```", ""] + _params(ctx)


def reference(root: click.Group = cli) -> str:
    """The whole reference as Markdown."""
    top = _context(root, "tracker", None)
    lines = [
        "## Global options",
        "",
        "Given before the command. Every command and group also takes `-h`/`--help`.",
        "",
        "```text",
        _usage(top),
        "```",
        "",
        *_params(top),
    ]
    for _path, ctx in commands(root, top):
        lines += _section("###" if ctx.parent is not top else "##", ctx)
    return "\n".join(lines).rstrip("\n") + "\n"
