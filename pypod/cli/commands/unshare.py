"""pypod unshare"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import REMAINDER, SUPPRESS, Namespace, Parser

DESCRIPTION = (
    "Runs a command in a modified user namespace (the one rootless pypod keeps its images in)."
)
USAGE = "[options] [COMMAND [ARG...]]"
EXAMPLES = ("pypod unshare id", "pypod unshare cat /proc/self/uid_map", "pypod unshare")
INTERMIXED = False  # everything after the command name belongs to the command


def configure(p: Parser) -> None:
    p.add_argument("command", nargs=REMAINDER, help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    argv = list(args.command)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    ctx.engine.system.unshare(argv)  # replaces this process with the command
    return 0
