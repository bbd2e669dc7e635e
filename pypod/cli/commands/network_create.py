"""pypod network create"""

from __future__ import annotations

from pypod.cli import output
from pypod.cli.context import Context
from pypod.cli.parser import SUPPRESS, Namespace, Parser
from pypod.domain.networks import NetworkCreateRequest
from pypod.errors import InvalidArgument

DESCRIPTION = """Create networks for containers and pods.

Without a subnet, the first free /24 of containers.conf's default_subnet_pools is used; a free
unique local IPv6 subnet is added with --ipv6."""
USAGE = "[options] [NAME]"
EXAMPLES = (
    "pypod network create podman1",
    "pypod network create --subnet 192.5.0.0/16 --gateway 192.5.0.3 --ip-range 192.5.1.0/24 net",
    "pypod network create -d macvlan -o parent=eth0 --subnet 192.168.33.0/24 lan",
)


def configure(p: Parser) -> None:
    p.add_argument("name", nargs="*", help=SUPPRESS)
    p.flag("--disable-dns", action="store_true", help="disable dns plugin")
    p.flag("-d", "--driver", kind="string", default="bridge", help="driver to manage the network")
    p.flag(
        "--gateway",
        kind="ipSlice",
        action="append",
        default=[],
        help="IPv4 or IPv6 gateway for the subnet (default [])",
    )
    p.flag("--ignore", action="store_true", help="Don't fail if network already exists")
    p.flag(
        "--interface-name",
        kind="string",
        default="",
        help="interface name which is used by the driver",
    )
    p.flag("--internal", action="store_true", help="restrict external access from this network")
    p.flag(
        "--ip-range",
        kind="stringArray",
        action="append",
        default=[],
        help="allocate container IP from range",
    )
    p.flag("--ipam-driver", kind="string", default="", help="IP Address Management Driver")
    p.flag("--ipv6", action="store_true", help="enable IPv6 networking")
    p.flag(
        "--label", kind="stringArray", action="append", default=[], help="set metadata on a network"
    )
    p.flag(
        "-o",
        "--opt",
        kind="stringArray",
        action="append",
        default=[],
        help="Set driver specific options (default [])",
    )
    p.flag(
        "--subnet", kind="stringArray", action="append", default=[], help="subnets in CIDR format"
    )


def run(args: Namespace, ctx: Context) -> int:
    from pypod.cli.commands.volume_create import key_values

    if len(args.name) > 1:
        raise InvalidArgument(f"accepts at most 1 arg(s), received {len(args.name)}")
    gateways = [g for spec in args.gateway for g in spec.split(",") if g]
    req = NetworkCreateRequest(
        name=args.name[0] if args.name else "",
        driver=args.driver,
        subnets=tuple(args.subnet),
        gateways=tuple(gateways),
        ip_ranges=tuple(args.ip_range),
        ipv6=args.ipv6,
        internal=args.internal,
        disable_dns=args.disable_dns,
        options=key_values(args.opt, "unable to parse options"),
        labels=key_values(args.label, "failed to parse labels"),
        interface_name=args.interface_name,
        ipam_driver=args.ipam_driver,
        ignore=args.ignore,
    )
    output.line(ctx.engine.networks.create(req)["name"])
    return 0
