"""pypod container prune"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.container_reports import raise_errors
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "podman container prune\n\n  Removes all non running containers"
USAGE = "[options]"
EXAMPLES = ("pypod container prune",)


def configure(p: Parser) -> None:
    p.flag(
        "--filter",
        kind="stringArray",
        action="append",
        default=[],
        help="Provide filter values (e.g. 'label=<key>=<value>')",
    )
    p.flag(
        "-f",
        "--force",
        action="store_true",
        help=("Do not prompt for confirmation.  The default is false"),
    )


def run(args: Namespace, ctx: Context) -> int:
    if not args.force and not output.confirm(
        "WARNING! This will remove all non running containers."
    ):
        return 0
    errors = []
    for r in ctx.engine.containers.prune(list(args.filter)):
        if r.error is not None:
            errors.append(r.error)
        else:
            output.line(r.id)
    raise_errors(errors)
    return 0
