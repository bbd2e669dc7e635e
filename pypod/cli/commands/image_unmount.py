"""pypod image unmount / umount"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.inspect_docs import raise_all
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """Image storage increments a mount counter each time an image is mounted.

When an image is unmounted, the mount counter is decremented. The image's root filesystem is
physically unmounted only when the mount counter reaches zero indicating no other processes are
using the mount. An unmount can be forced with the --force flag."""
USAGE = "[options] IMAGE [IMAGE...]"
EXAMPLES = (
    "pypod image unmount imgID",
    "pypod image unmount imgID1 imgID2 imgID3",
    "pypod image unmount --all",
)


def configure(p: Parser) -> None:
    p.add_argument("images", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Unmount all of the currently mounted images")
    p.flag(
        "-f",
        "--force",
        action="store_true",
        help="Force the complete unmount of the specified mounted images",
    )


def run(args: Namespace, ctx: Context) -> int:
    if args.all and args.images:
        raise InvalidArgument(
            "when using the --all switch, you may not pass any image names or IDs"
        )
    if not args.all and not args.images:
        raise InvalidArgument("image name or ID must be specified")
    reports = ctx.engine.images.unmount(list(args.images), all=args.all, force=args.force)
    for r in reports:
        if r.error is None:
            output.line(r.id)
    raise_all([r.error for r in reports if r.error is not None])
    return 0
