"""pypod pod stats"""

from __future__ import annotations

from typing import Any

from pypod.cli.commands import stats as ctr_stats
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Display a live stream of resource usage statistics of the containers in pods."
USAGE = "[options] [POD...]"
EXAMPLES = ("pypod pod stats", "pypod pod stats -a --no-stream", "pypod pod stats mypod")


def configure(p: Parser) -> None:
    ctr_stats.configure(p)


DEFAULT_FORMAT = (
    "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t"
    "{{.BlockIO}}\t{{.PIDS}}"
)
HEADERS = {"CPU": "CPU %", "MemUsage": "MEM USAGE/ LIMIT", "MemUsageBytes": "MEM USAGE/ LIMIT",
           "Mem": "MEM %", "NetIO": "NET IO", "BlockIO": "BLOCK IO", "CID": "CID"}  # fmt: skip
EMPTY = {k: "--" for k in ("Pod", "CID", "Name", "CPU", "MemUsage", "Mem", "NetIO", "BlockIO",
                           "PIDS")}  # fmt: skip


def _row(r: Any, pod_of: dict[str, str]) -> dict[str, str]:
    """Podman's PodStatsReport fields from a container's stats row."""
    c = ctr_stats.row(r)
    return {"CPU": c["CPUPerc"], "MemUsage": c["MemUsage"], "MemUsageBytes": c["MemUsageBytes"],
            "Mem": c["MemPerc"], "NetIO": c["NetIO"], "BlockIO": c["BlockIO"], "PIDS": c["PIDS"],
            "Pod": pod_of.get(r.id, "")[:12], "CID": r.id[:12], "Name": r.name}  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    """Every running member's stats, one row per container with its pod's id (Podman's)."""
    import sys

    from pypod.cli import output
    from pypod.domain.containers_ops import StatsRequest

    pods = ctx.engine.pods
    if args.all or not args.names:
        names = [s.id for s in pods.list([])]
    elif args.latest:
        listed = pods.list([])
        names = [max(listed, key=lambda s: s.created).id] if listed else []
    else:
        names = list(args.names)
    pod_of: dict[str, str] = {}
    for name in names:
        doc = pods.inspect([name])[0]
        pod_of.update({c["Id"]: doc["Id"] for c in doc["Containers"] if c["State"] == "running"})
    if not pod_of and args.names:
        raise InvalidArgument(f"pod {args.names[0]} has no running containers")
    fmt = args.format or DEFAULT_FORMAT
    frames: Any = [[]]
    if pod_of:
        frames = ctx.engine.containers.stats(
            StatsRequest(names=tuple(pod_of), stream=not args.no_stream, interval_s=1.0)
        )
    for frame in frames:
        rows = [_row(r, pod_of) for r in frame]
        if not args.no_stream and not args.no_reset and sys.stdout.isatty():
            output.write("\033[2J\033[1;1H")
        if output.is_json_format(fmt):
            output.print_json(rows, indent=5)  # Podman's MarshalIndent with five spaces
        elif rows or args.format:
            output.print_rows(rows, fmt, headers=HEADERS)
        else:
            output.print_rows([EMPTY], fmt, headers=HEADERS)
        sys.stdout.flush()
    return 0
