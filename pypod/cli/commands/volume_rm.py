"""pypod volume rm"""

from __future__ import annotations

import sys
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
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
    p.add_argument("names", nargs="*", help=SUPPRESS)
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


def print_removed(reports: list[Any], *, not_found: type, in_use: type) -> None:
    """Podman's rm and prune of volumes and networks: each name removed on stdout; every
    failure but the last on stderr as "Error: ...", the last one the command's error. Exit
    code: that of the last unknown (1) or in-use (2) failure, else the last failure's own."""
    errors = []
    for r in reports:
        if r.error is None:
            output.line(r.name)
        else:
            errors.append(r.error)
    if not errors:
        return
    code = getattr(errors[-1], "exit_code", 125)
    for e in errors:
        if isinstance(e, not_found):
            code = 1
        elif isinstance(e, in_use):
            code = 2
    sys.stdout.flush()
    for e in errors[:-1]:
        sys.stderr.write(f"Error: {e}\n")
    err = PypodError(str(errors[-1]))
    err.exit_code = code
    raise err


def raise_report_errors(reports: list[Any]) -> None:
    print_removed(reports, not_found=VolumeNotFound, in_use=VolumeInUse)


def run(args: Namespace, ctx: Context) -> int:
    if args.all and args.names:
        raise InvalidArgument("choose either one or more volumes or all")
    if not args.all and not args.names:
        raise InvalidArgument("choose either one or more volumes or all")
    # as Podman, --force also ignores unknown names
    reports = ctx.engine.volumes.remove(
        list(args.names), force=args.force, all=args.all, ignore=args.force, timeout_s=args.time
    )
    raise_report_errors(reports)
    return 0
