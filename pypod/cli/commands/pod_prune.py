"""pypod pod prune"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Remove all stopped pods and their containers."
USAGE = "[options]"
EXAMPLES = ("pypod pod prune -f",)


def configure(p: Parser) -> None:
    p.flag("-f", "--force", action="store_true",
           help="Do not prompt for confirmation.  The default is false")  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    if not args.force:
        from pypod.cli import output

        if not output.confirm("WARNING! This will remove all stopped/exited pods.."):
            return 0
    print_reports(ctx.engine.pods.prune())
    return 0
