"""pypod pod top"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Display the running processes of the containers in a pod (ps(1) descriptors)."
USAGE = "[options] POD [FORMAT-DESCRIPTORS|ARGS...]"
EXAMPLES = ("pypod pod top podID", "pypod pod top podID pid seccomp args %C")


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.flag("-l", "--latest", action="store_true", help="Act on the latest pod podman is aware of")


def run(args: Namespace, ctx: Context) -> int:
    from pypod.format.report import tabwrite

    words = list(args.args)
    if args.latest:
        newest = ctx.engine.pods.latest()
        if newest is None:
            raise InvalidArgument("no pods to act on")
        name = newest
    elif words:
        name = words.pop(0)
    else:
        raise InvalidArgument("you must provide the name or id of a running pod")
    rows = list(ctx.engine.pods.top(name, words))
    output.write(tabwrite("".join("\t".join(r) + "\n" for r in rows)))
    return 0
