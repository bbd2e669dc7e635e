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
        import sys

        sys.stdout.write("WARNING! This will remove all stopped/exited pods..\n"
                         "Are you sure you want to continue? [y/N] ")  # fmt: skip
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return 0
    print_reports(ctx.engine.pods.prune())
    return 0
