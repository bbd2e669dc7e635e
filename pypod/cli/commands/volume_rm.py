"""pypod volume rm"""

from __future__ import annotations

from typing import Any

from pypod.cli.container_reports import print_removed
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument, VolumeInUse, VolumeNotFound

DESCRIPTION = """Remove one or more existing volumes.

By default only volumes that are not being used by any containers will be removed. To remove
the volumes anyways, use the --force flag."""
USAGE = "[options] VOLUME [VOLUME...]"
EXAMPLES = (
    "pypod volume rm myvol1 myvol2",
    "pypod volume rm --all",
    "pypod volume rm --force myvol",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Remove all volumes")
    p.flag(
        "-f",
        "--force",
        action="store_true",
        help="Remove a volume by force, even if it is being used by a container",
    )
    p.flag(
        "-t",
        "--time",
        kind="uint",
        type=int,
        default=10,
        help="Seconds to wait for running containers to stop before killing the container",
    )


def raise_report_errors(reports: list[Any]) -> None:
    print_removed(reports, not_found=VolumeNotFound, in_use=VolumeInUse)


def run(args: Namespace, ctx: Context) -> int:
    if args.all and args.names:
        raise InvalidArgument("choose either one or more volumes or all")
    if not args.all and not args.names:
        raise InvalidArgument("choose either one or more volumes or all")
    # as Podman, --force also ignores unknown names
    reports = ctx.engine.volumes.remove(
        list(args.names), force=args.force, all=args.all, ignore=args.force, timeout_s=args.time
    )
    raise_report_errors(reports)
    return 0
