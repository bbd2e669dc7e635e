"""pypod exec / container exec"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import REMAINDER, SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import ExecRequest
from pypod.errors import InvalidArgument

DESCRIPTION = "Execute the specified command inside a running container."
USAGE = "[options] CONTAINER [COMMAND [ARG...]]"
EXAMPLES = (
    "pypod exec -it ctrID ls",
    "pypod exec -it -w /tmp myCtr pwd",
    "pypod exec --user root ctrID ls",
)
INTERMIXED = False  # everything after the container belongs to the command


def configure(p: Parser) -> None:
    p.add_argument("args", nargs=REMAINDER, help=SUPPRESS)
    p.flag(
        "-d",
        "--detach",
        action="store_true",
        help=("Run the exec session in detached mode (backgrounded)"),
    )
    p.flag(
        "--detach-keys",
        kind="string",
        default=None,
        help=(
            "Select the key sequence for detaching a container. Format "
            "is a single character [a-Z] or ctrl-<value> where <value> "
            "is one of: a-z, @, ^, [, , or _"
        ),
    )
    p.flag(
        "-e",
        "--env",
        kind="stringArray",
        action="append",
        default=[],
        help="Set environment variables",
    )
    p.flag(
        "--env-file",
        kind="stringArray",
        action="append",
        default=[],
        help="Read in a file of environment variables",
    )
    p.flag("-i", "--interactive", action="store_true", help="Keep STDIN open even if not attached")
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )
    p.flag(
        "--preserve-fds",
        kind="uint",
        type=int,
        default=0,
        help=("Pass N additional file descriptors to the container"),
    )
    p.flag(
        "--privileged",
        action="store_true",
        help=(
            "Give the process extended Linux capabilities inside the "
            "container.  The default is false"
        ),
    )
    p.flag("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY. The default is false")
    p.flag(
        "-u",
        "--user",
        kind="string",
        default="",
        help=(
            "Sets the username or UID used and optionally the groupname "
            "or GID for the specified command"
        ),
    )
    p.flag(
        "-w", "--workdir", kind="string", default="", help="Working directory inside the container"
    )


def run(args: Namespace, ctx: Context) -> int:
    rest = list(args.args)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    name = ""
    if not args.latest:
        if not rest:
            raise InvalidArgument(
                "exec requires the name or ID of a container or the --latest flag"
            )
        name, rest = rest[0], rest[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if not rest:
        raise InvalidArgument("must provide a non-empty command to start an exec session")
    req = ExecRequest(
        name=name,
        command=tuple(rest),
        latest=args.latest,
        interactive=args.interactive,
        tty=args.tty,
        detach=args.detach,
        env=tuple(args.env),
        env_files=tuple(args.env_file),
        user=args.user,
        workdir=args.workdir,
        privileged=args.privileged,
        detach_keys=args.detach_keys,
        preserve_fds=args.preserve_fds,
    )
    report = ctx.engine.containers.exec(req)
    if args.detach:
        output.line(report.session_id)
        return 0
    return report.exit_code
