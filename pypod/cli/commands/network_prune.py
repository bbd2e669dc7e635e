"""pypod network prune"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = """Prune unused networks: every network but the default one that no container
uses. The command prompts for confirmation unless --force."""
USAGE = "[options]"
EXAMPLES = ("pypod network prune", "pypod network prune --filter label=stage=test -f")
_WARNING = "WARNING! This will remove all networks not used by at least one container."


def configure(p: Parser) -> None:
    p.flag(
        "--filter",
        kind="stringArray",
        action="append",
        default=[],
        help="Provide filter values (e.g. 'label=<key>=<value>')",
    )
    p.flag("-f", "--force", action="store_true", help="do not prompt for confirmation")


def run(args: Namespace, ctx: Context) -> int:

    from pypod.cli import output
    from pypod.cli.commands.network_rm import raise_report_errors

    if not args.force and not output.confirm(_WARNING):
        return 0
    raise_report_errors(ctx.engine.networks.prune(list(args.filter)))
    return 0
