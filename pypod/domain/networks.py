"""Networks noun of the engine API: the Protocol the CLI and the API call, and its requests.

Documents (list/inspect) are Podman's network JSON as dicts (name, id, driver,
network_interface, created, subnets, ipv6_enabled, internal, dns_enabled, labels, options,
ipam_options). Filters are Podman's "key=value" strings: name (regexp), id (prefix), driver,
label, label!, until, dangling; values of one key are ORed, keys ANDed.
"""

from __future__ import annotations

from typing import Any, Protocol

from pypod.records import field, record


@record
class NetworkCreateRequest:
    """`network create`; gateways and ip_ranges pair with subnets by position."""

    name: str = ""
    driver: str = "bridge"
    subnets: tuple[str, ...] = ()
    gateways: tuple[str, ...] = ()
    ip_ranges: tuple[str, ...] = ()
    ipv6: bool = False
    internal: bool = False
    disable_dns: bool = False
    options: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    interface_name: str = ""
    ipam_driver: str = ""
    ignore: bool = False


@record
class NetworkReport:
    """One target of rm/prune/reload: a network name (or container id for reload)."""

    name: str
    error: Exception | None = None


class NetworkEngine(Protocol):
    def create(self, req: NetworkCreateRequest) -> dict[str, Any]:
        """The new network's document. Conflict when the name is taken (unless ignore: the
        existing network's document)."""
        ...

    def list(self, filters: list[str]) -> list[dict[str, Any]]: ...

    def inspect(self, names: list[str]) -> list[dict[str, Any]]:
        """NetworkNotFound at the first unknown name or id."""
        ...

    def exists(self, name: str) -> bool: ...

    def remove(
        self, names: list[str], force: bool = False, timeout_s: int | None = None
    ) -> list[NetworkReport]:
        """One report per target. In use: Conflict (exit 2) unless force, which removes the
        containers using it first. The default network cannot be removed."""
        ...

    def prune(self, filters: list[str]) -> list[NetworkReport]:
        """Remove the networks no container uses (never the default one)."""
        ...

    def update(self, name: str, dns_add: list[str], dns_drop: list[str]) -> None: ...

    def connect(
        self, network: str, container: str, aliases: list[str], ip: str = "", mac: str = ""
    ) -> None:
        """Add a running container to one more network (--alias, --ip, --mac-address)."""
        ...

    def disconnect(self, network: str, container: str) -> None: ...

    def reload(
        self, containers: list[str], all: bool = False, latest: bool = False
    ) -> list[NetworkReport]:
        """Re-create the firewall rules of running containers; one report per container
        (latest: the newest container). InvalidArgument for --all with names or --latest."""
        ...
