"""pypod diff / container diff"""

from __future__ import annotations

import json

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Displays changes on a container's filesystem.  The "
    "container will be compared to its parent layer."
)
USAGE = "[options] CONTAINER"
EXAMPLES = ("pypod container diff myCtr", "pypod container diff -l --format json myCtr")
_KINDS = {"A": "added", "C": "changed", "D": "deleted"}


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("--format", kind="string", default="", help="Change the output format (json)")
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.names) != 1:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.names)}")
    if args.format not in ("", "json"):
        raise InvalidArgument(f"only supported value for '--format' is 'json', not {args.format!r}")
    changes = ctx.engine.containers.diff(args.names[0])
    if args.format == "json":
        # Podman's fixed key order (changed, added, deleted), empty lists left out, five-space
        # indentation
        doc: dict[str, list[str]] = {"changed": [], "added": [], "deleted": []}
        for kind, path in changes:
            doc[_KINDS[kind]].append(path)
        output.line(json.dumps({k: v for k, v in doc.items() if v}, indent=5))
        return 0
    for kind, path in changes:
        output.line(f"{kind} {path}")
    return 0
