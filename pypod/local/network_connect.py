"""network connect / disconnect / reload (the caller holds the container's lock).

connect adds a network to the container's config and, when it runs, a new ethN now (aliases
plus the short id); disconnect removes one; reload re-creates the firewall rules after
`iptables -F`; the records are updated each time. Rootless, netavark
runs inside the store's rootless network namespace (network_rootless.using).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pypod import records
from pypod.errors import InvalidArgument
from pypod.local import network_rootless as rl
from pypod.local.network_record import attachments, port_mappings, read_status, write_status

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine


def _bridge_only(config: ContainerConfig) -> None:
    if config.network_mode != "bridge":
        raise InvalidArgument(
            f"container {config.name} is not on a bridge network "
            f"(network mode {config.network_mode})"
        )


def connect(
    engine: LocalEngine, config: ContainerConfig, network: str, aliases: tuple[str, ...],
    ip: str = "", mac: str = "",
) -> None:  # fmt: skip
    """Kept in the container's config (its next start attaches it again); a running container
    gets the interface now, a stopped or created one at its start, as Podman does."""
    _bridge_only(config)
    manager = engine.networks.manager
    name = manager.store.get(network).name
    doc = read_status(engine, config.id)
    atts: dict[str, Any] = doc.setdefault("attachments", {})
    if name in config.networks or name in atts:
        raise InvalidArgument(f"container {config.id} is already connected to network {name}")
    att: dict[str, Any] = {"aliases": list(aliases), "static_ips": [ip] if ip else [],
                           "static_mac": mac}  # fmt: skip
    if doc.get("netns"):
        used = [str(a.get("interface_name") or "") for a in atts.values()]
        with rl.using(engine):
            status = manager.connect(
                doc["netns"], config.id, name, [*aliases, config.short_id], ip,
                container_name=config.name, mac=mac, used_interfaces=used,
            )  # fmt: skip
        att["interface_name"] = status.interfaces[0].name if status.interfaces else ""
        atts[name] = {**att, "aliases": [*aliases, config.short_id], "static_ips": []}
        doc.setdefault("networks", {})[name] = status.raw
        write_status(engine, config.id, doc)
    engine.container_store.set_config(
        records.replace(config, networks={**config.networks, name: att})
    )


def disconnect(engine: LocalEngine, config: ContainerConfig, network: str) -> None:
    _bridge_only(config)
    manager = engine.networks.manager
    name = manager.store.get(network).name
    doc = read_status(engine, config.id)
    atts: dict[str, Any] = doc.get("attachments") or {}
    if name not in config.networks and name not in atts:
        raise InvalidArgument(f"container {config.id} is not connected to network {name}")
    if doc.get("netns") and name in atts:
        att = atts[name]
        with rl.using(engine, ensure=False):
            manager.disconnect(
                doc["netns"], config.id, name, container_name=config.name,
                interface_name=att.get("interface_name") or "eth0",
                aliases=att.get("aliases") or (),
            )  # fmt: skip
            rl.release_if_unused(engine)  # its last network: nothing else may use the namespace
        del atts[name]
        (doc.get("networks") or {}).pop(name, None)
        write_status(engine, config.id, doc)
    rest = {n: a for n, a in config.networks.items() if n != name}
    engine.container_store.set_config(records.replace(config, networks=rest))


def reload(engine: LocalEngine, config: ContainerConfig) -> None:
    """Re-create the firewall rules of a running container (after `iptables -F`)."""
    doc = read_status(engine, config.id)
    atts = doc.get("attachments") or {}
    if not atts or not doc.get("netns"):
        return
    with rl.using(engine):
        result = engine.networks.manager.reload(
            doc["netns"], container_id=config.id, container_name=config.name,
            networks=attachments(atts), ports=rl.netavark_ports(engine, port_mappings(config)),
            dns_servers=config.dns_servers,
        )  # fmt: skip
    doc["networks"] = {name: st.raw for name, st in result.items()}
    write_status(engine, config.id, doc)
