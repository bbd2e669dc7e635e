"""pypod healthcheck run"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "run the health check of a container"
USAGE = "CONTAINER"
EXAMPLES = ("pypod healthcheck run mywebapp",)


def configure(p: Parser) -> None:
    p.add_argument("container", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    """Exit 0 when healthy; the status and exit 1 when the check failed (Podman's rule)."""
    if len(args.container) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.container)}")
    status = ctx.engine.containers.healthcheck_run(args.container[0])
    if status == "healthy":
        return 0
    output.line(status)
    return 1
