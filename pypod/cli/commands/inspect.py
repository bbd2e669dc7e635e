"""pypod inspect: containers, images, volumes, networks and pods.

With --type all, each name is looked up as a container, then an image, a volume, a network and
a pod, as Podman does."""

from __future__ import annotations

from typing import Any

from pypod.cli.context import Context
from pypod.cli.inspect_docs import print_docs, raise_errors
from pypod.cli.output import is_json_format
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
    from pypod.cli.commands.container_inspect import views

    if args.latest:  # containers only, as in Podman
        docs = ctx.engine.containers.inspect(names, args.size, latest=True)
        print_docs(views(docs, args.format), args.format)
        return 0
    if not names:
        raise InvalidArgument("no names or ids specified")
    docs: list[Any] = []
    errors: list[PypodError] = []
    template = bool(args.format) and not is_json_format(args.format)
    for name in names:
        doc, err, kind = _one(ctx, name, args.type, args.size)
        if doc is not None:
            docs.append(_template_view(kind, doc) if template else doc)
        elif err is not None:
            errors.append(err)
    print_docs(docs, args.format)
    raise_errors(errors)
    return 0


def _one(ctx: Context, name: str, kind: str, size: bool) -> tuple[Any, PypodError | None, str]:
    """(document, error, which noun it is)."""
    if kind in ("all", "container"):
        from pypod.cli.commands.container_inspect import inspect_containers

        docs, errs = inspect_containers(ctx, [name], size)
        if docs:
            return docs[0], None, "container"
        if kind == "container":
            return None, errs[0], kind
    if kind in ("all", "image"):
        reports = ctx.engine.images.inspect([name])
        if reports and reports[0].data is not None:
            return reports[0].data, None, "image"
        if kind == "image":
            return None, reports[0].error if reports else NotFound(name), kind
    for noun in ("volume", "network", "pod"):
        if kind in ("all", noun):
            try:
                return getattr(ctx.engine, noun + "s").inspect([name])[0], None, noun
            except NotFound as exc:
                if kind == noun:
                    return None, exc, kind
    # the generic inspect names the object, as Podman's does
    return None, NotFound(f'no such object: "{name}"'), kind


def _template_view(kind: str, doc: Any) -> Any:
    """What that noun's own inspect gives its templates (Go time.Time fields and the like)."""
    if kind == "container":
        from pypod.cli.commands.container_inspect import template_view

        return template_view(doc)
    if kind == "image":
        from pypod.cli.commands.image_inspect import template_view as image_view

        return image_view(doc)
    if kind == "volume":
        from pypod.cli.commands.volume_ls import template_view as volume_view

        return volume_view(doc)
    if kind == "network":
        from pypod.cli.commands.network_ls import template_view as network_view

        return network_view(doc, labels_map=True)
    from pypod.format.fields import go_times

    return go_times(doc, "Created")
