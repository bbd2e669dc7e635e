"""pypod stop / container stop"""

from __future__ import annotations

import argparse

from pypod.cli.container_reports import print_ids
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.domain.containers_ops import StopRequest

DESCRIPTION = (
    "Stops one or more running containers.  The container name or ID can be used.\n\n"
    "  A timeout to forcibly stop the container can also be set but defaults to 10 seconds "
    "otherwise."
)
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod stop ctrID", "pypod stop --time 2 mywebserver 6e534f14da9d", "pypod stop -a")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Stop all running containers")
    p.flag(
        "--cidfile",
        kind="stringArray",
        action="append",
        default=[],
        help="Read the container ID from the file",
    )
    p.flag(
        "-f",
        "--filter",
        kind="stringSlice",
        action="append",
        default=[],
        help="Filter output based on conditions given",
    )
    p.flag(
        "-i",
        "--ignore",
        action="store_true",
        help="Ignore errors when a specified container is missing",
    )
    p.flag(
        "-l", "--latest", action="store_true", help="Act on the latest container podman is aware of"
    )
    p.flag(
        "-t",
        "--time",
        kind="uint",
        type=int,
        default=None,
        help=("Seconds to wait for stop before killing the container (default 10)"),
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    req = StopRequest(
        names=tuple(args.names),
        all=args.all,
        latest=args.latest,
        ignore=args.ignore,
        timeout_s=args.time,
        cidfiles=tuple(args.cidfile),
        filters=tuple(args.filter),
    )
    print_ids(ctx.engine.containers.stop(req))
    return 0
