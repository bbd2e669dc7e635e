"""pypod load / image load"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.cli.progress import progress_for
from pypod.domain.images_transfer import LoadRequest
from pypod.errors import InvalidArgument

DESCRIPTION = "Loads an image from a locally stored archive (tar file) into container storage."
USAGE = "[options]"
EXAMPLES = ("pypod load -i fedora.tar", "pypod load < fedora.tar", "cat fedora.tar | pypod load")


def configure(p: Parser) -> None:
    p.add_argument("extra", nargs="*", help=SUPPRESS)
    p.flag(
        "-i",
        "--input",
        kind="string",
        default="",
        help="Read from specified archive file (default: stdin)",
    )
    p.flag("-q", "--quiet", action="store_true", help="Suppress the output")


def run(args: Namespace, ctx: Context) -> int:
    if args.extra:
        raise InvalidArgument(f"accepts 0 arg(s), received {len(args.extra)}")
    source: object = args.input
    if not args.input or args.input == "/dev/stdin":
        if sys.stdin.isatty():
            raise InvalidArgument(
                "cannot read from terminal, use command-line redirection or the --input flag"
            )
        source = sys.stdin.buffer
    report = ctx.engine.images.load(
        LoadRequest(input=source, progress=progress_for(args.quiet))  # type: ignore[arg-type]
    )
    for name in report.names:
        output.line(f"Loaded image: {name}")
    return 0
