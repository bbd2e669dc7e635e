"""IP address management: which container holds which address on which network.

netavark assigns no addresses itself (Podman's libnetwork does it, in a bolt database under
the run directory); pypod keeps one JSON file, ``<run_root>/networks/ipam.json``, under an
fcntl lock. The run directory is a tmpfs, so a reboot (which stops every container) frees all.
Allocation is sequential per subnet from the address after the last one handed out, so an
address just freed is not reused at once (stale ARP/DNS entries stay harmless).

    {"<network id>": {"containers": {"<container id>": ["10.89.0.2", ...]},
                      "last": {"10.89.0.0/24": "10.89.0.2"}}}
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pypod.errors import Conflict, InvalidArgument
from pypod.network.config import Network, Subnet

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _bounds(s: Subnet) -> tuple[int, int, ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """First and last assignable address of a subnet (network, broadcast excluded)."""
    net = ipaddress.ip_network(s.subnet, strict=False)
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    if s.lease_start:
        first = max(first, int(ipaddress.ip_address(s.lease_start)))
    if s.lease_end:
        last = min(last, int(ipaddress.ip_address(s.lease_end)))
    return first, last, net


class Ipam:
    def __init__(self, path: str) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The whole database, read under the lock and written back when the block ends."""
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                with open(self.path, encoding="utf-8") as f:
                    db: dict[str, Any] = json.load(f)
            except (FileNotFoundError, ValueError):
                db = {}
            before = json.dumps(db, sort_keys=True)
            yield db
            if json.dumps(db, sort_keys=True) != before:
                tmp = f"{self.path}.tmp{os.getpid()}"
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(db, f)
                os.replace(tmp, self.path)
        finally:
            os.close(fd)

    def allocate(
        self, network: Network, container_id: str, requested: Sequence[str] = ()
    ) -> list[str]:
        """One address per subnet for the container (its requested ones where given); the
        same list again when it already holds addresses on this network."""
        with self._locked() as db:
            entry = db.setdefault(network.id, {"containers": {}, "last": {}})
            held = entry["containers"].get(container_id)
            if held:
                return list(held)
            taken = {ip for ips in entry["containers"].values() for ip in ips}
            wanted = [ipaddress.ip_address(r) for r in requested]
            out: list[str] = []
            for s in network.subnets:
                first, last, net = _bounds(s)
                reserved = taken | ({s.gateway} if s.gateway else set())
                ip = self._requested_in(net, wanted, reserved, network.name)
                if ip is None:
                    ip = self._next_free(s.subnet, first, last, net, reserved, entry["last"])
                    entry["last"][s.subnet] = ip
                out.append(ip)
            leftover = [str(w) for w in wanted if str(w) not in out]
            if leftover:
                raise InvalidArgument(
                    f"requested static ip {leftover[0]} not in any subnet on network {network.name}"
                )
            if out:
                entry["containers"][container_id] = out
            return out

    @staticmethod
    def _requested_in(
        net: ipaddress.IPv4Network | ipaddress.IPv6Network,
        wanted: list[IPAddress],
        reserved: set[str],
        network_name: str,
    ) -> str | None:
        for w in wanted:
            if w.version == net.version and w in net:
                if str(w) in reserved:
                    raise Conflict(
                        f"IPAM error: requested ip address {w} is already allocated to "
                        f"another container on network {network_name}"
                    )
                return str(w)
        return None

    @staticmethod
    def _next_free(
        subnet: str,
        first: int,
        last: int,
        net: ipaddress.IPv4Network | ipaddress.IPv6Network,
        reserved: set[str],
        last_given: dict[str, str],
    ) -> str:
        size = last - first + 1
        prev = last_given.get(subnet)
        start = int(ipaddress.ip_address(prev)) + 1 if prev else first
        # IPv6 subnets are huge: only ever look at as many addresses as could be taken
        for i in range(min(size, len(reserved) + 2)):
            n = first + (start - first + i) % size
            ip = str(ipaddress.ip_address(n))
            if ip not in reserved:
                return ip
        raise Conflict(f"IPAM error: failed to find free IP in range: {net}")

    def release(self, network: Network, container_id: str) -> list[str]:
        with self._locked() as db:
            entry = db.get(network.id)
            if not entry:
                return []
            ips = entry["containers"].pop(container_id, [])
            if not entry["containers"]:
                entry["containers"] = {}
            return list(ips)

    def addresses(self, network: Network, container_id: str) -> list[str]:
        with self._locked() as db:
            return list(db.get(network.id, {}).get("containers", {}).get(container_id, []))

    def users(self, network: Network) -> list[str]:
        """Container ids holding addresses on the network."""
        with self._locked() as db:
            return sorted(db.get(network.id, {}).get("containers", {}))

    def all_users(self) -> set[str]:
        """Container ids holding an address on any network (the rootless namespace's users)."""
        with self._locked() as db:
            return {cid for entry in db.values() for cid in entry.get("containers", {})}

    def forget(self, network: Network) -> None:
        """Drop a removed network's entry."""
        with self._locked() as db:
            db.pop(network.id, None)
