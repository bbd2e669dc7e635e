"""pypod network disconnect: a running container leaves one netavark network."""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """Disconnect a container from a network"""
USAGE = "[options] NETWORK CONTAINER"
EXAMPLES = ("pypod network disconnect net1 web",)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.flag("-f", "--force", action="store_true", help="force removal of container from network")


def run(args: Namespace, ctx: Context) -> int:
    if len(args.args) != 2:
        raise InvalidArgument(f"accepts 2 arg(s), received {len(args.args)}")
    ctx.engine.networks.disconnect(args.args[0], args.args[1])
    return 0
