"""`network create`: validate the user's options and build a new Network record.

Checks and messages follow Podman 4.3 with netavark (libnetwork/netavark/config.go), so
scripts that parse its errors keep working.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from typing import Any

from pypod.errors import InvalidArgument, NameInUse
from pypod.network import subnets as sn
from pypod.network.config import DRIVERS, Network, Subnet, check_name, format_created

BRIDGE_OPTIONS = ("mtu", "vlan", "isolate", "com.docker.network.bridge.name")
MACVLAN_MODES = ("bridge", "private", "vepa", "passthru")
VLAN_OPTIONS = ("parent", "mode", "mtu")


def _parse_int(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidArgument(f'strconv.Atoi: parsing "{value}": invalid syntax') from exc


def _parse_bool(value: str) -> bool:
    low = value.lower()
    if low in ("1", "t", "true"):
        return True
    if low in ("0", "f", "false"):
        return False
    raise InvalidArgument(f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _check_options(driver: str, options: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in options.items():
        if key == "mtu":
            if _parse_int(value) < 0:
                raise InvalidArgument(f"mtu {value} is less than zero")
        elif key == "vlan" and driver == "bridge":
            if not 0 <= _parse_int(value) <= 4094:
                raise InvalidArgument(f"vlan ID {value} must be between 0 and 4094")
        elif key == "isolate" and driver == "bridge":
            value = "true" if _parse_bool(value) else "false"
        elif key == "mode" and driver == "macvlan":
            if value not in MACVLAN_MODES:
                raise InvalidArgument(f'unknown macvlan mode "{value}"')
        elif key == "parent" and driver != "bridge":
            continue  # becomes network_interface
        elif key not in (BRIDGE_OPTIONS if driver == "bridge" else VLAN_OPTIONS):
            raise InvalidArgument(f"unsupported {driver} network option {key}")
        out[key] = value
    return out


def _lease_range(net: sn.IPNetwork, text: str) -> tuple[str, str]:
    rng = sn.parse_subnet(text)
    start = rng.network_address + 1 if rng.num_addresses > 2 else rng.network_address
    end = rng.broadcast_address
    if start not in net:
        raise InvalidArgument(f"lease range start ip {start} not in subnet {net}")
    if end not in net:
        raise InvalidArgument(f"lease range end ip {end} not in subnet {net}")
    return str(start), str(end)


def _subnet_entries(
    nets: Sequence[sn.IPNetwork],
    gateways: Sequence[str],
    ip_ranges: Sequence[str],
    want_gateway: bool,
) -> tuple[Subnet, ...]:
    out = []
    for i, net in enumerate(nets):
        gateway = ""
        if i < len(gateways) and gateways[i]:
            try:
                gw = ipaddress.ip_address(gateways[i])
            except ValueError as exc:
                raise InvalidArgument(f"invalid IP address: {gateways[i]}") from exc
            if gw not in net:
                raise InvalidArgument(f"gateway {gw} not in subnet {net}")
            gateway = str(gw)
        elif want_gateway:
            gateway = str(net.network_address + 1)
        start = end = ""
        if i < len(ip_ranges) and ip_ranges[i]:
            start, end = _lease_range(net, ip_ranges[i])
        out.append(Subnet(subnet=str(net), gateway=gateway, lease_start=start, lease_end=end))
    return tuple(out)


def _pick_subnets(
    requested: Sequence[str],
    ipv6: bool,
    driver: str,
    used: list[sn.IPNetwork],
    pools: Sequence[tuple[str, int]],
) -> tuple[list[sn.IPNetwork], bool]:
    nets = [sn.parse_subnet(s) for s in requested]
    for net in nets:
        sn.check_free(net, used)
        used.append(net)
    if driver != "bridge":
        if not nets:
            raise InvalidArgument(
                f"{driver} driver needs at least one subnet specified, DHCP is not yet "
                "supported with netavark"
            )
        return nets, ipv6 or any(n.version == 6 for n in nets)
    if not nets:
        nets.append(sn.free_ipv4_subnet(pools, used))
        used.append(nets[-1])
    if ipv6 and not any(n.version == 6 for n in nets):
        nets.append(sn.free_ula_subnet(used))
    return nets, ipv6 or any(n.version == 6 for n in nets)


def _interface(driver: str, options: dict[str, str], name: str, existing: list[Network]) -> str:
    if driver == "bridge":
        taken = {n.network_interface for n in existing}
        if name:
            if name in taken:
                raise InvalidArgument(f"bridge name {name} already in use")
            return name
        return sn.free_name("podman", taken | sn.host_interfaces())
    parent = name or options.get("parent", "")
    if parent and parent not in sn.host_interfaces():
        raise InvalidArgument(f"parent interface {parent} does not exist")
    return parent


def build_network(
    existing: list[Network],
    *,
    name: str = "",
    driver: str = "bridge",
    subnets: Sequence[str] = (),
    gateways: Sequence[str] = (),
    ip_ranges: Sequence[str] = (),
    ipv6: bool = False,
    internal: bool = False,
    disable_dns: bool = False,
    options: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    interface_name: str = "",
    ipam_driver: str = "",
    subnet_pools: Sequence[tuple[str, int]] = (),
    **_ignored: Any,
) -> Network:
    driver = driver or "bridge"
    names = {n.name for n in existing}
    if name:
        check_name(name)
        if name in names:
            raise NameInUse(f"network name {name} already used: network already exists")
    else:
        name = sn.free_name("podman", names)
    if driver not in DRIVERS:
        raise InvalidArgument(f"unsupported driver {driver}: invalid argument")
    if ipam_driver not in ("", "host-local"):
        raise InvalidArgument(f"unsupported ipam driver {ipam_driver!r}")
    if (gateways or ip_ranges) and not subnets:
        raise InvalidArgument("cannot set gateway or range without subnet")
    if len(gateways) > len(subnets):
        raise InvalidArgument("cannot set more gateways than subnets")
    if len(ip_ranges) > len(subnets):
        raise InvalidArgument("cannot set more ranges than subnets")
    opts = _check_options(driver, dict(options or {}))
    used = [sn.parse_subnet(s.subnet) for n in existing for s in n.subnets]
    used += sn.host_routes()
    nets, v6 = _pick_subnets(subnets, ipv6, driver, used, subnet_pools)
    dns = not disable_dns
    return Network(
        name=name,
        id=secrets.token_hex(32),
        driver=driver,
        network_interface=_interface(driver, dict(options or {}), interface_name, existing),
        created=format_created(),
        subnets=_subnet_entries(nets, gateways, ip_ranges, not internal or dns),
        ipv6_enabled=v6,
        internal=internal,
        dns_enabled=dns,
        labels=dict(labels or {}),
        options=opts,
        ipam_options={"driver": "host-local"},
    )
