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
        print_docs(ctx.engine.containers.inspect(list(args.names), args.size, latest=True),
                   args.format)  # fmt: skip
        return 0
    names = list(args.names)
    if not names:
        raise InvalidArgument("no names or ids specified")
    docs, errors = inspect_containers(ctx, names, args.size)
    print_docs(docs, args.format)
    raise_errors(errors)
    return 0
