"""pypod image prune"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_remove import PruneRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Removes dangling or unused images from local storage."""
USAGE = "[options]"
EXAMPLES = ("pypod image prune",)
_DANGLING = "WARNING! This command removes all dangling images."
_ALL = (
    "WARNING! This command removes all images without at least one container associated with them."
)


def configure(p: Parser) -> None:
    p.flag(
        "-a",
        "--all",
        action="store_true",
        help="Remove all images not in use by containers, not just dangling ones",
    )
    p.flag("--external", action="store_true", help=SUPPRESS)
    p.flag(
        "--filter",
        kind="stringArray",
        action="append",
        default=[],
        help="Provide filter values (e.g. 'label=<key>=<value>')",
    )
    p.flag("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def run(args: Namespace, ctx: Context) -> int:
    if args.external:
        raise InvalidArgument("--external is not supported: pypod has no external containers")
    if not args.force and not output.confirm(_ALL if args.all else _DANGLING):
        return 0
    reports = ctx.engine.images.prune(PruneRequest(all=args.all, filters=tuple(args.filter)))
    for r in reports:
        if r.error is None:
            output.line(r.id)
    return 0
