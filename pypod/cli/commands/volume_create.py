"""pypod volume create"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """If using the default driver, "local", the volume will be created on the host in
the volumes directory under pypod's storage (graph root)."""
USAGE = "[options] [NAME]"
EXAMPLES = (
    "pypod volume create myvol",
    "pypod volume create",
    "pypod volume create --label foo=bar myvol",
    "pypod volume create -o type=tmpfs -o device=tmpfs -o o=size=16m tmpvol",
)


def configure(p: Parser) -> None:
    p.add_argument("name", nargs="*", help=SUPPRESS)
    p.flag("-d", "--driver", kind="string", default="local", help="Specify volume driver name")
    p.flag(
        "--ignore",
        action="store_true",
        help="Don't fail if volume already exists",
    )
    p.flag(
        "-l",
        "--label",
        kind="strings",
        action="append",
        default=[],
        help="Set metadata for a volume (default [])",
    )
    p.flag(
        "-o",
        "--opt",
        kind="stringArray",
        action="append",
        default=[],
        help="Set driver specific options (default [])",
    )


def key_values(items: list[str]) -> dict[str, str]:
    """ "k=v" (or a bare "k", meaning an empty value) into a dict; the last one wins."""
    out: dict[str, str] = {}
    for item in items:
        key, _, value = item.partition("=")
        if not key:
            raise InvalidArgument(f"invalid key=value {item!r}: empty key")
        out[key] = value
    return out


def run(args: Namespace, ctx: Context) -> int:
    if len(args.name) > 1:
        raise InvalidArgument("too many arguments, create takes at most 1 argument")
    labels = key_values([x for spec in args.label for x in spec.split(",") if x])
    name = ctx.engine.volumes.create(
        args.name[0] if args.name else "",
        driver=args.driver,
        options=key_values(args.opt),
        labels=labels,
        ignore=args.ignore,
    )
    output.line(name)
    return 0
