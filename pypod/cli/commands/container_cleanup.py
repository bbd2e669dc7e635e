"""pypod container cleanup (run by conmon when a container exits)"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_start import CleanupRequest
from pypod.errors import InvalidArgument, PypodError

DESCRIPTION = (
    "Cleans up mount points and network stacks on one or more containers from the host.\n\n"
    "  The container name or ID can be used. This command is used internally when running "
    "containers, but can also be used if container cleanup has failed when a container exits."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = (
    "pypod container cleanup --latest",
    "pypod container cleanup ctrID1 ctrID2 ctrID3",
    "pypod container cleanup --all",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Cleans up all containers")
    p.flag("--exec", kind="string", default="", help="Clean up the given exec session")
    p.flag("-l", "--latest", action="store_true", help="Act on the latest container")
    p.flag("--rm", action="store_true", help="After cleanup, remove the container entirely")
    p.flag("--rmi", action="store_true", help="After cleanup, remove the image entirely")


def run(args: Namespace, ctx: Context) -> int:
    names = list(args.names)
    if not names and not args.all and not args.latest:
        raise InvalidArgument("no containers specified")
    req = CleanupRequest(
        names=tuple(names), all=args.all, latest=args.latest, rm=args.rm, rmi=args.rmi,
        exec_session=args.exec,
    )  # fmt: skip
    reports = ctx.engine.containers.cleanup(req)
    errors = [r.error for r in reports if r.error is not None]
    for r in reports:
        if r.error is None:
            output.line(r.id)
    if errors:
        last = errors[-1]
        raise last if isinstance(last, PypodError) else PypodError(str(last))
    return 0
