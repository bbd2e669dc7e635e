"""pypod top / container top"""

from __future__ import annotations

import argparse

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Display the running processes of a container."
USAGE = "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]"
EXAMPLES = (
    "pypod top ctrID",
    "pypod top ctrID pid seccomp args %C",
    "pypod top ctrID -eo user,pid,comm",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    rest = list(args.args)
    if not rest:
        raise InvalidArgument("you must provide the name or id of a running container")
    rows = ctx.engine.containers.top(rest[0], rest[1:])
    output.print_rows(
        rows,
        "table " + "\t".join(f"{{{{index . {i}}}}}" for i in range(len(rows[0]))),
        noheading=True,
    )
    return 0
