"""pypod pod restart"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Restart one or more pods (all their containers)."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod restart podID", "pypod pod restart --all")


def configure(p: Parser) -> None:
    target_flags(p, "Restart")


def run(args: Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.restart(targets(args)))
    return 0
