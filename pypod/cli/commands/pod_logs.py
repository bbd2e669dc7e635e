"""pypod pod logs"""

from __future__ import annotations

from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.errors import InvalidArgument

DESCRIPTION = "Fetch the logs of the containers of a pod (all of them, or --container)."
USAGE = "[options] POD"
EXAMPLES = ("pypod pod logs mypod", "pypod pod logs -c ctrname -f mypod")


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    p.flag("-c", "--container", kind="string", default="",
           help="Filter logs by container name or id which belongs to pod")  # fmt: skip
    p.flag("-f", "--follow", action="store_true", help="Follow log output")
    p.flag("-l", "--latest", action="store_true", help="Act on the latest pod podman is aware of")
    p.flag("-n", "--names", dest="show_names", action="store_true",
           help="Output container names instead of container IDs in the log")  # fmt: skip
    p.flag("--since", kind="string", default="", help="Show logs since TIMESTAMP")
    p.flag("--until", kind="string", default="", help="Show logs until TIMESTAMP")
    p.flag("--tail", kind="int", type=int, default=-1, help="Output the specified number of "
           "LINES at the end of the logs")  # fmt: skip
    p.flag("-t", "--timestamps", action="store_true", help="Output the timestamps in the log")


def run(args: Namespace, ctx: Context) -> int:
    from pypod.cli.commands import logs as ctr_logs

    if args.latest:
        newest = ctx.engine.pods.latest()
        if newest is None:
            raise InvalidArgument("no pods to act on")
        pod = newest
    elif len(args.names) == 1:
        pod = args.names[0]
    else:
        raise InvalidArgument("specify one pod name or id")
    members = ctx.engine.pods.members(pod)
    summary = ctx.engine.pods.inspect([pod])[0]
    infra = summary["InfraContainerID"]
    ids = [c for c in members if c != infra]
    if args.container:
        cid = ctx.engine.containers.inspect([args.container])[0]["Id"]
        if cid not in members:
            raise InvalidArgument(f"container {args.container} is not in pod {pod}")
        ids = [cid]
    if not ids:
        return 0
    ns = Namespace(
        containers=ids, latest=False, follow=args.follow, since=args.since, until=args.until,
        tail=args.tail, timestamps=args.timestamps, names=args.show_names,
    )  # fmt: skip
    return ctr_logs.run(ns, ctx)
