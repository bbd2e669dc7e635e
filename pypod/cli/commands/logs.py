"""pypod logs / container logs"""

from __future__ import annotations

import sys
import time

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import LogsRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Retrieves logs for one or more containers.\n\n  This does "
    "not guarantee execution order when combined with podman run "
    "(i.e., your run may not have generated any logs at the time "
    "you execute podman logs)."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = (
    "pypod logs ctrID",
    "pypod logs --names ctrID1 ctrID2",
    "pypod logs --tail 2 mywebserver",
    ("pypod logs --follow=true --since 10m ctrID"),
)


def configure(p: Parser) -> None:
    p.add_argument("containers", nargs="*", help=SUPPRESS)
    p.bool_flag("-f", "--follow", help="Follow log output.  The default is false")
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )
    p.bool_flag("-n", "--names", help="Output the container name in the log")
    p.flag("--since", kind="string", default="", help="Show logs since TIMESTAMP")
    p.flag(
        "--tail",
        kind="int",
        type=int,
        default=-1,
        help=(
            "Output the specified number of LINES at the end of the "
            "logs.  Defaults to -1, which prints all lines"
        ),
    )
    p.bool_flag("-t", "--timestamps", help="Output the timestamps in the log")
    p.flag("--until", kind="string", default="", help="Show logs until TIMESTAMP")


def parse_time(text: str, flag: str = "--since") -> float | None:
    """Podman's --since/--until: RFC 3339 (date, date-time), unix seconds, or a duration ago."""
    if not text:
        return None
    from datetime import UTC, datetime

    from pypod.format.units import parse_duration

    try:
        return float(text)
    except ValueError:
        pass
    try:
        return time.time() - parse_duration(text)
    except (ValueError, InvalidArgument):
        pass
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            dt = datetime.strptime(text.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    raise InvalidArgument(f'parsing {flag} "{text}": unable to interpret time value')


def _stamp(stamp: str) -> str:
    """conmon's "...T22:59:56.101508130+00:00" as Podman prints it: Go's "Z07:00" writes Z
    for UTC."""
    return stamp[:-6] + "Z" if stamp.endswith(("+00:00", "-00:00")) else stamp


def run(args: Namespace, ctx: Context) -> int:
    if not args.containers and not args.latest:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    req = LogsRequest(
        names=tuple(args.containers),
        latest=args.latest,
        follow=bool(args.follow),
        since=parse_time(args.since),
        until=parse_time(args.until, "--until"),
        tail=args.tail,
        timestamps=bool(args.timestamps),
        names_prefix=bool(args.names),
    )
    out, err = sys.stdout.buffer, sys.stderr.buffer
    for line in ctx.engine.containers.logs(req):
        prefix = b""
        if req.names_prefix:
            prefix = line.name.encode() + b" "
        if req.timestamps:
            prefix += _stamp(line.stamp).encode() + b" "
        target = err if line.stream == "stderr" else out
        target.write(prefix + line.text + (b"" if line.partial else b"\n"))
        if req.follow:
            target.flush()
    out.flush()
    return 0
