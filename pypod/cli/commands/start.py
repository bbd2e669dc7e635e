"""pypod start / container start"""

from __future__ import annotations

import sys

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_start import StartRequest
from pypod.errors import InvalidArgument, PypodError

DESCRIPTION = "Starts one or more containers.  The container name or ID can be used."
USAGE = "[options] CONTAINER [CONTAINER...]"
EXAMPLES = (
    "pypod start 860a4b231279 5421ab43b45",
    "pypod start --interactive --attach imageID",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-a", "--attach", action="store_true", help="Attach container's STDOUT and STDERR")
    p.flag("--all", action="store_true", help="Start all containers regardless of their state")
    p.flag("--detach-keys", kind="[a-Z]", default=None,
           help="Select the key sequence for detaching a container")  # fmt: skip
    p.flag("-f", "--filter", kind="stringSlice", action="append", default=[],
           help="Filter output based on conditions given")  # fmt: skip
    p.flag("-i", "--interactive", action="store_true", help="Make STDIN available to the "
           "contained process")  # fmt: skip
    p.flag("-l", "--latest", action="store_true", help="Act on the latest container")
    p.bool_flag("--sig-proxy", help="Proxy received signals to the process (default true if "
                "attaching, false otherwise)")  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    names = tuple(args.names)
    if not names and not args.all and not args.latest:
        raise InvalidArgument("start requires at least one argument")
    if args.sig_proxy and not (args.attach or args.interactive):
        raise InvalidArgument("you cannot use sig-proxy without --attach")
    reports = ctx.engine.containers.start(
        StartRequest(
            names=names,
            all=args.all,
            latest=args.latest,
            attach=args.attach,
            interactive=args.interactive,
            detach_keys=args.detach_keys,
            sig_proxy=args.sig_proxy,
            filters=tuple(args.filter),
        )
    )
    errors: list[PypodError] = []
    for r in reports:
        if r.error is not None:
            errors.append(r.error if isinstance(r.error, PypodError) else PypodError(str(r.error)))
        elif r.exit_code is not None:
            return r.exit_code
        elif not r.detached:
            output.line(r.name)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        for e in errors[:-1]:
            sys.stderr.write(f"Error: {e.message}\n")
        raise errors[-1]
    return 0
