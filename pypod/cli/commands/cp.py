"""pypod cp / container cp"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import CopyRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Copy the contents of SRC_PATH to the DEST_PATH.\n\n"
    "Either path may be on the host or in a container (CONTAINER:PATH), running or stopped; "
    "both may be in containers, and the files then go straight from one to the other. A file "
    "or a directory can be copied; with - as SRC_PATH a tar archive is read from stdin, with - "
    "as DEST_PATH one is written to stdout."
)
USAGE = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH"
EXAMPLES = (
    "pypod cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
    "pypod cp /tmp/a.txt ctr:/tmp",
    "pypod cp ctr:/tmp/a.txt -",
    "pypod cp ctr1:/etc/hosts ctr2:/tmp/hosts",
)


def configure(p: Parser) -> None:
    p.add_argument("paths", nargs="*", help=SUPPRESS)
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


def run(args: Namespace, ctx: Context) -> int:
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
