"""pypod rename / container rename"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "The container to rename must exist; the new name must be free."
USAGE = "CONTAINER NAME"
EXAMPLES = ("pypod rename containerA newName",)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.args) != 2:
        raise InvalidArgument(f"accepts 2 arg(s), received {len(args.args)}")
    ctx.engine.containers.rename(args.args[0], args.args[1])
    return 0
