"""pypod create / container create"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.container_flags import add_create_flags, create_request, lazy_progress
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = (
    "Creates a new container from the given image or storage and prepares it for running the "
    "specified command.\n\n  The container ID is then printed to stdout. You can then start "
    "it at any time with the pypod start <container_id> command. The container will be "
    "created with the initial state 'created'."
)
USAGE = "[options] IMAGE [COMMAND [ARG...]]"
EXAMPLES = (
    "pypod create alpine ls",
    "pypod create --annotation HELLO=WORLD alpine ls",
    "pypod create -t -i --name myctr alpine ls",
)
INTERMIXED = False  # everything after the image belongs to the container's command


def configure(p: Parser) -> None:
    add_create_flags(p, run=False)


def run(args: Namespace, ctx: Context) -> int:
    req = create_request(args, sys.argv[1:], lazy_progress(args.quiet))
    report = ctx.engine.containers.create(req)
    for warning in report.warnings:
        output.warn(warning)
    output.line(report.id)
    return 0
