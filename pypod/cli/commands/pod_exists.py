"""pypod pod exists"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Check if a pod exists in local storage: exit code 0 if it does, 1 if not."
USAGE = "POD"
EXAMPLES = ("pypod pod exists podID",)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.names) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.names)}")
    return 0 if ctx.engine.pods.exists(args.names[0]) else 1
