"""network connect / disconnect / reload on a running container (the caller holds its lock).

connect adds a new ethN (aliases plus the short id), disconnect removes one, reload re-creates
the firewall rules after `iptables -F`; the record is updated each time. Rootless, netavark
runs inside the store's rootless network namespace (network_rootless.using).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pypod.errors import InvalidArgument
from pypod.local import network_rootless as rl
from pypod.local.network_record import attachments, port_mappings, read_status, write_status

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine


def _running_status(engine: LocalEngine, config: ContainerConfig) -> dict[str, Any]:
    doc = read_status(engine, config.id)
    if config.network_mode != "bridge" or not doc.get("netns"):
        raise InvalidArgument(
            f"container {config.name} is not running on a bridge network "
            f"(network mode {config.network_mode})"
        )
    return doc


def connect(
    engine: LocalEngine, config: ContainerConfig, network: str, aliases: tuple[str, ...],
    ip: str = "", mac: str = "",
) -> None:  # fmt: skip
    doc = _running_status(engine, config)
    manager = engine.networks.manager
    name = manager.store.get(network).name
    atts: dict[str, Any] = doc.setdefault("attachments", {})
    if name in atts:
        raise InvalidArgument(f"container {config.id} is already connected to network {name}")
    used = [str(a.get("interface_name") or "") for a in atts.values()]
    with rl.using(engine):
        status = manager.connect(
            doc["netns"], config.id, name, [*aliases, config.short_id], ip,
            container_name=config.name, mac=mac, used_interfaces=used,
        )  # fmt: skip
    iface = status.interfaces[0].name if status.interfaces else ""
    atts[name] = {"aliases": [*aliases, config.short_id], "static_ips": [],
                  "static_mac": mac, "interface_name": iface}  # fmt: skip
    doc.setdefault("networks", {})[name] = status.raw
    write_status(engine, config.id, doc)


def disconnect(engine: LocalEngine, config: ContainerConfig, network: str) -> None:
    doc = _running_status(engine, config)
    manager = engine.networks.manager
    name = manager.store.get(network).name
    atts: dict[str, Any] = doc.get("attachments") or {}
    if name not in atts:
        raise InvalidArgument(f"container {config.id} is not connected to network {name}")
    att = atts[name]
    with rl.using(engine, ensure=False):
        manager.disconnect(
            doc["netns"], config.id, name, container_name=config.name,
            interface_name=att.get("interface_name") or "eth0", aliases=att.get("aliases") or (),
        )  # fmt: skip
        rl.release_if_unused(engine)  # its last network: nothing else may use the namespace
    del atts[name]
    (doc.get("networks") or {}).pop(name, None)
    write_status(engine, config.id, doc)


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
