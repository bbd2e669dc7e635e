"""pypod volume import"""

from __future__ import annotations

import sys

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = """Import a tarball (optionally compressed) into a volume's contents. Use "-" to
read the tarball from stdin."""
USAGE = "VOLUME [SOURCE]"
EXAMPLES = (
    "pypod volume import myvol test.tar",
    "gunzip -c hello.tar.gz | pypod volume import myvol -",
)


def configure(p: Parser) -> None:
    p.add_argument("args", nargs="*", help=SUPPRESS)


def run(args: Namespace, ctx: Context) -> int:
    if len(args.args) != 2:
        raise InvalidArgument(f"accepts 2 arg(s), received {len(args.args)}")
    name, source = args.args
    if source == "-":
        ctx.engine.volumes.import_(name, sys.stdin.buffer)
        return 0
    try:
        f = open(source, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InvalidArgument(f"unable to read {source}: {exc.strerror}") from exc
    with f:
        ctx.engine.volumes.import_(name, f)
    return 0
