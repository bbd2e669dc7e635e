"""pypod system df"""

from __future__ import annotations

import time
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "\n\tpypod system df\n\n\tShow pypod disk usage\n\t"
USAGE = "[options]"
EXAMPLES = ()

SUMMARY = "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
IMAGES = ("table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}"
          "\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")  # fmt: skip
CONTAINERS = ("table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}"
              "\t{{.Size}}\t{{.Created}}\t{{.Status}}\t{{.Names}}")  # fmt: skip
VOLUMES = "table {{.VolumeName}}\t{{.Links}}\t{{.Size}}"
HEADERS = {"ImageID": "IMAGE ID", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
           "ContainerID": "CONTAINER ID", "LocalVolumes": "LOCAL VOLUMES",
           "VolumeName": "VOLUME NAME"}  # fmt: skip


def configure(p: Parser) -> None:
    p.flag("--format", kind="string", default="", help="Pretty-print images using a Go template")
    p.flag("-v", "--verbose", action="store_true",
           help="Show detailed information on disk usage")  # fmt: skip


def size_text(n: int) -> str:
    from pypod.format.units import go_units_size

    return go_units_size(n, 4)


def _summary_row(kind: str, total: int, active: int, size: int, reclaimable: int) -> dict[str, Any]:
    percent = round(reclaimable * 100 / size) if size else 0
    return {
        "Type": kind, "Total": total, "Active": active, "RawSize": size,
        "RawReclaimable": reclaimable, "TotalCount": total, "Size": size_text(size),
        "Reclaimable": f"{size_text(reclaimable)} ({percent}%)",
    }  # fmt: skip


def summary(report: Any) -> list[dict[str, Any]]:
    """Podman's three rows: images, containers, local volumes."""
    images = {i.image_id: i for i in report.images}.values()  # an image once, not per tag
    ctrs, vols = report.containers, report.volumes
    return [
        _summary_row("Images", len(images), sum(1 for i in images if i.containers),
                     sum(i.size for i in images),
                     sum(i.size for i in images if not i.containers)),
        _summary_row("Containers", len(ctrs), sum(1 for c in ctrs if c.running),
                     sum(c.size for c in ctrs), sum(c.size for c in ctrs if not c.running)),
        _summary_row("Local Volumes", len(vols), sum(1 for v in vols if v.links),
                     sum(v.size for v in vols), sum(v.reclaimable for v in vols)),
    ]  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    if args.verbose and args.format:
        raise InvalidArgument("cannot combine --format and --verbose flags")
    report = ctx.engine.system.df(verbose=args.verbose)
    if args.verbose:
        _verbose(report)
        return 0
    rows = summary(report)
    if output.is_json_format(args.format):
        output.print_json(rows)
        return 0
    from pypod.format.fields import go_view

    fmt = args.format or SUMMARY
    output.print_rows([go_view(r) for r in rows], fmt)
    return 0


def _verbose(report: Any) -> None:
    from pypod.format.fields import go_view
    from pypod.format.units import human_duration

    now = time.time()
    images = [
        {"Repository": i.repository, "Tag": i.tag, "ImageID": i.image_id[:12],
         "Created": human_duration(now - i.created), "Size": size_text(i.size),
         "SharedSize": size_text(i.shared_size), "UniqueSize": size_text(i.unique_size),
         "Containers": i.containers}
        for i in report.images
    ]  # fmt: skip
    ctrs = [
        {"ContainerID": c.id[:12], "Image": c.image[:12], "Command": c.command,
         "LocalVolumes": c.local_volumes, "Size": size_text(c.size),
         "Created": human_duration(now - c.created), "Status": c.status, "Names": c.names}
        for c in report.containers
    ]  # fmt: skip
    vols = [{"VolumeName": v.name, "Links": v.links, "Size": size_text(v.size)}
            for v in report.volumes]  # fmt: skip
    for title, rows, fmt in (("Images", images, IMAGES), ("Containers", ctrs, CONTAINERS),
                             ("Local Volumes", vols, VOLUMES)):  # fmt: skip
        if title != "Images":
            output.line()
        output.line(f"{title} space usage:\n")
        output.print_rows([go_view(r) for r in rows], fmt, headers=HEADERS)
