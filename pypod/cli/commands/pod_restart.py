"""pypod pod restart"""

from __future__ import annotations

import argparse

from pypod.cli.commands.pod_common import print_reports, target_flags, targets
from pypod.cli.context import Context
from pypod.cli.parser import Parser

DESCRIPTION = "Restart one or more pods (all their containers)."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod restart podID", "pypod pod restart --all")


def configure(p: Parser) -> None:
    target_flags(p, "Restart")


def run(args: argparse.Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.restart(targets(args)))
    return 0
