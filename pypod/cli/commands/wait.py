"""pypod wait / container wait"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.container_reports import raise_errors
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import WaitRequest

DESCRIPTION = "Block until one or more containers stop and then print their exit codes."
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = (
    "pypod wait --interval 5s ctrID",
    "pypod wait ctrID1 ctrID2",
    "pypod wait --condition running ctrID",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "--condition",
        kind="strings",
        action="append",
        default=[],
        help='Condition to wait on (default "stopped")',
    )
    p.flag("--ignore", action="store_true", help="Ignore if a container does not exist")
    p.flag(
        "-i",
        "--interval",
        kind="string",
        default="250ms",
        help='Time Interval to wait before polling for completion (default "250ms")',
    )
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def _interval(text: str) -> float:
    from pypod.format.units import parse_duration

    try:
        return float(text) / 1000.0  # a bare number is milliseconds, as Podman
    except ValueError:
        return parse_duration(text)


def run(args: Namespace, ctx: Context) -> int:
    conditions = tuple(c for spec in args.condition for c in spec.split(",") if c)
    req = WaitRequest(
        names=tuple(args.names),
        latest=args.latest,
        conditions=conditions or ("stopped",),
        interval_s=_interval(args.interval),
        ignore=args.ignore,
    )
    errors = []
    for r in ctx.engine.containers.wait(req):
        if r.error is not None:
            errors.append(r.error)
        else:
            output.line(str(r.exit_code))
    raise_errors(errors)
    return 0
