"""pypod pod create"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.pods import PodCreateRequest

DESCRIPTION = """After creating the pod, the pod ID is printed to stdout.

  You can then start it at any time with the  pypod pod start <pod_id> command. The pod will be
  created with the initial state 'created'."""
USAGE = "[options] [NAME]"
EXAMPLES = ("pypod pod create --name mypod", "pypod pod create -p 8080:80 --name web")

_STRINGS = (
    (("--name", "-n"), "Assign a name to the pod"),
    (("--infra-image",), "Image to use to override builtin infra container"),
    (("--infra-command",), "Overwrite the default ENTRYPOINT of the image"),
    (("--infra-name",), "Assign a name to the infra container"),
    (("--share",), "A comma delimited list of kernel namespaces the pod will share"),
    (("--cgroup-parent",), "Optional parent cgroup for the container"),
    (("--exit-policy",), 'Behaviour when the last container exits (default "continue")'),
    (("--restart",), "Restart policy to apply when a container exits"),
    (("--hostname",), "Set container hostname"),
    (("--network", "--net"), "Connect a container to a network"),
    (("--ip",), "Specify a static IPv4 address for the container"),
    (("--mac-address",), "Container MAC address (e.g. 92:d0:c6:0a:29:33)"),
    (("--userns",), "User namespace to use"),
    (("--pod-id-file",), "Write the pod ID to the file"),
)
_LISTS = (
    (("-p", "--publish"), "Publish a container's port, or a range of ports, to the host"),
    (("--label", "-l"), "Set metadata on a container"),
    (("--add-host",), "Add a custom host-to-IP mapping (host:ip)"),
    (("--dns",), "Set custom DNS servers"),
)


def configure(p: Parser) -> None:
    p.add_argument("pod_name", nargs="?", default="", help=SUPPRESS)
    for names, text in _STRINGS:
        p.flag(*names, kind="string", default=None, help=text)
    for names, text in _LISTS:
        p.flag(*names, kind="stringArray", action="append", default=[], help=text)
    p.bool_flag("--infra", help="Create an infra container associated with the pod to share "
                "namespaces with", default=True)  # fmt: skip
    p.bool_flag("--share-parent", help="Set the pod's cgroup as the cgroup parent for all "
                "containers joining the pod", default=True)  # fmt: skip


def _commas(values: list[str]) -> tuple[str, ...]:
    return tuple(v for item in values for v in item.split(",") if v)


def run(args: Namespace, ctx: Context) -> int:
    import shlex
    import sys

    from pypod.errors import InvalidArgument

    if args.pod_name and args.name:
        raise InvalidArgument("cannot specify --name and NAME at the same time")
    infra_command: tuple[str, ...] = ()
    if args.infra_command:
        text = args.infra_command
        infra_command = (text,) if text.lstrip().startswith("[") else tuple(shlex.split(text))
    req = PodCreateRequest(
        name=args.pod_name or args.name or "",
        labels=tuple(args.label),
        infra=args.infra,
        infra_image=args.infra_image or "",
        infra_command=infra_command,
        infra_name=args.infra_name or "",
        share=args.share,
        share_parent=args.share_parent,
        cgroup_parent=args.cgroup_parent or "",
        exit_policy=args.exit_policy or "continue",
        restart=args.restart or "",
        hostname=args.hostname or "",
        network=args.network or "",
        publish=tuple(args.publish),
        dns=_commas(args.dns),
        add_hosts=_commas(args.add_host),
        ip=args.ip or "",
        mac=args.mac_address or "",
        userns=args.userns or "",
        pod_id_file=args.pod_id_file or "",
        create_command=("pypod", *sys.argv[1:]),
    )
    output.line(ctx.engine.pods.create(req))
    return 0
