"""What inspect, port and ps show of a container's network: from its config and its record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypod.local.network_record import port_mappings, read_status

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine


def port_bindings(config: ContainerConfig) -> dict[str, list[dict[str, str]]]:
    """HostConfig.PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}."""
    out: dict[str, list[dict[str, str]]] = {}
    for m in port_mappings(config):
        for i in range(m.range):
            out.setdefault(f"{m.container_port + i}/{m.protocol}", []).append(
                {"HostIp": m.host_ip, "HostPort": str(m.host_port + i)}
            )
    return out


def published(config: ContainerConfig) -> list[dict[str, Any]]:
    """One row per port: {"host_ip", "host_port", "container_port", "protocol"} (host_ip
    0.0.0.0 when every address)."""
    rows = []
    for m in port_mappings(config):
        for i in range(m.range):
            rows.append(
                {
                    "host_ip": m.host_ip or "0.0.0.0",
                    "host_port": m.host_port + i,
                    "container_port": m.container_port + i,
                    "protocol": m.protocol,
                }
            )
    return rows


def ps_ports(config: ContainerConfig) -> str:
    """ps's PORTS column: "0.0.0.0:8080->80/tcp, ..."."""
    return ", ".join(
        f"{r['host_ip']}:{r['host_port']}->{r['container_port']}/{r['protocol']}"
        for r in published(config)
    )


def _endpoint(block: Mapping[str, Any], aliases: list[str], name: str) -> dict[str, Any]:
    ifaces = block.get("interfaces") or {}
    iface = next(iter(ifaces.values()), {}) if ifaces else {}
    v4 = v6 = ("", "", 0)
    for sub in iface.get("subnets") or ():
        addr, _, plen = str(sub.get("ipnet", "")).partition("/")
        entry = (addr, str(sub.get("gateway") or ""), int(plen or 0))
        if ":" in addr and not v6[0]:
            v6 = entry
        elif ":" not in addr and not v4[0]:
            v4 = entry
    return {
        "EndpointID": "",
        "Gateway": v4[1],
        "IPAddress": v4[0],
        "IPPrefixLen": v4[2],
        "IPv6Gateway": v6[1],
        "GlobalIPv6Address": v6[0],
        "GlobalIPv6PrefixLen": v6[2],
        "MacAddress": str(iface.get("mac_address") or ""),
        "NetworkID": name,
        "DriverOpts": None,
        "IPAMConfig": None,
        "Links": None,
        "Aliases": aliases,
    }


def network_settings(engine: LocalEngine, config: ContainerConfig) -> dict[str, Any]:
    """inspect's NetworkSettings in Podman's shape (addresses only while the netns exists)."""
    doc = read_status(engine, config.id)
    ports: dict[str, Any] = {}
    for key, binds in port_bindings(config).items():
        ports[key] = [{"HostIp": b["HostIp"] or "0.0.0.0", "HostPort": b["HostPort"]}
                      for b in binds]  # fmt: skip
    for key in config.expose:
        ports.setdefault(key, None)
    out: dict[str, Any] = {
        "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "",
        "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "MacAddress": "", "Bridge": "",
        "SandboxID": "", "HairpinMode": False, "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0, "Ports": ports, "SandboxKey": str(doc.get("netns") or ""),
    }  # fmt: skip
    atts = doc.get("attachments") or {}
    blocks = doc.get("networks") or {}
    if config.network_mode == "bridge":
        names = list(atts) or list(config.networks)
        nets = {}
        for name in names:
            aliases = list((atts.get(name) or config.networks.get(name) or {}).get("aliases", ()))
            nets[name] = _endpoint(blocks.get(name) or {}, aliases, name)
        out["Networks"] = nets
        if len(nets) == 1:  # Podman fills the top-level fields from a single network
            only = next(iter(nets.values()))
            for key in ("Gateway", "IPAddress", "IPPrefixLen", "IPv6Gateway",
                        "GlobalIPv6Address", "GlobalIPv6PrefixLen", "MacAddress"):  # fmt: skip
                out[key] = only[key]
    helper = doc.get("helper") or {}
    if helper.get("address"):
        out["IPAddress"] = helper["address"]
        out["Gateway"] = helper.get("gateway", "")
    return out
