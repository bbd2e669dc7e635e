"""pypod system reset"""

from __future__ import annotations

import argparse
import sys

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import Parser

DESCRIPTION = "Reset pypod storage back to default state. All images and layers will be removed."


def configure(p: Parser) -> None:
    p.flag("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def run(args: argparse.Namespace, ctx: Context) -> int:
    if not args.force:
        output.write(
            "WARNING! This will remove:\n        - all images\n        - all build cache\n"
            "Are you sure you want to continue? [y/N] "
        )
        sys.stdout.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            return 0
    ctx.engine.system.reset()
    return 0
