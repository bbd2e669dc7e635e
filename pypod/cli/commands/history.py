"""pypod history / image history"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.images_detail import HistoryEntry
from pypod.errors import InvalidArgument

DESCRIPTION = "Displays the history of an image."
USAGE = "[options] IMAGE"
EXAMPLES = (
    "pypod history quay.io/fedora/fedora",
    "pypod history --format json quay.io/fedora/fedora",
)
_DEFAULT = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
_HEADERS = {"CreatedBy": "CREATED BY", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED"}
_CREATED_BY_WIDTH = 45


def configure(p: Parser) -> None:
    p.add_argument("image", nargs="*", help=SUPPRESS)
    p.flag("--format", kind="string", default="", help="Change the output to JSON or a Go template")
    p.bool_flag(
        "-H", "--human", default=True, help="Display sizes and dates in human readable format"
    )
    p.flag("--no-trunc", action="store_true", help="Do not truncate the output")
    p.flag("--notruncate", dest="no_trunc", action="store_true", help=SUPPRESS)
    p.flag("-q", "--quiet", action="store_true", help="Display the numeric IDs only")


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(e: HistoryEntry, args: Namespace) -> dict[str, Any]:
    from pypod.format.units import human_size, time_ago

    ident = e.id if e.id == "<missing>" or args.no_trunc else e.id[:12]
    created_by = e.created_by
    if not args.no_trunc and len(created_by) > _CREATED_BY_WIDTH:
        created_by = created_by[: _CREATED_BY_WIDTH - 3] + "..."
    created = time_ago(e.created) if args.human else _rfc3339(e.created)
    return {
        "ID": ident,
        "Created": created,
        "CreatedSince": time_ago(e.created),
        "CreatedAt": _rfc3339(e.created),
        "CreatedBy": created_by,
        "Size": human_size(e.size),  # Podman keeps sizes human even with -H=false
        "Comment": e.comment,
        "Tags": list(e.tags),
    }


def _json(e: HistoryEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "created": e.created_text or _rfc3339(e.created),
        "CreatedBy": e.created_by,
        "size": e.size,
        "comment": e.comment,
        "Created": _rfc3339(e.created),
    }


def run(args: Namespace, ctx: Context) -> int:
    if len(args.image) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.image)}")
    entries = ctx.engine.images.history(args.image[0])
    if output.is_json_format(args.format):
        output.line(json.dumps([_json(e) for e in entries], separators=(",", ":")))
        return 0
    if args.quiet:
        for e in entries:
            output.line(e.id if e.id == "<missing>" or args.no_trunc else e.id[:12])
        return 0
    output.print_rows([_row(e, args) for e in entries], args.format or _DEFAULT, headers=_HEADERS)
    return 0
