"""pypod unmount / container unmount / umount"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser

DESCRIPTION = (
    "Container storage increments a mount counter each time a "
    "container is mounted.\n\n  When a container is unmounted, "
    "the mount counter is decremented. The container's root "
    "filesystem is physically unmounted only when the mount "
    "counter reaches zero indicating no other processes are "
    "using the mount."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod unmount ctrID", "pypod unmount ctrID1 ctrID2 ctrID3", "pypod unmount --all")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "-a", "--all", action="store_true", help=("Unmount all of the currently mounted containers")
    )
    p.flag(
        "-f",
        "--force",
        action="store_true",
        help=("Force the complete unmount of the specified mounted containers"),
    )
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def run(args: Namespace, ctx: Context) -> int:
    reports = ctx.engine.containers.unmount(list(args.names), all=args.all, force=args.force)
    print_ids(reports, use_id=True)
    return 0
