"""pypod attach / container attach"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_start import AttachRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "The pypod attach command allows you to attach to a running container using the "
    "container's ID or name, either to view its ongoing output or to control it interactively."
)
USAGE = "[options] CONTAINER"
EXAMPLES = (
    "pypod attach ctrID",
    "pypod attach 1234",
    "pypod attach --no-stdin foobar",
)


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("--detach-keys", kind="[a-Z]", default=None,
           help="Select the key sequence for detaching a container")  # fmt: skip
    p.flag("-l", "--latest", action="store_true", help="Act on the latest container")
    p.flag("--no-stdin", action="store_true", help="Do not attach STDIN. The default is false")
    p.bool_flag("--sig-proxy", help="Proxy received signals to the process (default true)",
                default=True)  # fmt: skip


def run(args: Namespace, ctx: Context) -> int:
    names = list(args.names)
    if len(names) > 1:
        raise InvalidArgument("attach requires the name or id of one running container or "
                              "the latest flag")  # fmt: skip
    report = ctx.engine.containers.attach(
        AttachRequest(
            name=names[0] if names else "",
            latest=args.latest,
            no_stdin=args.no_stdin,
            detach_keys=args.detach_keys,
            sig_proxy=args.sig_proxy,
        )
    )
    return 0 if report.exit_code is None else report.exit_code
