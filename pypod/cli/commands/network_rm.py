"""pypod network rm"""

from __future__ import annotations

from typing import Any

from pypod.cli.container_reports import print_removed
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import Conflict, InvalidArgument, NetworkNotFound

DESCRIPTION = """Remove networks.

A network containers use is only removed with --force, which removes those containers first."""
USAGE = "[options] NETWORK [NETWORK...]"
EXAMPLES = ("pypod network rm podman1", "pypod network rm -f net1 net2")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-f", "--force", action="store_true", help="remove any containers using network")
    p.flag(
        "-t",
        "--time",
        kind="uint",
        type=int,
        default=10,
        help="Seconds to wait for running containers to stop before killing the container",
    )


def raise_report_errors(reports: list[Any]) -> None:
    print_removed(reports, not_found=NetworkNotFound, in_use=Conflict)


def run(args: Namespace, ctx: Context) -> int:
    if not args.names:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    reports = ctx.engine.networks.remove(list(args.names), force=args.force, timeout_s=args.time)
    raise_report_errors(reports)
    return 0
