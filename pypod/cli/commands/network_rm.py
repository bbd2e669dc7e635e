"""pypod network rm"""

from __future__ import annotations

import argparse

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.domain.networks import NetworkReport
from pypod.errors import Conflict, InvalidArgument, NetworkNotFound, PypodError

DESCRIPTION = """Remove networks.

A network containers use is only removed with --force, which removes those containers first."""
USAGE = "[options] NETWORK [NETWORK...]"
EXAMPLES = ("pypod network rm podman1", "pypod network rm -f net1 net2")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    p.flag("-f", "--force", action="store_true", help="remove any containers using network")
    p.flag(
        "-t",
        "--time",
        kind="uint",
        type=int,
        default=10,
        help="Seconds to wait for running containers to stop before killing the container",
    )


def exit_code_of(err: Exception) -> int:
    """Podman's: 1 for an unknown network, 2 for one in use, else 125."""
    if isinstance(err, NetworkNotFound):
        return 1
    if isinstance(err, Conflict):
        return 2
    return getattr(err, "exit_code", 125)


def raise_report_errors(reports: list[NetworkReport]) -> None:
    """Print the names removed; fail with every error, exiting as the last one says."""
    errors = [r.error for r in reports if r.error is not None]
    for r in reports:
        if r.error is None:
            output.line(r.name)
    if not errors:
        return
    if len(errors) == 1:
        text = str(errors[0])
    else:
        text = f"{len(errors)} errors occurred:\n" + "".join(f"\t* {e}\n" for e in errors)
    err = PypodError(text.rstrip("\n"))
    err.exit_code = exit_code_of(errors[-1])
    raise err


def run(args: argparse.Namespace, ctx: Context) -> int:
    if not args.names:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    reports = ctx.engine.networks.remove(list(args.names), force=args.force, timeout_s=args.time)
    raise_report_errors(reports)
    return 0
