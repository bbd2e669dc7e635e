"""pypod network update"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """Update an existing network: add or drop the DNS servers aardvark-dns forwards
the network's queries to."""
USAGE = "[options] NETWORK"
EXAMPLES = (
    "pypod network update --dns-add 10.10.0.1 net1",
    "pypod network update --dns-drop 10.10.0.1 net1",
)


def configure(p: Parser) -> None:
    p.add_argument("name", nargs="*", help=SUPPRESS)
    p.flag(
        "--dns-add",
        kind="stringArray",
        action="append",
        default=[],
        help="add network level nameservers",
    )
    p.flag(
        "--dns-drop",
        kind="stringArray",
        action="append",
        default=[],
        help="remove network level nameservers",
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.name) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.name)}")
    ctx.engine.networks.update(args.name[0], list(args.dns_add), list(args.dns_drop))
    return 0
