"""Picking subnets and interface names a new network may use.

A subnet is free when it overlaps no other network's subnet and no route of the host (read
from /proc/net/route and /proc/net/ipv6_route, so the check needs no helper process).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable, Sequence

from pypod.errors import InvalidArgument

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_POOLS: tuple[tuple[str, int], ...] = (
    ("10.89.0.0/16", 24),
    ("10.90.0.0/15", 24),
    ("10.92.0.0/14", 24),
    ("10.96.0.0/11", 24),
    ("10.128.0.0/9", 24),
)


def _hex_le_ipv4(text: str) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(text), "little"))


def host_routes(
    route4: str = "/proc/net/route", route6: str = "/proc/net/ipv6_route"
) -> list[IPNetwork]:
    """The destinations of the host's routes, default routes left out."""
    out: list[IPNetwork] = []
    try:
        with open(route4, encoding="ascii") as f:
            next(f, None)
            for line in f:
                cols = line.split()
                if len(cols) < 8:
                    continue
                dest, mask = _hex_le_ipv4(cols[1]), _hex_le_ipv4(cols[7])
                prefix = bin(int(mask)).count("1")
                if prefix:
                    out.append(ipaddress.IPv4Network(f"{dest}/{prefix}", strict=False))
    except OSError:
        pass
    try:
        with open(route6, encoding="ascii") as f:
            for line in f:
                cols = line.split()
                if len(cols) < 10 or cols[9] == "lo":
                    continue
                prefix = int(cols[1], 16)
                addr = ipaddress.IPv6Address(int(cols[0], 16))
                if prefix and not addr.is_link_local and not addr.is_multicast:
                    out.append(ipaddress.IPv6Network(f"{addr}/{prefix}", strict=False))
    except (OSError, ValueError):
        pass
    return out


def host_interfaces() -> set[str]:
    try:
        return set(os.listdir("/sys/class/net"))
    except OSError:
        return set()


def parse_subnet(text: str) -> IPNetwork:
    """A CIDR; host bits are cleared as Podman does ("10.55.0.5/24" is 10.55.0.0/24)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise InvalidArgument(f"invalid CIDR address: {text}") from exc


def overlaps(net: IPNetwork, used: Iterable[IPNetwork]) -> bool:
    return any(net.version == u.version and net.overlaps(u) for u in used)  # type: ignore[arg-type]


def check_free(net: IPNetwork, used: Sequence[IPNetwork]) -> None:
    if overlaps(net, used):
        raise InvalidArgument(f"subnet {net} is already used on the host or by another config")


def free_ipv4_subnet(pools: Sequence[tuple[str, int]], used: Sequence[IPNetwork]) -> IPNetwork:
    """The first /size subnet of the pools that overlaps nothing in use."""
    for base, size in pools or DEFAULT_POOLS:
        pool = ipaddress.ip_network(base, strict=False)
        if size < pool.prefixlen:
            size = pool.prefixlen
        step = 1 << (pool.max_prefixlen - size)
        start = int(pool.network_address)
        for n in range(start, start + pool.num_addresses, step):
            cand = ipaddress.ip_network((n, size))
            if not overlaps(cand, used):
                return cand
    raise InvalidArgument("could not find free subnet from subnet pools")


def free_ula_subnet(used: Sequence[IPNetwork]) -> IPNetwork:
    """A random unique local /64 (fdXX:XXXX:XXXX:XXXX::/64), as RFC 4193 suggests."""
    for _ in range(100):
        value = (0xFD << 120) | (secrets.randbits(56) << 64)
        cand = ipaddress.IPv6Network((value, 64))
        if not overlaps(cand, used):
            return cand
    raise InvalidArgument("could not find free IPv6 subnet")


def free_name(prefix: str, taken: set[str], first: int = 1) -> str:
    """prefix + the lowest number from `first` not taken ("podman1", "podman2", ...)."""
    n = first
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"
