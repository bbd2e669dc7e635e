"""pypod inspect: for now, images (containers, pods, volumes and networks join later)."""

from __future__ import annotations

import argparse

from pypod.cli.commands.image_inspect import print_docs, raise_errors
from pypod.cli.context import Context
from pypod.cli.parser import Parser
from pypod.errors import InvalidArgument, NotFound, PypodError

DESCRIPTION = "Displays the low-level information on an object identified by name or ID."
USAGE = "[options] {CONTAINER|IMAGE|POD|NETWORK|VOLUME} [...]"
EXAMPLES = (
    "pypod inspect fedora",
    "pypod inspect --type image fedora",
    'pypod inspect --format "imageId: {{.Id}} size: {{.Size}}" fedora',
)
_TYPES = ("all", "container", "image", "network", "pod", "volume")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="json",
        help="Format the output to a Go template or json",
    )
    p.flag("-s", "--size", action="store_true", help="Display total file size")
    p.flag(
        "-t",
        "--type",
        kind="string",
        default="all",
        help='Specify inspect-object type ("image", "container" or "all") (default "all")',
    )
    p.flag("-l", "--latest", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.type not in _TYPES:
        raise InvalidArgument(f"invalid type {args.type!r}: must be one of {', '.join(_TYPES)}")
    if not args.names:
        raise InvalidArgument("no names or ids specified")
    if args.type not in ("all", "image"):
        raise InvalidArgument(f"inspecting a {args.type} is not supported yet")
    reports = ctx.engine.images.inspect(list(args.names))
    docs = [r.data for r in reports if r.data is not None]
    errors = []
    for r in reports:
        if isinstance(r.error, PypodError):
            # the generic inspect names the object, as Podman's does
            errors.append(
                NotFound(f'no such object: "{r.name}"') if args.type == "all" else r.error
            )
    print_docs(docs, args.format)
    raise_errors(errors)
    return 0
