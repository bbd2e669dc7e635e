"""pypod container exists"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "If the named container exists in local storage, podman "
    "container exists exits with 0, otherwise the exit code will "
    "be 1."
)
USAGE = "[options] CONTAINER"
EXAMPLES = (
    "pypod container exists --external containerID",
    "pypod container exists myctr || pypod run --name myctr [etc...]",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "--external",
        action="store_true",
        help=("Check external storage containers as well as Podman containers"),
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.names) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.names)}")
    return 0 if ctx.engine.containers.exists(args.names[0]) else 1
