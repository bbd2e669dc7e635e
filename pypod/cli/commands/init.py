"""pypod init / container init"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import PypodError

DESCRIPTION = (
    "Initialize one or more containers, creating the OCI spec and mounts for inspection. "
    "Container names or IDs can be used."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod init 3c45ef19d893", "pypod init test1")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Initialize all containers")
    p.flag("-l", "--latest", action="store_true", help="Act on the latest container")


def run(args: Namespace, ctx: Context) -> int:
    reports = ctx.engine.containers.init(list(args.names), all=args.all, latest=args.latest)
    errors = []
    for r in reports:
        if r.error is not None:
            errors.append(r.error)
        else:
            output.line(r.id)
    for e in errors[:-1]:
        sys.stderr.write(f"Error: {e}\n")
    if errors:
        last = errors[-1]
        raise last if isinstance(last, PypodError) else PypodError(str(last))
    return 0
