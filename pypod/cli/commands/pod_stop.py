"""pypod pod stop"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets, time_flag
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Stop one or more pods: their containers, the infra container last."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod stop mypod", "pypod pod stop -t 2 -a")


def configure(p: Parser) -> None:
    target_flags(p, "Stop", ignore=True)
    time_flag(p)


def run(args: Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.stop(targets(args), timeout_s=args.time))
    return 0
