"""pypod system prune"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.container_reports import raise_errors
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.domain.system import PruneRequest

DESCRIPTION = "\n\tpypod system prune\n\n        Remove unused data\n"
USAGE = "[options]"
EXAMPLES = ("pypod system prune",)


def configure(p: Parser) -> None:
    p.flag("-a", "--all", action="store_true", help="Remove all unused data")
    p.flag("--filter", kind="stringArray", action="append", default=[],
           help="Provide filter values (e.g. 'label=<key>=<value>')")  # fmt: skip
    p.flag("-f", "--force", action="store_true",
           help="Do not prompt for confirmation.  The default is false")  # fmt: skip
    p.flag("--volumes", action="store_true", help="Prune volumes")


def warning(all: bool, volumes: bool) -> str:
    """Podman's confirmation text."""
    lines = ["WARNING! This command removes:", "\t- all stopped containers",
             "\t- all networks not used by at least one container"]  # fmt: skip
    if volumes:
        lines.append("\t- all volumes not used by at least one container")
    if all:
        lines += ["\t- all images without at least one container associated with them",
                  "\t- all build cache"]  # fmt: skip
    else:
        lines += ["\t- all dangling images", "\t- all dangling build cache"]
    return "\n".join(lines) + "\n"


def run(args: Namespace, ctx: Context) -> int:
    from pypod.format.units import go_units_size

    if not args.force and not output.confirm(warning(args.all, args.volumes)):
        return 0
    req = PruneRequest(all=args.all, volumes=args.volumes, filters=tuple(args.filter))
    report = ctx.engine.system.prune(req)
    errors: list[Exception] = []
    for title, items in (("Containers", report.containers), ("Volumes", report.volumes),
                         ("Images", report.images)):  # fmt: skip
        if items:
            output.line(f"Deleted {title}")
        for item in items:
            if item.error is not None:
                errors.append(item.error)
            else:
                output.line(item.id)
    output.line(f"Total reclaimed space: {go_units_size(report.reclaimed, 4)}")
    raise_errors(errors)
    return 0
