"""pypod system reset"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = (
    "Reset pypod storage back to default state. All containers, pods, images, networks and "
    "volumes will be removed."
)


def configure(p: Parser) -> None:
    p.flag("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def run(args: Namespace, ctx: Context) -> int:
    if not args.force and not output.confirm(
        "WARNING! This will remove:\n        - all containers\n        - all pods\n"
        "        - all images\n        - all networks\n        - all build cache\n"
        "        - all volumes"
    ):
        return 0
    ctx.engine.system.reset()
    return 0
