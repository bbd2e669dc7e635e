"""pypod info / system info"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = (
    "Display information pertaining to the host, current storage stats, and build of pypod."
)
EXAMPLES = (
    "pypod info",
    "pypod info --format json",
    "pypod info --format '{{.Host.Arch}}'",
)


def configure(p: Parser) -> None:
    p.flag(
        "-f", "--format", kind="string", help="Change the output format to JSON or a Go template"
    )


def run(args: Namespace, ctx: Context) -> int:
    info = ctx.engine.system.info()
    if output.is_json_format(args.format):
        output.print_json(info)
    elif args.format:
        from pypod.format.fields import go_view

        output.print_each([go_view(info)], args.format)
    else:
        output.print_yaml(info)
    return 0
