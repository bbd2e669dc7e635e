"""pypod unpause / container unpause"""

from __future__ import annotations

import argparse

from pypod.cli.container_reports import print_ids
from pypod.cli.context import Context
from pypod.cli.parser import Parser

DESCRIPTION = "Unpauses all the processes in one or more containers."
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = ("pypod unpause mywebserver", "pypod unpause 860a4b23", "pypod unpause --all")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Unpause all containers")
    p.flag(
        "--cidfile",
        kind="stringArray",
        action="append",
        default=[],
        help="Read the container ID from the file",
    )
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from pypod.cli.container_targets import read_cidfiles

    names = list(args.names) + read_cidfiles(args.cidfile)
    if args.latest:
        names.append(ctx.engine.containers.list(_latest())[0].id)
    print_ids(ctx.engine.containers.unpause(names, all=args.all), use_id=args.all)
    return 0


def _latest() -> object:
    from pypod.domain.containers_ops import ListRequest

    return ListRequest(latest=True)
