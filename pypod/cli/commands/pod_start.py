"""pypod pod start"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Start one or more pods (all their containers)."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod start podID", "pypod pod start --all")


def configure(p: Parser) -> None:
    target_flags(p, "Start")


def run(args: Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.start(targets(args)))
    return 0
