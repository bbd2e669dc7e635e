"""pypod pod rm"""

from __future__ import annotations

from pypod.cli.commands.pod_common import print_reports, target_flags, targets, time_flag
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = """Remove one or more pods and their containers.

A pod with running containers is only removed with --force, which stops them first."""
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod rm mywebserverpod", "pypod pod rm -f --all")


def configure(p: Parser) -> None:
    target_flags(p, "Remove", ignore=True)
    p.flag("-f", "--force", action="store_true",
           help="Force removal of a running pod by first stopping all containers, then "
           "removing all containers in the pod")  # fmt: skip
    time_flag(p)


def run(args: Namespace, ctx: Context) -> int:
    from pypod.errors import NotFound

    t = targets(args)
    try:
        reports = ctx.engine.pods.remove(t, force=args.force, timeout_s=args.time)
    except NotFound as exc:
        exc.exit_code = 1  # Podman's exit code for `pod rm` of an unknown pod
        raise
    print_reports(reports)
    return 0
