"""pypod kill / container kill"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.container_targets import add_target_flags
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.domain.containers_ops import KillRequest

DESCRIPTION = (
    "The main process inside each container specified will be "
    "sent SIGKILL, or any signal specified with option --signal."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod kill mywebserver", "pypod kill 860a4b23", "pypod kill --signal TERM ctrID")


def configure(p: Parser) -> None:
    add_target_flags(p, "Signal all running containers")
    p.flag(
        "-s",
        "--signal",
        kind="string",
        default="KILL",
        help='Signal to send to the container (default "KILL")',
    )


def run(args: Namespace, ctx: Context) -> int:
    req = KillRequest(
        names=tuple(args.names),
        all=args.all,
        latest=args.latest,
        signal=args.signal,
        cidfiles=tuple(args.cidfile),
    )
    print_ids(ctx.engine.containers.kill(req))
    return 0
