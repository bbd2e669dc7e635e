"""pypod container clone"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.commands.update import add_resource_flags, resource_fields
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import CloneRequest, UpdateRequest
from pypod.errors import InvalidArgument

DESCRIPTION = "Creates a copy of an existing container."
USAGE = "[options] CONTAINER NAME IMAGE"
EXAMPLES = (
    "pypod container clone --name=clone1 ctrID",
    "pypod container clone --destroy --cpus=5 ctrID",
    "pypod container clone ctrID newName newImage",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.bool_flag("--destroy", help="destroy the original container")
    p.flag("--name", kind="string", default="", help="Assign a name to the container")
    p.bool_flag("--run", help="run the new container")
    add_resource_flags(p)


def run(args: Namespace, ctx: Context) -> int:
    if not 1 <= len(args.args) <= 3:
        raise InvalidArgument(
            f"requires at least 1 and at most 3 arg(s), only received {len(args.args)}"
        )
    fields = resource_fields(args)
    resources = UpdateRequest(**fields) if any(v is not None for v in fields.values()) else None
    new_id = ctx.engine.containers.clone(
        CloneRequest(
            name=args.args[0],
            new_name=args.name or (args.args[1] if len(args.args) > 1 else ""),
            image=args.args[2] if len(args.args) > 2 else "",
            destroy=bool(args.destroy),
            run=bool(args.run),
            resources=resources,
        )
    )
    output.line(new_id)
    return 0
