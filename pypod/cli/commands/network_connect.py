"""pypod network connect: a running container joins one more netavark network (a new ethN)."""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """Add container to a network"""
USAGE = "[options] NETWORK CONTAINER"
EXAMPLES = ("pypod network connect net1 web",)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.flag(
        "--alias",
        kind="strings",
        action="append",
        default=[],
        help="network scoped alias for container",
    )
    p.flag(
        "--ip",
        kind="string",
        default="",
        help="set a static ipv4 address for this container network",
    )
    p.flag(
        "--ip6",
        kind="string",
        default="",
        help="set a static ipv6 address for this container network",
    )
    p.flag(
        "--mac-address",
        kind="string",
        default="",
        help="set a static mac address for this container network",
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.args) != 2:
        raise InvalidArgument(f"accepts 2 arg(s), received {len(args.args)}")
    aliases = [a for v in args.alias for a in v.split(",") if a]
    ctx.engine.networks.connect(args.args[0], args.args[1], aliases, args.ip, args.mac_address)
    return 0
