"""pypod rm / container rm"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.container_targets import add_target_flags, add_time_flag
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.domain.containers_ops import RemoveRequest

DESCRIPTION = (
    "Removes one or more containers from the host. The container "
    "name or ID can be used.\n\n  Command does not remove "
    "images. Running or unusable containers will not be removed "
    "without the -f option."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = (
    "pypod rm imageID",
    "pypod rm mywebserver myflaskserver 860a4b23",
    "pypod rm --force --all",
)


def configure(p: Parser) -> None:
    add_target_flags(p, "Remove all containers")
    p.flag(
        "--depend",
        action="store_true",
        help="Remove container and all containers that depend on the selected container",
    )
    p.flag(
        "--filter",
        kind="stringSlice",
        action="append",
        default=[],
        help="Filter output based on conditions given",
    )
    p.flag(
        "-f",
        "--force",
        action="store_true",
        help="Force removal of a running or unusable container",
    )
    p.flag(
        "-i",
        "--ignore",
        action="store_true",
        help="Ignore errors when a specified container is missing",
    )
    add_time_flag(p)
    p.flag(
        "-v",
        "--volumes",
        action="store_true",
        help=("Remove anonymous volumes associated with the container"),
    )


def run(args: Namespace, ctx: Context) -> int:
    req = RemoveRequest(
        names=tuple(args.names),
        all=args.all,
        latest=args.latest,
        force=args.force,
        volumes=args.volumes,
        depend=args.depend,
        ignore=args.ignore,
        timeout_s=args.time,
        cidfiles=tuple(args.cidfile),
        filters=tuple(args.filter),
    )
    print_ids(ctx.engine.containers.remove(req), rm_codes=True)
    return 0
