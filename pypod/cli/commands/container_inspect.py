"""pypod container inspect"""

from __future__ import annotations

from typing import Any

from pypod.cli.context import Context
from pypod.cli.inspect_docs import print_docs, raise_errors
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import ContainerNotFound, InvalidArgument, PypodError

DESCRIPTION = "Displays the configuration of a container."
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = (
    "pypod container inspect myCtr",
    'pypod container inspect -l --format "{{.Id}} {{.Config.Labels}}"',
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="json",
        help="Format the output to a Go template or json",
    )
    p.flag(
        "-l", "--latest", action="store_true", help="Act on the latest container podman is aware of"
    )
    p.flag("-s", "--size", action="store_true", help="Display total file size")


def template_view(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as Podman's templates see its Go struct: the times are time.Time
    (`{{.State.StartedAt}}` prints "2026-11-26 23:23:17.299886942 +0000 UTC")."""
    from pypod.format.fields import go_times

    return go_times(doc, "Created", "State.StartedAt", "State.FinishedAt",
                    "State.CheckpointedAt", "State.RestoredAt")  # fmt: skip


def views(docs: list[dict[str, Any]], fmt: str) -> list[Any]:
    """docs ready for print_docs: template views when fmt is a template."""
    from pypod.cli.output import is_json_format

    return docs if not fmt or is_json_format(fmt) else [template_view(d) for d in docs]


def inspect_containers(
    ctx: Context, names: list[str], size: bool
) -> tuple[list[dict[str, Any]], list[PypodError]]:
    """Documents for the names that exist; `no such container NAME` for the others."""
    docs, errors = [], []
    for name in names:
        try:
            docs += ctx.engine.containers.inspect([name], size)
        except ContainerNotFound:
            errors.append(ContainerNotFound(f"no such container {name}"))
    return docs, errors


def run(args: Namespace, ctx: Context) -> int:
    if args.latest:
        docs = ctx.engine.containers.inspect(list(args.names), args.size, latest=True)
        print_docs(views(docs, args.format), args.format)
        return 0
    names = list(args.names)
    if not names:
        raise InvalidArgument("no names or ids specified")
    docs, errors = inspect_containers(ctx, names, args.size)
    print_docs(views(docs, args.format), args.format)
    raise_errors(errors)
    return 0
