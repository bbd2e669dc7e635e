"""pypod cp / container cp"""

from __future__ import annotations

import argparse

from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.domain.containers_ops import CopyRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Copy the contents of SRC_PATH to the DEST_PATH.\n\n"
    "  You can copy from the container's file system to the local machine or the reverse, "
    "from the local filesystem to the container. If - is specified for either the SRC_PATH or "
    "DEST_PATH, you can also stream a tar archive from STDIN or to STDOUT. The CONTAINER can "
    "be a running or stopped container. The SRC_PATH or DEST_PATH can be a file or a directory."
)
USAGE = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH"
EXAMPLES = (
    "pypod cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
    "pypod cp /tmp/a.txt ctr:/tmp",
    "pypod cp ctr:/tmp/a.txt -",
)


def configure(p: Parser) -> None:
    p.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    p.bool_flag(
        "-a",
        "--archive",
        default=True,
        help="Chown copied files to the primary uid/gid of the destination container.",
    )
    p.bool_flag(
        "--overwrite",
        default=False,
        help="Allow to overwrite directories with non-directories and vice versa",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    if len(args.paths) != 2:
        raise InvalidArgument(f"accepts 2 arg(s), received {len(args.paths)}")
    ctx.engine.containers.copy(
        CopyRequest(
            source=args.paths[0],
            destination=args.paths[1],
            archive=args.archive,
            overwrite=args.overwrite,
        )
    )
    return 0
