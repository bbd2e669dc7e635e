"""pypod restart / container restart"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.container_targets import add_time_flag
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import StopRequest

DESCRIPTION = (
    "Restarts one or more running containers. The container ID "
    "or name can be used.\n\n  A timeout before forcibly "
    "stopping can be set, but defaults to 10 seconds."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod restart -l", "pypod restart ff6cf1e5e77e 4f3c9e1f1e2a", "pypod restart --all")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Restart all non-running containers")
    p.flag(
        "-l", "--latest", action="store_true", help="Act on the latest container podman is aware of"
    )
    p.flag("--running", action="store_true", help="Restart only running containers")
    add_time_flag(p)


def run(args: Namespace, ctx: Context) -> int:
    req = StopRequest(
        names=tuple(args.names), all=args.all, latest=args.latest, timeout_s=args.time
    )
    print_ids(ctx.engine.containers.restart(req), use_id=args.all or args.latest)
    return 0
