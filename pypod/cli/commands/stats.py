"""pypod stats / container stats"""

from __future__ import annotations

import sys
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import StatsReport, StatsRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Display percentage of CPU, memory, network I/O, block I/O and PIDs for one or more containers."
)
USAGE = "[options] [CONTAINER...]"
EXAMPLES = (
    "pypod stats --all --no-stream",
    "pypod stats ctrID",
    'pypod stats --no-stream --format "table {{.ID}} {{.Name}} {{.MemUsage}}" ctrID',
)
DEFAULT_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
    "{{.BlockIO}}\t{{.PIDS}}\t{{.CPU}}\t{{.AVGCPU}}"
)
HEADERS = {
    "CPUPerc": "CPU %",
    "MemUsage": "MEM USAGE / LIMIT",
    "MemPerc": "MEM %",
    "NetIO": "NET IO",
    "BlockIO": "BLOCK IO",
    "PIDS": "PIDS",
    "CPU": "CPU TIME",
    "AVGCPU": "AVG CPU %",
    "UpTime": "UP TIME",
}


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.bool_flag(
        "-a", "--all", help="Show all containers. Only running containers are shown by default"
    )
    p.flag(
        "--format",
        kind="string",
        default="",
        help="Pretty-print container statistics to JSON or using a Go template",
    )
    p.flag(
        "-i",
        "--interval",
        kind="int",
        type=int,
        default=5,
        help="Time in seconds between stats reports",
    )
    p.bool_flag("-l", "--latest", help="Act on the latest container podman is aware of")
    p.bool_flag("--no-reset", help="Disable resetting the screen between intervals")
    p.bool_flag("--no-stream", help="Disable streaming stats and only pull the first result")
    p.bool_flag("--no-trunc", help="Do not truncate output")


def _pct(value: float) -> str:
    return f"{value:.2f}%"


def _io(a: int, b: int) -> str:
    from pypod.format.units import go_units_size

    return f"{go_units_size(a)} / {go_units_size(b)}"  # go-units HumanSize: 4 digits


def row(r: StatsReport, no_trunc: bool = False) -> dict[str, Any]:
    from pypod.format.units import go_duration

    avg = r.cpu_ns / (r.up_s * 1e9) * 100 if r.up_s > 0 else 0.0
    return {
        "ID": r.id if no_trunc else r.id[:12],
        "Name": r.name,
        "CPUPerc": _pct(r.cpu_percent),
        "MemUsage": _io(r.mem_usage, r.mem_limit),
        "MemPerc": _pct(r.mem_percent),
        "NetIO": _io(r.net_input, r.net_output),
        "BlockIO": _io(r.block_input, r.block_output),
        "PIDS": str(r.pids),
        "CPU": go_duration(round(r.cpu_ns / 1000) / 1e6),
        "AVGCPU": _pct(avg),
        "UpTime": go_duration(round(r.up_s, 6)),
        "MemUsageBytes": f"{r.mem_usage}B / {r.mem_limit}B",
    }


def _json(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    keys = (("id", "ID"), ("name", "Name"), ("cpu_time", "CPU"), ("cpu_percent", "CPUPerc"),
            ("avg_cpu", "AVGCPU"), ("mem_usage", "MemUsage"), ("mem_percent", "MemPerc"),
            ("net_io", "NetIO"), ("block_io", "BlockIO"), ("pids", "PIDS"))  # fmt: skip
    return [{k: r[f] for k, f in keys} for r in rows]


def run(args: Namespace, ctx: Context) -> int:
    if args.all and args.names:
        raise InvalidArgument("--all and containers cannot be used together")
    if args.interval < 1:
        raise InvalidArgument("invalid interval, must be a positive number greater zero")
    frames = ctx.engine.containers.stats(
        StatsRequest(
            names=tuple(args.names),
            all=bool(args.all),
            latest=bool(args.latest),
            stream=not args.no_stream,
            interval_s=float(args.interval),
        )
    )
    fmt = args.format or DEFAULT_FORMAT
    for frame in frames:
        rows = [row(r, bool(args.no_trunc)) for r in frame]
        if not args.no_stream and not args.no_reset and sys.stdout.isatty():
            output.write("\033[2J\033[1;1H")
        if output.is_json_format(fmt):
            output.print_json(_json(rows), indent=1)  # Podman's MarshalIndent(..., " ")
        else:
            output.print_rows(rows, fmt, headers=HEADERS)
        sys.stdout.flush()
    return 0
