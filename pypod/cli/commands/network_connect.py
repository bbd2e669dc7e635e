"""pypod network connect: the library side exists (network.manager.NetworkManager.connect); the
command needs containers on netavark networks, which come with issue 4's next step."""

from __future__ import annotations

import argparse

from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.errors import PypodError

DESCRIPTION = """Connect a container to/from a network (not supported yet)."""
USAGE = "[options] NETWORK CONTAINER"
EXAMPLES = ("pypod network connect net1 web",)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=argparse.SUPPRESS)
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


def run(args: argparse.Namespace, ctx: Context) -> int:
    raise PypodError("network connect is not supported yet: containers join only none or host")
