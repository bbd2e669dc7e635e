"""pypod volume prune"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = """Volumes that are not currently owned by a container will be removed.

The command prompts for confirmation which can be overridden with the --force flag.
Note all data will be destroyed."""
USAGE = "[options]"
EXAMPLES = ("pypod volume prune", "pypod volume prune --filter label=stage=test -f")
_WARNING = (
    "WARNING! This will remove all volumes not used by at least one container. "
    "The following volumes will be removed:"
)


def configure(p: Parser) -> None:
    p.flag(
        "--filter",
        kind="stringArray",
        action="append",
        default=[],
        help="Provide filter values (e.g. 'label=<key>=<value>')",
    )
    p.flag("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def run(args: Namespace, ctx: Context) -> int:
    from pypod.cli import output
    from pypod.cli.commands.volume_rm import raise_report_errors

    filters = list(args.filter)
    if not args.force:
        doomed = ctx.engine.volumes.list(["dangling=true", *filters])
        if not doomed:
            return 0
        names = "\n".join(d["Name"] for d in doomed)
        if not output.confirm(f"{_WARNING}\n{names}"):
            return 0
    raise_report_errors(ctx.engine.volumes.prune(filters))
    return 0
