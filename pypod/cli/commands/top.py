"""pypod top / container top"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import REMAINDER, SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Display the running processes of a container.\n\n"
    "Format descriptors choose the columns: ps(1)'s AIX descriptors and container-specific "
    "ones, listed below. Any other arguments are taken as ps(1) options, and ps(1) then runs "
    "inside the container with them.\n\n"
    "Format Descriptors:\n"
    "  args,capamb,capbnd,capeff,capinh,capprm,comm,etime,group,groups,hgroup,hgroups,hpid,"
    "huser,label,nice,pcpu,pgid,pid,ppid,rgroup,rss,ruser,seccomp,state,stime,time,tty,user,vsz"
)
USAGE = "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]"
EXAMPLES = (
    "pypod top ctrID",
    "pypod top --latest",
    "pypod top ctrID pid seccomp args %C",
    "pypod top ctrID -eo user,pid,comm",
)
INTERMIXED = False  # after the container, everything is a descriptor or a ps(1) option


def configure(p: Parser) -> None:
    p.add_argument("args", nargs=REMAINDER, help=SUPPRESS)
    p.flag(
        "-l",
        "--latest",
        action="store_true",
        help=("Act on the latest container podman is aware of"),
    )


def run(args: Namespace, ctx: Context) -> int:
    rest = list(args.args)
    if args.latest:
        rows = ctx.engine.containers.top("", rest, latest=True)
    elif not rest:
        raise InvalidArgument("you must provide the name or id of a running container")
    else:
        rows = ctx.engine.containers.top(rest[0], rest[1:])
    if not rows:
        return 0
    output.print_rows(
        rows,
        "table " + "\t".join(f"{{{{index . {i}}}}}" for i in range(len(rows[0]))),
        noheading=True,
    )
    return 0
