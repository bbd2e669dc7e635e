"""pypod port / container port"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser

DESCRIPTION = (
    "List port mappings for the CONTAINER, or look up the "
    "public-facing port that is NAT-ed to the PRIVATE_PORT"
)
USAGE = "[options] CONTAINER [PORT]"
EXAMPLES = ("pypod port --all", "pypod port ctrID 80/tcp")


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)
    p.flag("-a", "--all", action="store_true", help="Display port information for all containers")
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def run(args: Namespace, ctx: Context) -> int:
    name = args.args[0] if args.args else None
    for r in ctx.engine.containers.port(name, all=args.all):
        for p in r.ports:
            output.line(f"{p['container_port']}/{p['protocol']} -> {p['host_ip']}:{p['host_port']}")
    return 0
