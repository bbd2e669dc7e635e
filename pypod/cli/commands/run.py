"""pypod run / container run"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.container_flags import add_create_flags, lazy_progress, run_request
from pypod.cli.context import Context
from pypod.cli.parser import Namespace, Parser

DESCRIPTION = "Runs a command in a new container from the given image"
USAGE = "[options] IMAGE [COMMAND [ARG...]]"
EXAMPLES = (
    "pypod run imageID ls -alF /etc",
    "pypod run --network=host imageID dnf -y install java",
    "pypod run --volume /var/hostdir:/var/ctrdir -i -t fedora /bin/bash",
)
INTERMIXED = False  # everything after the image belongs to the container's command


def configure(p: Parser) -> None:
    add_create_flags(p, run=True)


def run(args: Namespace, ctx: Context) -> int:
    req = run_request(args, sys.argv[1:], lazy_progress(args.quiet))
    report = ctx.engine.containers.run(req)
    for warning in report.warnings:
        output.warn(warning)
    if req.detach:
        output.line(report.id)
    return report.exit_code
