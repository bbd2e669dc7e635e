"""pypod volume exists: exit 0 when the volume exists, 1 when not."""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """If the given volume exists, pypod volume exists exits with 0, otherwise the
exit code will be 1."""
USAGE = "VOLUME"
EXAMPLES = ("pypod volume exists myvol",)


def configure(p: Parser) -> None:
    p.add_argument("name", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.name) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.name)}")
    return 0 if ctx.engine.volumes.exists(args.name[0]) else 1
