"""pypod image exists: exit 0 when the image is in local storage, 1 when not."""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """If the named image exists in local storage, pypod image exists exits with 0,
otherwise the exit code will be 1."""
USAGE = "IMAGE"
EXAMPLES = ("pypod image exists ID", "pypod image exists IMAGE && pypod pull IMAGE")


def configure(p: Parser) -> None:
    p.add_argument("image", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.image) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.image)}")
    return 0 if ctx.engine.images.exists(args.image[0]) else 1
