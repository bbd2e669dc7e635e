"""pypod pod clone"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Create an exact copy of a pod and the containers within it."
USAGE = "[options] POD NAME"
EXAMPLES = ("pypod pod clone pod_name", "pypod pod clone --name copy pod_name")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("--name", "-n", kind="string", default="", help="name the new pod")
    p.flag("--destroy", action="store_true", help="destroy the original pod")
    p.flag("--start", action="store_true", help="start the new pod")


def run(args: Namespace, ctx: Context) -> int:
    if not args.names:
        raise InvalidArgument("requires at least 1 arg(s), only received 0")
    new_name = args.name or (args.names[1] if len(args.names) > 1 else "")
    pod_id = ctx.engine.pods.clone(args.names[0], new_name, args.destroy)
    if args.start:
        from pypod.domain.pods import PodTargets

        for r in ctx.engine.pods.start(PodTargets(names=(pod_id,))):
            if r.error is not None:
                raise r.error
    output.line(pod_id)
    return 0
