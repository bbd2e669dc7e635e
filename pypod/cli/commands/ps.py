"""pypod ps / container ls / container list"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser, UsageError
from pypod.domain.containers_ops import ContainerSummary, ListRequest
from pypod.errors import InvalidArgument

DESCRIPTION = "Prints out information about the containers"
USAGE = "[options]"
EXAMPLES = (
    "pypod ps -a",
    'pypod ps -a --format "{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}"',
    "pypod ps --size --sort names",
)
HEADERS = {"ID": "CONTAINER ID", "CreatedHuman": "CREATED", "RunningFor": "RUNNING FOR",
           "Pod": "POD ID", "PodName": "PODNAME", "Cgroup": "CGROUPNS", "PIDNS": "PIDNS",
           "User": "USERNS"}  # fmt: skip
SORTS = ("command", "created", "id", "image", "names", "runningfor", "size", "status")
# Podman prints ListContainerNamespaces, a struct of seven empty strings, as "{      }", and
# its JSON encoder writes that empty object over two lines
_NO_NAMESPACES = "{      }"
_JSON_NO_NAMESPACES = ('"Namespaces": {}', '"Namespaces": {\n      \n    }')
_GO_ZERO = -62135596800  # Go's zero time as a Unix time, what Podman prints for "never"


def configure(p: Parser) -> None:
    p.flag(
        "-a",
        "--all",
        action="store_true",
        help="Show all the containers, default is only running containers",
    )
    p.flag(
        "--external",
        action="store_true",
        help="Show containers in storage not controlled by Podman",
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
        "--format",
        kind="string",
        default="",
        help="Pretty-print containers to JSON or using a Go template",
    )
    p.flag(
        "-n",
        "--last",
        kind="int",
        type=int,
        default=-1,
        help="Print the n last created containers (all states) (default -1)",
    )
    p.flag(
        "-l", "--latest", action="store_true", help="Act on the latest container podman is aware of"
    )
    p.flag("--no-trunc", action="store_true", help="Display the extended information")
    p.flag("--noheading", action="store_true", help="Do not print headers")
    p.flag(
        "-p",
        "--pod",
        action="store_true",
        help="Print the ID and name of the pod the containers are associated with",
    )
    p.flag(
        "-q", "--quiet", action="store_true", help="Print the numeric IDs of the containers only"
    )
    p.flag("-s", "--size", action="store_true", help="Display the total file sizes")
    p.flag(
        "--sort",
        kind="string",
        default="created",
        help=(
            "Sort output by: command, created, id, image, names, runningfor, size, status "
            '(default "created")'
        ),
    )
    p.flag("--sync", action="store_true", help=SUPPRESS)
    p.flag(
        "-w",
        "--watch",
        kind="uint",
        type=int,
        default=0,
        help="Watch the ps output on an interval in seconds",
    )
    p.flag("--ns", action="store_true", help="Display namespace information")


def _go_time(ts: float) -> str:
    if not ts:
        return "0001-01-01 00:00:00 +0000 UTC"
    dt = datetime.fromtimestamp(ts, UTC)
    frac = f"{ts % 1:.9f}"[2:].rstrip("0")
    return dt.strftime("%Y-%m-%d %H:%M:%S") + (f".{frac}" if frac else "") + " +0000 UTC"


def _size_text(s: ContainerSummary) -> str:
    """go-units with three significant digits and no space: "12B (virtual 1.98MB)"."""
    from pypod.format.units import go_units_size

    if s.size_rw is None:
        return ""
    return f"{go_units_size(s.size_rw, 3)} (virtual {go_units_size(s.size_root_fs or 0, 3)})"


def json_doc(s: ContainerSummary) -> dict[str, Any]:
    from pypod.format.units import time_ago

    size = None
    if s.size_rw is not None:
        size = {"rootFsSize": s.size_root_fs or 0, "rwSize": s.size_rw}
    return {
        "AutoRemove": s.auto_remove,
        "Command": list(s.command),
        "CreatedAt": time_ago(s.created),
        "Exited": s.exited,
        "ExitedAt": int(s.exited_at) if s.exited_at else _GO_ZERO,
        "ExitCode": s.exit_code,
        "Id": s.id,
        "Image": s.image,
        "ImageID": s.image_id,
        "IsInfra": False,
        "Labels": s.labels or None,
        "Mounts": list(s.mounts),
        "Names": list(s.names),
        "Namespaces": {},
        "Networks": list(s.networks),
        "Pid": s.pid,
        "Pod": s.pod,
        "PodName": "",
        "Ports": list(s.ports) or None,
        "Size": size,
        "StartedAt": int(s.started_at) if s.started_at else _GO_ZERO,
        "State": s.state,
        "Status": s.status,
        "Created": int(s.created),
    }


def _ports_text(ports: tuple[dict[str, Any], ...]) -> str:
    """PORTS as Podman prints it: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp"."""
    out = []
    for p in ports:
        host_ip, n = p.get("host_ip") or "0.0.0.0", int(p.get("range") or 1)
        host, ctr = int(p["host_port"]), int(p["container_port"])
        if n > 1:
            out.append(f"{host_ip}:{host}-{host + n - 1}->{ctr}-{ctr + n - 1}/{p['protocol']}")
        else:
            out.append(f"{host_ip}:{host}->{ctr}/{p['protocol']}")
    return ", ".join(out)


def row(s: ContainerSummary, no_trunc: bool) -> dict[str, Any]:
    """The template fields of Podman's psReporter: its methods shadow ListContainer's fields
    (.State is the STATUS text, .ID and .ImageID are truncated, .Names the first name), the
    others keep their Go types (.Mounts a list, .StartedAt a Unix time)."""
    from pypod.format.units import time_ago

    command = " ".join(s.command)
    if not no_trunc and len(command) > 17:
        command = command[:17] + "..."
    doc = json_doc(s)
    doc.update(
        {
            "ID": s.id if no_trunc else s.id[:12],
            "ImageID": s.image_id if no_trunc else s.image_id[:12],
            "Command": command,
            "CreatedHuman": time_ago(s.created),
            "Created": _go_time(s.created),
            "CreatedAt": _go_time(s.created),
            "RunningFor": time_ago(s.created),
            "Names": s.names[0],
            "Ports": _ports_text(s.ports),
            "Size": _size_text(s),
            "State": s.status,
            "Labels": s.labels,
            "Mounts": list(s.mounts),
            "Networks": ",".join(s.networks),
            "Namespaces": _NO_NAMESPACES,
            "Restarts": 0,
        }
    )
    return doc


def _default_format(args: Namespace) -> str:
    cols = (
        "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    )
    if args.pod:
        cols += "\t{{.Pod}}\t{{.PodName}}"
    if args.size:
        cols += "\t{{.Size}}"
    return "table " + cols


def run(args: Namespace, ctx: Context) -> int:
    if args.last >= 0 and args.latest:
        raise InvalidArgument("last and latest are mutually exclusive")
    if args.quiet and (args.size or args.ns):
        raise InvalidArgument("quiet conflicts with size and namespace")
    if args.size and args.ns:
        raise InvalidArgument("size and namespace options conflict")
    if args.sort not in SORTS:
        raise UsageError(
            f'invalid argument "{args.sort}" for "--sort" flag: "{args.sort}" is not a valid '
            f'value.  Choose from: "{", ".join(SORTS)}"',
            ctx.command_path,
        )
    filters = [f for spec in args.filter for f in spec.split(",") if f]
    req = ListRequest(
        all=args.all,
        latest=args.latest,
        last=args.last,
        filters=tuple(filters),
        size=args.size,
        sort=args.sort,
        external=args.external,
    )
    summaries = ctx.engine.containers.list(req)
    if args.quiet and not args.format:  # a template overrides -q
        for s in summaries:
            output.line(s.id if args.no_trunc else s.id[:12])
        return 0
    if output.is_json_format(args.format):
        # Podman's ps JSON is indented by two spaces (unlike inspect)
        text = json.dumps([json_doc(s) for s in summaries], indent=2, ensure_ascii=False)
        output.line(text.replace(*_JSON_NO_NAMESPACES))
        return 0
    fmt = args.format or _default_format(args)
    rows = [row(s, args.no_trunc) for s in summaries]
    if any(s.pod for s in summaries):
        pods = {p.id: p.name for p in ctx.engine.pods.list([])}
        for r, s in zip(rows, summaries, strict=True):
            r["PodName"] = pods.get(s.pod, "")
            r["Pod"] = s.pod if args.no_trunc else s.pod[:12]
    output.print_rows(rows, fmt, headers=HEADERS, noheading=args.noheading)
    return 0
