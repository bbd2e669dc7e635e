"""pypod unpause / container unpause"""

from __future__ import annotations

from pypod.cli.container_reports import print_ids
from pypod.cli.container_targets import add_target_flags
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Unpauses all the processes in one or more containers."
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod unpause mywebserver", "pypod unpause 860a4b23", "pypod unpause --all")


def configure(p: Parser) -> None:
    add_target_flags(p, "Unpause all containers")


def run(args: Namespace, ctx: Context) -> int:
    reports = ctx.engine.containers.unpause(
        list(args.names), all=args.all, latest=args.latest, cidfiles=tuple(args.cidfile)
    )
    print_ids(reports, use_id=args.all)
    return 0
