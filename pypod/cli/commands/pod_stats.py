"""pypod pod stats"""

from __future__ import annotations

import argparse

from pypod.cli.commands import stats as ctr_stats
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Display a live stream of resource usage statistics of the containers in pods."
USAGE = "[options] [POD...]"
EXAMPLES = ("pypod pod stats", "pypod pod stats -a --no-stream", "pypod pod stats mypod")


def configure(p: Parser) -> None:
    ctr_stats.configure(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    pods = ctx.engine.pods
    if args.all or not args.names:
        names = [s.id for s in pods.list([])]
    elif args.latest:
        listed = pods.list([])
        names = [max(listed, key=lambda s: s.created).id] if listed else []
    else:
        names = list(args.names)
    ids = []
    for name in names:
        summary = pods.inspect([name])[0]
        ids += [c["Id"] for c in summary["Containers"] if c["State"] == "running"]
    if not ids:
        if args.names:
            raise InvalidArgument(f"pod {args.names[0]} has no running containers")
        return 0
    args.names, args.all, args.latest = ids, False, False
    return ctr_stats.run(args, ctx)
