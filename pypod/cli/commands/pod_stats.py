"""pypod pod stats"""

from __future__ import annotations

from typing import Any

from pypod.cli.commands import stats as ctr_stats
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

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


def _pct(value: float) -> str:
    return f"{value:.2f}%" if value else "--"


def _pair(a: int, b: int, size: Any) -> str:
    return f"{size(a)} / {size(b)}" if a or b else "-- / --"


def _row(r: Any, pod_of: dict[str, str]) -> dict[str, str]:
    """Podman 4.3's PodStatsReport from a container's stats: zero reads "--", sizes as
    go-units HumanSize (4 digits) and BytesSize."""
    from pypod.format.units import bytes_size, go_units_size

    return {
        "CPU": _pct(r.cpu_percent),
        "MemUsage": _pair(r.mem_usage, r.mem_limit, go_units_size),
        "MemUsageBytes": _pair(r.mem_usage, r.mem_limit, bytes_size),
        "Mem": _pct(r.mem_percent),
        "NetIO": _pair(r.net_input, r.net_output, go_units_size),
        "BlockIO": _pair(r.block_input, r.block_output, go_units_size),
        "PIDS": str(r.pids) if r.pids else "--",
        "Pod": pod_of.get(r.id, "")[:12], "CID": r.id[:12], "Name": r.name,
    }  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    """Every running member's stats, one row per container with its pod's id (Podman's)."""
    import sys

    from pypod.cli import output
    from pypod.domain.containers_ops import StatsReport, StatsRequest
    from pypod.errors import NotFound

    pods = ctx.engine.pods
    if args.latest:  # before the no-names case, which --latest also is
        newest = pods.latest()
        names = [newest] if newest is not None else []
    elif args.all or not args.names:
        names = [s.id for s in pods.list([])]
    else:
        names = list(args.names)
    # every member, in pod order; the ones not running get a row of "--" (Podman 4.3)
    pod_of: dict[str, str] = {}
    names_of: dict[str, str] = {}
    running: list[str] = []
    for name in names:
        try:
            doc = pods.inspect([name])[0]
        except NotFound as exc:
            raise type(exc)(f"unable to get list of pods: {exc}") from exc
        for c in doc["Containers"]:
            pod_of[c["Id"]], names_of[c["Id"]] = doc["Id"], c["Name"]
            if c["State"] == "running":
                running.append(c["Id"])
    fmt = args.format or DEFAULT_FORMAT
    frames: Any = [[]]
    if running:
        frames = ctx.engine.containers.stats(
            StatsRequest(names=tuple(running), stream=not args.no_stream, interval_s=1.0)
        )
    for frame in frames:
        got = {r.id: r for r in frame}
        reports = [got.get(c) or StatsReport(id=c, name=names_of[c]) for c in pod_of]
        rows = [_row(r, pod_of) for r in reports]
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
