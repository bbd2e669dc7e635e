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


def key_values(items: list[str], what: str = "") -> dict[str, str]:
    """ "k=v" (or a bare "k", meaning an empty value) into a dict; the last one wins. An
    empty key fails as Podman's label parser does, `what` prefixing its message."""
    out: dict[str, str] = {}
    for item in items:
        key, _, value = item.partition("=")
        if not key.strip():
            from pypod.format.gotemplate_lex import go_quote

            text = f"invalid label format: {go_quote(item)}"
            raise InvalidArgument(f"{what}: {text}" if what else text)
        out[key] = value
    return out


def run(args: Namespace, ctx: Context) -> int:
    if len(args.name) > 1:
        raise InvalidArgument(f"accepts at most 1 arg(s), received {len(args.name)}")
    labels = key_values(
        [x for spec in args.label for x in spec.split(",") if x], "unable to process labels"
    )
    name = ctx.engine.volumes.create(
        args.name[0] if args.name else "",
        driver=args.driver,
        options=key_values(args.opt, "unable to process options"),
        labels=labels,
        ignore=args.ignore,
    )
    output.line(name)
    return 0
