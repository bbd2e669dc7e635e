"""pypod volume inspect"""

from __future__ import annotations

import json

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument, PypodError, VolumeNotFound

DESCRIPTION = """Display detailed information on one or more volumes.

Use a Go template to change the format from JSON."""
USAGE = "[options] VOLUME [VOLUME...]"
EXAMPLES = (
    "pypod volume inspect myvol",
    "pypod volume inspect --all",
    'pypod volume inspect --format "{{.Driver}} {{.Scope}}" myvol',
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Inspect all volumes")
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="json",
        help='Format volume output using Go template (default "json")',
    )


def run(args: Namespace, ctx: Context) -> int:
    from pypod.cli.commands.volume_ls import template_view
    from pypod.cli.inspect_docs import raise_errors

    if args.all and args.names:
        raise InvalidArgument("provide one or more volume names or use --all")
    if not args.all and not args.names:
        raise InvalidArgument("provide one or more volume names or use --all")
    vols = ctx.engine.volumes
    docs = []
    errors: list[PypodError] = []
    if args.all:
        docs = vols.inspect([], all=True)
    for name in args.names:
        try:
            docs += vols.inspect([name])
        except VolumeNotFound:
            errors.append(VolumeNotFound(f"no such volume {name}"))
    if not args.format or output.is_json_format(args.format):
        # Podman 4.3 indents inspect documents by five spaces
        output.line(json.dumps(docs, indent=5, ensure_ascii=False))
    else:
        output.print_each([template_view(d) for d in docs], args.format)
    raise_errors(errors)
    return 0
