"""pypod untag"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Remove one or more names from a locally-stored image."
USAGE = "IMAGE [IMAGE...]"
EXAMPLES = (
    "pypod untag 0e3bbc2",
    "pypod untag imageID:latest otherImageName:latest",
    "pypod untag httpd myregistryhost:5000/fedora/httpd:v2",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if not args.args:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    ctx.engine.images.untag(args.args[0], list(args.args[1:]))
    return 0
