"""pypod volume export"""

from __future__ import annotations

import os
import sys

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """Export the contents of a volume as a tar archive, to stdout (which must be
redirected) or to a file with --output."""
USAGE = "[options] VOLUME"
EXAMPLES = ("pypod volume export myvol --output myvol.tar",)


def configure(p: Parser) -> None:
    p.add_argument("name", nargs="*", help=SUPPRESS)
    p.flag(
        "-o",
        "--output",
        kind="string",
        default="",
        help="Write to a specified file (default: stdout, which must be redirected)",
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.name) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.name)}")
    if args.output and args.output != "/dev/stdout":
        tmp = args.output + ".tmp-export"
        try:
            with open(tmp, "wb") as f:
                ctx.engine.volumes.export(args.name[0], f)
            os.replace(tmp, args.output)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return 0
    if sys.stdout.isatty():
        raise InvalidArgument(
            "cannot write to terminal, use command-line redirection or the --output flag"
        )
    sys.stdout.flush()
    ctx.engine.volumes.export(args.name[0], sys.stdout.buffer)
    sys.stdout.buffer.flush()
    return 0
