"""pypod stop / container stop"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.container_targets import add_target_flags, add_time_flag
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.domain.containers_ops import StopRequest

DESCRIPTION = (
    "Stops one or more running containers.  The container name or ID can be used.\n\n"
    "  A timeout to forcibly stop the container can also be set but defaults to 10 seconds "
    "otherwise."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod stop ctrID", "pypod stop --time 2 mywebserver 6e534f14da9d", "pypod stop -a")


def configure(p: Parser) -> None:
    add_target_flags(p, "Stop all running containers")
    p.flag(
        "-f",
        "--filter",
        kind="stringSlice",
        action="append",
        default=[],
        help="Filter output based on conditions given",
    )
    p.flag(
        "-i",
        "--ignore",
        action="store_true",
        help="Ignore errors when a specified container is missing",
    )
    add_time_flag(p)


def run(args: Namespace, ctx: Context) -> int:
    req = StopRequest(
        names=tuple(args.names),
        all=args.all,
        latest=args.latest,
        ignore=args.ignore,
        timeout_s=args.time,
        cidfiles=tuple(args.cidfile),
        filters=tuple(args.filter),
    )
    print_ids(ctx.engine.containers.stop(req))
    return 0
