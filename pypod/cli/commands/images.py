"""pypod images / image ls / image list"""

from __future__ import annotations

import time

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_list import ImageRow, ImageSummary, ListRequest

TYPE_CHECKING = False  # no typing on `images`' start-up path
if TYPE_CHECKING:
    from typing import Any

DESCRIPTION = "Lists images previously pulled to the system or created on the system."
USAGE = "[options] [IMAGE]"
EXAMPLES = (
    "pypod images --format json",
    'pypod images --sort repository --format "table {{.ID}} {{.Repository}} {{.Tag}}"',
    "pypod images --filter dangling=true",
)
HEADERS = {
    "ID": "IMAGE ID",
    "CreatedAt": "CREATED AT",
    "CreatedSince": "CREATED",
    "ReadOnly": "R/O",
    "IsReadOnly": "R/O",
}


def configure(p: Parser) -> None:
    p.add_argument("image", nargs="?", help=SUPPRESS)
    p.flag(
        "-a",
        "--all",
        action="store_true",
        help="Show all images (default hides intermediate images)",
    )
    p.flag("--digests", action="store_true", help="Show digests")
    p.flag(
        "-f",
        "--filter",
        kind="stringSlice",
        action="append",
        default=[],
        help="Filter output based on conditions provided (default [])",
    )
    p.flag(
        "--format",
        kind="string",
        default="",
        help="Change the output format to JSON or a Go template",
    )
    p.flag("--history", action="store_true", help="Display the image name history")
    p.flag("--no-trunc", action="store_true", help="Do not truncate output")
    p.flag("-n", "--noheading", action="store_true", help="Do not print column headings")
    p.flag("-q", "--quiet", action="store_true", help="Display only image IDs")
    p.flag(
        "--sort",
        kind="string",
        default="created",
        help='Sort by created, id, repository, size, tag (default "created")',
    )


def _utc(ts: float, fmt: str) -> str:
    # time.gmtime, not datetime: the same text without importing datetime on every `images`
    return time.strftime(fmt, time.gmtime(ts))


def _go_time(ts: float) -> str:
    return _utc(ts, "%Y-%m-%d %H:%M:%S +0000 UTC")


def _json_doc(s: ImageSummary) -> dict[str, Any]:
    """Podman's document: RepoTags is always null (the names are in Names), and ReadOnly,
    Dangling, Names, Digest and History appear only when set."""
    doc: dict[str, Any] = {
        "Id": s.id,
        "ParentId": s.parent_id,
        "RepoTags": None,
        "RepoDigests": list(s.repo_digests),
        "Size": s.size,
        "SharedSize": s.shared_size,
        "VirtualSize": s.virtual_size,
        "Labels": s.labels or None,
        "Containers": s.containers,
    }
    optional = (
        ("ReadOnly", s.read_only),
        ("Dangling", s.dangling),
        ("Names", list(s.repo_tags)),
        ("Digest", s.digest),
        ("History", list(s.names_history)),
    )
    doc.update((key, value) for key, value in optional if value)
    doc["Created"] = int(s.created)
    doc["CreatedAt"] = _utc(s.created, "%Y-%m-%dT%H:%M:%SZ")
    return doc


def _row(r: ImageRow, no_trunc: bool) -> dict[str, Any]:
    from pypod.format.units import human_size, time_ago

    s = r.image
    since = time_ago(s.created)
    return {
        "Repository": r.repository,
        "Tag": r.tag,
        "ID": f"sha256:{s.id}" if no_trunc else s.id[:12],
        "Id": s.id,
        "Digest": r.digest,
        "Created": since,
        "CreatedSince": since,
        "CreatedAt": _go_time(s.created),
        "CreatedTime": _go_time(s.created),
        "Size": human_size(s.size),
        "VirtualSize": s.virtual_size,
        "SharedSize": s.shared_size,
        "ReadOnly": s.read_only,
        "IsReadOnly": s.read_only,
        "Dangling": s.dangling,
        "Names": list(s.repo_tags),
        "Labels": s.labels,
        "Containers": s.containers,
        "History": ", ".join(s.names_history),
        "ParentId": s.parent_id,
    }


def _default_format(args: Namespace) -> str:
    cols = ["{{.Repository}}", "{{.Tag}}"]
    if args.digests:
        cols.append("{{.Digest}}")
    cols += ["{{.ID}}", "{{.Created}}", "{{.Size}}"]
    if args.history:
        cols.append("{{.History}}")
    return "table " + "\t".join(cols)


def _plain(args: Namespace) -> bool:
    """`images` with no flag at all: the default table, which the engine keeps cached."""
    return not (
        args.image or args.all or args.digests or args.filter or args.format or args.history
        or args.no_trunc or args.noheading or args.quiet or args.sort != "created"
    )  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    if _plain(args):
        from pypod.cli.images_table import render

        output.write(render(ctx.engine.images.table()))
        return 0
    filters = [f for spec in args.filter for f in spec.split(",") if f] if args.filter else []
    if args.image:
        filters.append(f"reference={args.image}")
    req = ListRequest(all=args.all, filters=tuple(filters), sort=args.sort)
    rows = ctx.engine.images.rows(req)
    if output.is_json_format(args.format):  # as Podman: one entry per name, in table order
        output.print_json([_json_doc(r.image) for r in rows])
        return 0
    if args.quiet:
        seen: list[str] = []
        for r in rows:
            ident = f"sha256:{r.image.id}" if args.no_trunc else r.image.id[:12]
            if ident not in seen:
                seen.append(ident)
        for ident in seen:
            output.line(ident)
        return 0
    fmt = args.format or _default_format(args)
    output.print_rows(
        [_row(r, args.no_trunc) for r in rows], fmt, headers=HEADERS, noheading=args.noheading
    )
    return 0
