"""pypod network inspect"""

from __future__ import annotations

import json

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument, NetworkNotFound, PypodError

DESCRIPTION = """Display the network configuration for one or more networks.

Use a Go template to change the format from JSON."""
USAGE = "[options] NETWORK [NETWORK...]"
EXAMPLES = ("pypod network inspect podman", 'pypod network inspect -f "{{.Driver}}" podman')


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag(
        "-f",
        "--format",
        kind="string",
        default="json",
        help="Pretty-print network to JSON or using a Go template",
    )


def run(args: Namespace, ctx: Context) -> int:
    from pypod.cli.commands.network_ls import template_view
    from pypod.cli.inspect_docs import raise_errors

    if not args.names:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    docs = []
    errors: list[PypodError] = []
    for name in args.names:
        try:
            docs += ctx.engine.networks.inspect([name])
        except NetworkNotFound as exc:
            errors.append(NetworkNotFound(f"network {name}: {exc.message}"))
    if not args.format or output.is_json_format(args.format):
        # Podman 4.3 indents inspect documents by five spaces
        output.line(json.dumps(docs, indent=5, ensure_ascii=False))
    else:
        output.print_each([template_view(d, labels_map=True) for d in docs], args.format)
    raise_errors(errors)
    return 0
