"""pypod update / container update"""

from __future__ import annotations

from typing import Any

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.containers_ops import UpdateRequest
from pypod.errors import InvalidArgument

DESCRIPTION = (
    "Updates the configuration of an existing container, allowing changes to resource limits "
    "and healthchecks"
)
USAGE = "[options] CONTAINER"
EXAMPLES = ("pypod update --cpus=5 foobar_container",)

_SIZES = (("-m", "--memory"), ("--memory-reservation",), ("--memory-swap",))
_INTS = (
    ("--cpu-shares",),
    ("--cpu-quota",),
    ("--cpu-period",),
    ("--pids-limit",),
    ("--blkio-weight",),
)


def add_resource_flags(p: Parser) -> None:
    """The resource flags update and container clone share."""
    for names in _SIZES:
        p.flag(*names, kind="string", default=None, help="Memory limit (format: <number>[<unit>])")
    for names in _INTS:
        p.flag(*names, kind="int", type=int, default=None, help="Resource limit")
    p.flag("--cpus", kind="float", type=float, default=None, help="Number of CPUs")
    p.flag(
        "--cpuset-cpus",
        kind="string",
        default=None,
        help="CPUs in which to allow execution (0-3, 0,1)",
    )
    p.flag(
        "--cpuset-mems",
        kind="string",
        default=None,
        help="Memory nodes (MEMs) in which to allow execution",
    )


def _size(text: str | None) -> int | None:
    from pypod.format.units import parse_size

    if text is None:
        return None
    return -1 if text == "-1" else parse_size(text)


def resource_fields(args: Namespace) -> dict[str, Any]:
    return {
        "memory": _size(args.memory),
        "memory_swap": _size(args.memory_swap),
        "memory_reservation": _size(args.memory_reservation),
        "cpu_shares": args.cpu_shares,
        "cpu_quota": args.cpu_quota,
        "cpu_period": args.cpu_period,
        "cpuset_cpus": args.cpuset_cpus,
        "cpuset_mems": args.cpuset_mems,
        "pids_limit": args.pids_limit,
        "blkio_weight": args.blkio_weight,
        "cpus": args.cpus,
    }


def configure(p: Parser) -> None:
    p.add_argument("names", nargs="*", help=SUPPRESS)
    add_resource_flags(p)
    p.bool_flag("-l", "--latest", help="Act on the latest container podman is aware of")
    p.flag(
        "--restart",
        kind="string",
        default=None,
        help="Restart policy to apply when a container exits",
    )


def run(args: Namespace, ctx: Context) -> int:
    if len(args.names) != 1 and not args.latest:
        raise InvalidArgument(f"accepts 1 arg(s), received {len(args.names)}")
    reports = ctx.engine.containers.update(
        UpdateRequest(
            names=tuple(args.names),
            latest=bool(args.latest),
            restart_policy=args.restart,
            **resource_fields(args),
        )
    )
    for r in reports:
        if r.error is not None:
            raise r.error
        output.line(r.id)
    return 0
