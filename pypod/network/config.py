"""Network records: Podman's/netavark's network JSON, one file per network.

A network is stored as ``<config_dir>/<name>.json`` (config_dir is graph_root/networks, never
Podman's /etc/containers/networks) in exactly the document netavark reads in its
``network_info`` and ``podman network inspect`` prints. The default network ("podman", a bridge
on 10.88.0.0/16) exists without a file, as in Podman; a file of that name overrides it.
Writers hold an fcntl lock on ``<config_dir>/networks.lock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pypod.errors import InvalidArgument, NetworkNotFound, StorageError
from pypod.log import get_logger
from pypod.records import field, record, replace

log = get_logger(__name__)

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
DEFAULT_NAME = "podman"
DEFAULT_SUBNET = "10.88.0.0/16"
DEFAULT_INTERFACE = "podman0"
# what netavark 1.4 (Debian 12; Podman 4.3's) drives: ipvlan came with netavark 1.6
DRIVERS = ("bridge", "macvlan")


@record
class Subnet:
    subnet: str  # CIDR, normalised ("10.89.0.0/24")
    gateway: str = ""  # "" on an internal network without DNS
    lease_start: str = ""  # --ip-range, as netavark's lease_range
    lease_end: str = ""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"subnet": self.subnet}
        if self.gateway:
            doc["gateway"] = self.gateway
        if self.lease_start or self.lease_end:
            rng = {}
            if self.lease_start:
                rng["start_ip"] = self.lease_start
            if self.lease_end:
                rng["end_ip"] = self.lease_end
            doc["lease_range"] = rng
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Subnet:
        rng = doc.get("lease_range") or {}
        return cls(
            subnet=str(doc["subnet"]),
            gateway=str(doc.get("gateway") or ""),
            lease_start=str(rng.get("start_ip") or ""),
            lease_end=str(rng.get("end_ip") or ""),
        )


@record
class Network:
    """One network as Podman's libnetwork types.Network (field order is the JSON order)."""

    name: str
    id: str
    driver: str = "bridge"
    network_interface: str = ""
    created: str = ""  # RFC 3339 with nanoseconds, as Go prints time.Time in JSON
    subnets: tuple[Subnet, ...] = ()
    ipv6_enabled: bool = False
    internal: bool = False
    dns_enabled: bool = False
    network_dns_servers: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    ipam_options: dict[str, str] = field(default_factory=lambda: {"driver": "host-local"})

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "id": self.id, "driver": self.driver}
        if self.network_interface:
            doc["network_interface"] = self.network_interface
        doc["created"] = self.created
        doc["subnets"] = [s.to_json() for s in self.subnets]
        doc["ipv6_enabled"] = self.ipv6_enabled
        doc["internal"] = self.internal
        doc["dns_enabled"] = self.dns_enabled
        if self.network_dns_servers:
            doc["network_dns_servers"] = list(self.network_dns_servers)
        if self.labels:
            doc["labels"] = dict(self.labels)
        if self.options:
            doc["options"] = dict(sorted(self.options.items()))
        if self.ipam_options:
            doc["ipam_options"] = dict(self.ipam_options)
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Network:
        return cls(
            name=str(doc["name"]),
            id=str(doc["id"]),
            driver=str(doc.get("driver") or "bridge"),
            network_interface=str(doc.get("network_interface") or ""),
            created=str(doc.get("created") or ""),
            subnets=tuple(Subnet.from_json(s) for s in doc.get("subnets") or ()),
            ipv6_enabled=bool(doc.get("ipv6_enabled")),
            internal=bool(doc.get("internal")),
            dns_enabled=bool(doc.get("dns_enabled")),
            network_dns_servers=tuple(doc.get("network_dns_servers") or ()),
            labels=dict(doc.get("labels") or {}),
            options=dict(doc.get("options") or {}),
            ipam_options=dict(doc.get("ipam_options") or {}),
        )


def format_created(ns: int | None = None) -> str:
    """Go's RFC 3339 with nanoseconds in UTC: trailing zeros of the fraction dropped."""
    ns = time.time_ns() if ns is None else ns
    secs, frac = divmod(ns, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    digits = f"{frac:09d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


def default_network(name: str = DEFAULT_NAME, subnet: str = DEFAULT_SUBNET) -> Network:
    """The built-in bridge; its id is sha256 of its name, as Podman's."""
    import ipaddress

    net = ipaddress.ip_network(subnet, strict=False)
    return Network(
        name=name,
        id=hashlib.sha256(name.encode()).hexdigest(),
        driver="bridge",
        network_interface=DEFAULT_INTERFACE,
        created=format_created(),
        subnets=(Subnet(subnet=str(net), gateway=str(net.network_address + 1)),),
    )


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise InvalidArgument(
            f"network name {name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
            "invalid argument"
        )


class NetworkStore:
    """The network files of one pypod store."""

    def __init__(
        self,
        config_dir: str,
        *,
        default_name: str = DEFAULT_NAME,
        default_subnet: str = DEFAULT_SUBNET,
    ) -> None:
        self.config_dir = config_dir
        self.default_name = default_name
        self.default_subnet = default_subnet

    # files ---------------------------------------------------------------------------------
    def _path(self, name: str) -> str:
        return os.path.join(self.config_dir, f"{name}.json")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes: create, remove and update read-modify-write the files."""
        os.makedirs(self.config_dir, mode=0o700, exist_ok=True)
        fd = os.open(os.path.join(self.config_dir, "networks.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self, path: str) -> Network | None:
        try:
            with open(path, encoding="utf-8") as f:
                return Network.from_json(json.load(f))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            # Podman skips a broken file with a warning rather than failing every command
            log.warning("skipping network config %s: %s", path, exc)
            return None

    def write(self, network: Network) -> None:
        os.makedirs(self.config_dir, mode=0o700, exist_ok=True)
        path = self._path(network.name)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(network.to_json(), f, indent=5)
            f.write("\n")
        os.replace(tmp, path)

    # queries -------------------------------------------------------------------------------
    def list(self) -> list[Network]:
        """Every network, the default one included, sorted by name."""
        found: dict[str, Network] = {}
        try:
            entries = sorted(os.listdir(self.config_dir))
        except FileNotFoundError:
            entries = []
        for entry in entries:
            if entry.endswith(".json"):
                net = self._read(os.path.join(self.config_dir, entry))
                if net is not None:
                    found[net.name] = net
        if self.default_name not in found:
            found[self.default_name] = default_network(self.default_name, self.default_subnet)
        return [found[k] for k in sorted(found)]

    def get(self, key: str) -> Network:
        """By exact name, full id or unique id prefix; NetworkNotFound otherwise."""
        nets = self.list()
        for net in nets:
            if net.name == key or net.id == key:
                return net
        matches = [n for n in nets if key and n.id.startswith(key)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidArgument(f"more than one result for network ID {key}")
        raise NetworkNotFound(f"unable to find network with name or ID {key}: network not found")

    def exists(self, key: str) -> bool:
        try:
            self.get(key)
        except NetworkNotFound:
            return False
        return True

    # changes -------------------------------------------------------------------------------
    def create(self, **request: Any) -> Network:
        """A new network from `pypod network create`'s options (see create.build_network)."""
        from pypod.network.create import build_network

        with self.locked():
            net = build_network(self.list(), **request)
            self.write(net)
        return net

    def remove(self, key: str) -> Network:
        with self.locked():
            net = self.get(key)
            if net.name == self.default_name:
                raise InvalidArgument(f"default network {net.name} cannot be removed")
            try:
                os.unlink(self._path(net.name))
            except FileNotFoundError as exc:
                raise NetworkNotFound(
                    f"unable to find network with name or ID {key}: network not found"
                ) from exc
            except OSError as exc:
                raise StorageError(f"removing network {net.name}: {exc}") from exc
        return net

    def update_dns(self, key: str, add: list[str], drop: list[str]) -> Network:
        """`network update --dns-add/--dns-drop`: the servers aardvark-dns forwards to."""
        import ipaddress

        with self.locked():
            net = self.get(key)
            if net.driver != "bridge" or not net.dns_enabled:
                raise InvalidArgument(
                    f"network {net.name}: DNS servers can only be updated on a bridge network "
                    "with DNS enabled"
                )
            servers = list(net.network_dns_servers)
            for ip in add:
                try:
                    ipaddress.ip_address(ip)
                except ValueError as exc:
                    raise InvalidArgument(f"{ip} is not a valid IP address") from exc
                if ip not in servers:
                    servers.append(ip)
            for ip in drop:
                if ip not in servers:
                    raise InvalidArgument(f"{ip} is not a DNS server of network {net.name}")
                servers.remove(ip)
            net = replace(net, network_dns_servers=tuple(servers))
            self.write(net)
        return net
