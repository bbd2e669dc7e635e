"""pypod network disconnect: the library side exists (NetworkManager.disconnect); the
command needs containers on netavark networks, which come with issue 4's next step."""

from __future__ import annotations

import argparse

from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.errors import PypodError

DESCRIPTION = """Disconnect a container to/from a network (not supported yet)."""
USAGE = "[options] NETWORK CONTAINER"
EXAMPLES = ("pypod network disconnect net1 web",)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    p.flag("-f", "--force", action="store_true", help="force removal of container from network")


def run(args: argparse.Namespace, ctx: Context) -> int:
    raise PypodError("network disconnect is not supported yet: containers join only none or host")
