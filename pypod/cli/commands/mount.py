"""pypod mount / container mount"""

from __future__ import annotations

import json

from pypod.cli import output
from pypod.cli.container_reports import raise_errors
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser

DESCRIPTION = (
    "podman mount\n  Lists all mounted containers mount points "
    "if no container is specified\n\n  podman mount "
    "CONTAINER-NAME-OR-ID\n  Mounts the specified container and "
    "outputs the mountpoint"
)
USAGE = "[options] [CONTAINER...]"
EXAMPLES = ("pypod mount", "pypod mount ctrID")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Mount all containers")
    p.flag(
        "--format",
        kind="string",
        default="",
        help=("Print the mounted containers in specified format (json)"),
    )
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )
    p.flag("--no-trunc", action="store_true", help="Do not truncate output")


def run(args: Namespace, ctx: Context) -> int:
    names = list(args.names)
    if args.all:
        names = [s.id for s in ctx.engine.containers.list(_all())]
    reports = ctx.engine.containers.mount(names)
    errors = [r.error for r in reports if r.error is not None]
    ok = [r for r in reports if r.error is None]
    if args.format == "json":
        output.line(
            json.dumps(
                [{"id": r.id, "names": [r.name], "mountpoint": r.path} for r in ok], indent=4
            )
        )
    elif names:
        for r in ok:
            output.line(r.path)
    else:
        for r in ok:
            output.line(f"{r.id if args.no_trunc else r.id[:12]} {r.path}")
    raise_errors(errors)
    return 0


def _all() -> object:
    from pypod.domain.containers_ops import ListRequest

    return ListRequest(all=True)
