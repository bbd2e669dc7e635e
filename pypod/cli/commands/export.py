"""pypod export / container export"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Exports container's filesystem contents as a tar archive and saves it on the local machine."
)
USAGE = "[options] CONTAINER"
EXAMPLES = ("pypod export ctrID > myCtr.tar", 'pypod export --output="myCtr.tar" ctrID')


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "-o",
        "--output",
        kind="string",
        default="",
        help=("Write to a specified file (default: stdout, which must be redirected)"),
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.names) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.names)}")
    ctx.engine.containers.export(args.names[0], args.output or None)
    return 0
