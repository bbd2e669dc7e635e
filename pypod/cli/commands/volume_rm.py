"""pypod volume rm"""

from __future__ import annotations

import argparse

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.domain.volumes import VolumeRmReport
from pypod.errors import InvalidArgument, PypodError, VolumeInUse, VolumeNotFound

DESCRIPTION = """Remove one or more existing volumes.

By default only volumes that are not being used by any containers will be removed. To remove
the volumes anyways, use the --force flag."""
USAGE = "[options] VOLUME [VOLUME...]"
EXAMPLES = (
    "pypod volume rm myvol1 myvol2",
    "pypod volume rm --all",
    "pypod volume rm --force myvol",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Remove all volumes")
    p.flag(
        "-f",
        "--force",
        action="store_true",
        help="Remove a volume by force, even if it is being used by a container",
    )
    p.flag(
        "-t",
        "--time",
        kind="uint",
        type=int,
        default=10,
        help="Seconds to wait for running containers to stop before killing the container",
    )


def exit_code_of(err: Exception) -> int:
    """Podman's: 1 for an unknown volume, 2 for one in use, else 125."""
    if isinstance(err, VolumeNotFound):
        return 1
    if isinstance(err, VolumeInUse):
        return 2
    return getattr(err, "exit_code", 125)


def raise_report_errors(reports: list[VolumeRmReport]) -> None:
    """Print the names removed; fail with every error, exiting as the last one says."""
    errors: list[Exception] = []
    for r in reports:
        if r.error is None:
            output.line(r.name)
        else:
            errors.append(r.error)
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
    if args.all and args.names:
        raise InvalidArgument("choose either one or more volumes or all")
    if not args.all and not args.names:
        raise InvalidArgument("choose either one or more volumes or all")
    reports = ctx.engine.volumes.remove(
        list(args.names), force=args.force, all=args.all, timeout_s=args.time
    )
    raise_report_errors(reports)
    return 0
