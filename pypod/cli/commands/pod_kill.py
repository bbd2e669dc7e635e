"""pypod pod kill"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Send the specified signal or SIGKILL to the containers of one or more pods."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod kill podID", "pypod pod kill --signal TERM mywebserver")


def configure(p: Parser) -> None:
    target_flags(p, "Kill")
    p.flag("-s", "--signal", kind="string", default="KILL",
           help='Signal to send to the containers in the pod (default "KILL")')  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    print_reports(ctx.engine.pods.kill(targets(args), signal=args.signal))
    return 0
