"""pypod pod unpause"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Unpause one or more pods (all their containers)."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod unpause podID", "pypod pod unpause --all")


def configure(p: Parser) -> None:
    target_flags(p, "Unpause")


def run(args: Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.unpause(targets(args)))
    return 0
