"""pypod pod pause"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Pause one or more pods (all their containers)."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod pause podID", "pypod pod pause --all")


def configure(p: Parser) -> None:
    target_flags(p, "Pause")


def run(args: Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.pause(targets(args)))
    return 0
