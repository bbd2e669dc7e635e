"""pypod pod ps / pod ls / pod list"""

from __future__ import annotations

from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.domain.pods import PodSummary
from pypod.errors import InvalidArgument

DESCRIPTION = "List all pods on the system."
USAGE = "[options]"
EXAMPLES = ("pypod pod ps", "pypod pod ps --ctr-names --filter status=running")
HEADERS = {
    "Id": "POD ID", "Name": "NAME", "Status": "STATUS", "Labels": "LABELS",
    "NumberOfContainers": "# OF CONTAINERS", "Created": "CREATED", "InfraId": "INFRA ID",
    "ContainerIds": "IDS", "ContainerNames": "NAMES", "ContainerStatuses": "STATUS",
    "Cgroup": "CGROUP", "Namespace": "NAMESPACES", "Networks": "NETWORKS",
}  # fmt: skip
SORT_KEYS = ("created", "id", "name", "number", "status")


def configure(p: Parser) -> None:
    p.flag("--ctr-ids", action="store_true", help="Display the container UUIDs. If no-trunc is "
           "not set they will be truncated")  # fmt: skip
    p.flag("--ctr-names", action="store_true", help="Display the container names")
    p.flag("--ctr-status", action="store_true", help="Display the container status")
    p.flag("-f", "--filter", kind="stringArray", action="append", default=[],
           help="Filter output based on conditions given")  # fmt: skip
    p.flag("--format", kind="string", default="",
           help="Pretty-print pods to JSON or using a Go template")  # fmt: skip
    p.flag("-l", "--latest", action="store_true", help="Act on the latest pod podman is aware of")
    p.flag("--noheading", action="store_true", help="Do not print headers")
    p.flag("--no-trunc", action="store_true", help="Do not truncate pod and container IDs")
    p.flag("--ns", action="store_true", help="Display namespace information of the pod")
    p.flag("-q", "--quiet", action="store_true", help="Print the numeric IDs of the pods only")
    p.flag("--sort", kind="string", default="created",
           help='Sort output by created, id, name, or number (default "created")')  # fmt: skip


def _row(s: PodSummary, trunc: bool) -> dict[str, Any]:
    from pypod.format.units import time_ago

    def short(i: str) -> str:
        return i[:12] if trunc else i

    return {
        "Id": short(s.id), "Name": s.name, "Status": s.status, "Created": time_ago(s.created),
        "InfraId": short(s.infra_id), "InfraID": short(s.infra_id), "Labels": s.labels,
        "NumberOfContainers": len(s.containers), "Networks": ",".join(s.networks),
        "ContainerIds": ",".join(short(c) for c, _, _ in s.containers),
        "ContainerNames": ",".join(n for _, n, _ in s.containers),
        "ContainerStatuses": ",".join(st for _, _, st in s.containers),
        "Cgroup": s.cgroup_parent, "Namespace": "",
    }  # fmt: skip


def _json(s: PodSummary) -> dict[str, Any]:
    """Podman 4.3's ListPodsReport, in its key order."""
    import datetime

    from pypod.format.gojson import rfc3339

    created = rfc3339(datetime.datetime.fromtimestamp(s.created).astimezone())
    return {
        "Cgroup": s.cgroup_parent,
        "Containers": [{"Id": c, "Names": n, "Status": st} for c, n, st in s.containers],
        "Created": created, "Id": s.id, "InfraId": s.infra_id, "Name": s.name,
        "Namespace": "", "Networks": list(s.networks), "Status": s.status, "Labels": s.labels,
    }  # fmt: skip


def _json_text(docs: list[dict[str, Any]]) -> str:
    """Two-space indent, and an empty Labels map printed as Podman's encoder does: an empty
    line between the braces."""
    import json

    text = json.dumps(docs, indent=2, ensure_ascii=False)
    return text.replace('"Labels": {}', '"Labels": {\n      \n    }')


def _default_format(args: Namespace) -> str:
    cols = ["{{.Id}}", "{{.Name}}", "{{.Status}}", "{{.Created}}", "{{.InfraId}}"]
    if args.ctr_ids:
        cols.append("{{.ContainerIds}}")
    if args.ctr_names:
        cols.append("{{.ContainerNames}}")
    if args.ctr_status:
        cols.append("{{.ContainerStatuses}}")
    if args.ns:
        cols += ["{{.Cgroup}}", "{{.Namespace}}"]
    if not (args.ctr_ids or args.ctr_names or args.ctr_status):
        cols.append("{{.NumberOfContainers}}")
    return "table " + "\t".join(cols)


def _sorted(pods: list[PodSummary], key: str) -> list[PodSummary]:
    if key not in SORT_KEYS:
        raise InvalidArgument("invalid option for --sort, options are: id, names, or number")
    keys = {
        "created": lambda s: -s.created, "id": lambda s: s.id, "name": lambda s: s.name,
        "number": lambda s: len(s.containers), "status": lambda s: s.status,
    }  # fmt: skip
    return sorted(pods, key=keys[key])


def run(args: Namespace, ctx: Context) -> int:
    if args.quiet and args.format:
        raise InvalidArgument("quiet and format cannot be used together")
    pods = _sorted(ctx.engine.pods.list(list(args.filter)), args.sort)
    if args.latest:
        pods = sorted(pods, key=lambda s: -s.created)[:1]
    trunc = not args.no_trunc
    if args.quiet:
        for s in pods:
            output.line(s.id)  # full ids, --no-trunc or not (Podman 4.3)
    elif output.is_json_format(args.format):
        output.line(_json_text([_json(s) for s in pods]))
    else:
        from pypod.format.fields import go_view

        fmt = args.format or _default_format(args)
        rows = [go_view(_row(s, trunc)) for s in pods]
        output.print_rows(rows, fmt, headers=HEADERS, noheading=args.noheading)
    return 0
