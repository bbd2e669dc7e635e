"""pypod network reload"""

from __future__ import annotations

import argparse

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.errors import InvalidArgument, PypodError

DESCRIPTION = """Reload container networks, recreating firewall rules (after a firewall reload
or `iptables -F` removed them)."""
USAGE = "[options] [CONTAINER...]"
EXAMPLES = ("pypod network reload --all", "pypod network reload web")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    p.flag(
        "-a", "--all", action="store_true", help="Reload network configuration of all containers"
    )
    p.flag(
        "-l", "--latest", action="store_true", help="Act on the latest container pypod is aware of"
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    names = list(args.names)
    if args.latest:
        from pypod.cli.container_targets import latest_id

        names.append(latest_id(ctx))
    if args.all and names:
        raise InvalidArgument("--all and --latest or containers cannot be used together")
    if not args.all and not names:
        raise InvalidArgument("you must provide at least one container name or ID")
    errors: list[str] = []
    for r in ctx.engine.networks.reload(names, all=args.all):
        if r.error is None:
            output.line(r.name)
        else:
            errors.append(str(r.error))
    if errors:
        raise PypodError("\n".join(errors))
    return 0
