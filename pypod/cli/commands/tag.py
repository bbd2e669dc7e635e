"""pypod tag"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Adds one or more additional names to locally-stored image."
USAGE = "IMAGE TARGET_NAME [TARGET_NAME...]"
EXAMPLES = (
    "pypod tag 0e3bbc2 fedora:latest",
    "pypod tag httpd myregistryhost:5000/fedora/httpd:v2",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.args) < 2:
        raise InvalidArgument(f"requires at least 2 arg(s), only received {len(args.args)}")
    ctx.engine.images.tag(args.args[0], list(args.args[1:]))
    return 0
