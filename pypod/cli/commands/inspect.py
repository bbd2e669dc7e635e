"""pypod inspect: containers, images, volumes, networks and pods.

With --type all, each name is looked up as a container, then an image, a volume, a network and
a pod, as Podman does."""

from __future__ import annotations

from typing import Any

from pypod.cli.context import Context
from pypod.cli.inspect_docs import print_docs, raise_errors
from pypod.cli.parser import SUPPRESS, Namespace, Parser
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
    p.add_argument("names", nargs="*", help=SUPPRESS)
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
        help='Specify inspect-object type ("image", "container", "volume", "network", "pod" '
        'or "all") (default "all")',
    )
    p.flag("-l", "--latest", action="store_true", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if args.type not in _TYPES:
        raise InvalidArgument(f"invalid type {args.type!r}: must be one of {', '.join(_TYPES)}")
    names = list(args.names)
    if args.latest:  # containers only, as in Podman
        print_docs(ctx.engine.containers.inspect(names, args.size, latest=True), args.format)
        return 0
    if not names:
        raise InvalidArgument("no names or ids specified")
    docs: list[Any] = []
    errors: list[PypodError] = []
    for name in names:
        doc, err = _one(ctx, name, args.type, args.size)
        if doc is not None:
            docs.append(doc)
        elif err is not None:
            errors.append(err)
    print_docs(docs, args.format)
    raise_errors(errors)
    return 0


def _one(ctx: Context, name: str, kind: str, size: bool) -> tuple[Any, PypodError | None]:
    if kind in ("all", "container"):
        from pypod.cli.commands.container_inspect import inspect_containers

        docs, errs = inspect_containers(ctx, [name], size)
        if docs:
            return docs[0], None
        if kind == "container":
            return None, errs[0]
    if kind in ("all", "image"):
        reports = ctx.engine.images.inspect([name])
        if reports and reports[0].data is not None:
            return reports[0].data, None
        if kind == "image":
            return None, reports[0].error if reports else NotFound(name)
    for noun in ("volume", "network", "pod"):
        if kind in ("all", noun):
            try:
                return getattr(ctx.engine, noun + "s").inspect([name])[0], None
            except NotFound as exc:
                if kind == noun:
                    return None, exc
    # the generic inspect names the object, as Podman's does
    return None, NotFound(f'no such object: "{name}"')
