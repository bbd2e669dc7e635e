"""pypod pod inspect"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Display the configuration for a pod by name or id."
USAGE = "[options] POD [POD...]"
EXAMPLES = ("pypod pod inspect podID",)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-f", "--format", kind="string", default="",
           help="Format the output to a Go template or json")  # fmt: skip
    p.flag("-l", "--latest", action="store_true", help="Act on the latest pod podman is aware of")


def run(args: Namespace, ctx: Context) -> int:
    names = list(args.names)
    if args.latest:
        pods = ctx.engine.pods.list([])
        if not pods:
            raise InvalidArgument("no pods to inspect")
        names = [max(pods, key=lambda s: s.created).id]
    if not names:
        raise InvalidArgument("you must provide the name or id of a running pod")
    docs = ctx.engine.pods.inspect(names)
    if args.format and not output.is_json_format(args.format):
        from pypod.format.fields import go_view

        output.print_each([go_view(d) for d in docs], args.format)
    else:
        # Podman 4.3 prints one object for one pod
        output.print_json(docs[0] if len(docs) == 1 else docs)
    return 0
