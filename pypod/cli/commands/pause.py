"""pypod pause / container pause"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.container_targets import add_target_flags
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Pauses all the processes in one or more containers."
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod pause mywebserver", "pypod pause 860a4b23", "pypod pause --all")


def configure(p: Parser) -> None:
    add_target_flags(p, "Pause all containers")


def run(args: Namespace, ctx: Context) -> int:
    reports = ctx.engine.containers.pause(
        list(args.names), all=args.all, latest=args.latest, cidfiles=tuple(args.cidfile)
    )
    print_ids(reports, use_id=args.all)
    return 0
