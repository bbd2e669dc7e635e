"""pypod network reload"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import PypodError

DESCRIPTION = """Reload container networks, recreating firewall rules (after a firewall reload
or `iptables -F` removed them)."""
USAGE = "[options] [CONTAINER...]"
EXAMPLES = ("pypod network reload --all", "pypod network reload web")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "-a", "--all", action="store_true", help="Reload network configuration of all containers"
    )
    p.flag(
        "-l", "--latest", action="store_true", help="Act on the latest container pypod is aware of"
    )


def run(args: Namespace, ctx: Context) -> int:
    errors: list[str] = []
    for r in ctx.engine.networks.reload(list(args.names), all=args.all, latest=args.latest):
        if r.error is None:
            output.line(r.name)
        else:
            errors.append(str(r.error))
    if errors:
        raise PypodError("\n".join(errors))
    return 0
