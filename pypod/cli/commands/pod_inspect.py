"""pypod pod inspect"""

from __future__ import annotations

from typing import Any

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
    from pypod.domain.pods import inspect_json
    from pypod.errors import NotFound

    names = list(args.names)
    if args.latest:
        newest = ctx.engine.pods.latest()
        if newest is None:
            raise InvalidArgument("no pods to inspect")
        names = [newest]
    if not names:
        raise InvalidArgument("no names or ids specified")
    docs: list[dict[str, Any]] = []
    missing = ""
    for name in names:
        try:
            docs.extend(ctx.engine.pods.inspect([name]))
        except NotFound:
            missing = missing or name
    if args.format and not output.is_json_format(args.format):
        from pypod.format.fields import go_times, go_view

        output.print_each([go_view(go_times(d, "Created")) for d in docs], args.format)
    else:
        # Podman 4.3 prints one object for one pod, with MarshalIndent's five spaces
        shown = [inspect_json(d) for d in docs]
        output.print_json(shown[0] if len(shown) == 1 else shown, indent=5)
    if missing:
        raise NotFound(f"inspecting object: no such pod {missing}")
    return 0
