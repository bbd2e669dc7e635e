"""A container's network: --network parsing at create, setup at init, teardown at cleanup.

Modes (ContainerConfig.network_mode): none, host, bridge (netavark networks in
config.networks), pasta / slirp4netns (options in config.network_options), container:ID
(join a running container's namespace), ns:PATH (join a namespace file).

For bridge, pasta and slirp4netns the engine makes a persistent namespace file (network.netns)
before `runtime create`, writes its path into config.json and connects it (netavark setup as
root; pasta/slirp4netns). What was done is recorded in <userdata>/network.json — written once
the namespace exists, updated after setup — so teardown (stop/kill/exit/rm, after conmon died
or a crash) finds what to undo without the process that did it, and can run twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypod.errors import InvalidArgument, PypodError

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.domain.containers_create import CreateRequest
    from pypod.local.engine import LocalEngine
    from pypod.network.manager import Attachment
    from pypod.network.ports import PortMapping

log = logging.getLogger(__name__)

STATUS_FILE = "network.json"
ROOTLESS_MODES = ("pasta", "slirp4netns")
OWN_NETNS = ("bridge", *ROOTLESS_MODES)
ROOTLESS_NETWORKS_UNSUPPORTED = "rootless user-defined networks are not supported yet"
_NET_OPTS = ("ip", "ip6", "mac", "alias", "interface_name")


@dataclass(frozen=True, slots=True, kw_only=True)
class NetChoice:
    """What create stores: the mode, helper options and the networks with their options."""

    mode: str
    options: tuple[str, ...] = ()
    networks: dict[str, dict[str, Any]]
    ports: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NetInfo:
    """What init needs for config.json and the etc files."""

    netns_path: str = ""
    ip: str = ""  # the container's first address ("" = keep 127.0.0.1 in /etc/hosts)
    host_gateway: str = ""  # host.containers.internal
    dns_servers: tuple[str, ...] = ()  # aardvark-dns on user networks
    dns_search: tuple[str, ...] = ()


# --- create ----------------------------------------------------------------------------------
def _split_networks(value: str) -> list[tuple[str, list[str]]]:
    """ "a,b" / "name:ip=..,mac=..,alias=.." -> [(name, [opt, ...])]; a piece with "=" and
    no ":" before it continues the previous network's options."""
    out: list[tuple[str, list[str]]] = []
    for piece in value.split(","):
        if not piece:
            continue
        head, eq, _ = piece.partition("=")
        if eq and ":" not in head and out:
            out[-1][1].append(piece)
            continue
        name, _, opt = piece.partition(":")
        out.append((name, [opt] if opt else []))
    return out


def _attachment(name: str, opts: list[str]) -> dict[str, Any]:
    att: dict[str, Any] = {"aliases": [], "static_ips": [], "static_mac": "", "interface_name": ""}
    for opt in opts:
        key, sep, val = opt.partition("=")
        if not sep or key not in _NET_OPTS:
            raise InvalidArgument(f'unknown network option "{opt}" for network {name}')
        if key in ("ip", "ip6"):
            att["static_ips"].append(val)
        elif key == "alias":
            att["aliases"].append(val)
        elif key == "mac":
            att["static_mac"] = val
        else:
            att["interface_name"] = val
    return att


def default_mode(engine: LocalEngine) -> str:
    """containers.conf [containers] netns, else bridge as root and pasta rootless."""
    conf = engine.containers_conf
    configured = getattr(conf.containers, "netns", "") or ""
    if configured and configured not in ("private", "bridge"):
        return configured
    if engine.rootless:
        from pypod.network import rootless

        return rootless.default_mode(conf.network.default_rootless_network_cmd or "pasta")
    return "bridge"


def choose(engine: LocalEngine, req: CreateRequest, expose: Mapping[str, str]) -> NetChoice:
    """Parse --network and its companions into what the container stores."""
    value = req.network or default_mode(engine)
    mode, _, rest = value.partition(":")
    warnings: list[str] = []
    networks: dict[str, dict[str, Any]] = {}
    options: tuple[str, ...] = ()
    if mode in ("none", "host") and not rest:
        pass
    elif mode in ROOTLESS_MODES:
        from pypod.network import rootless

        rootless.parse_mode(value)  # validates the options now, not at start
        options = tuple(o for o in rest.split(",") if o)
    elif mode == "container":
        from pypod.local import container_lookup as lk

        if not rest:
            raise InvalidArgument("invalid network mode container: no container given")
        value = f"container:{lk.one(engine, rest)}"
    elif mode == "ns":
        if not rest.startswith("/"):
            raise InvalidArgument(f"invalid network namespace path {rest!r}: must be absolute")
    else:
        mode, networks = "bridge", _named(engine, value)
    _check_extras(req, mode, networks)
    ports = _ports(engine, req, mode, expose, warnings)
    stored_mode = value if mode in ("container", "ns") else mode
    return NetChoice(
        mode=stored_mode,
        options=options,
        networks=networks,
        ports=ports,
        warnings=tuple(warnings),
    )


def _named(engine: LocalEngine, value: str) -> dict[str, dict[str, Any]]:
    store = engine.networks.manager.store
    networks: dict[str, dict[str, Any]] = {}
    for name, opts in _split_networks(value):
        if name in ("bridge", "private"):
            name = store.default_name
        net = store.get(name)  # network not found: fail at create, as Podman does
        networks[net.name] = _attachment(net.name, opts)
    if engine.rootless:
        raise InvalidArgument(ROOTLESS_NETWORKS_UNSUPPORTED)
    return networks


def _check_extras(req: CreateRequest, mode: str, networks: dict[str, dict[str, Any]]) -> None:
    """--ip, --mac-address, --network-alias belong to the (first) netavark network."""
    extras = bool(req.ip or req.mac_address or req.network_aliases)
    if not extras:
        return
    if mode != "bridge" or not networks:
        raise InvalidArgument(
            f"--ip, --mac-address and --network-alias need a bridge network (network mode {mode})"
        )
    first = next(iter(networks.values()))
    if req.ip:
        first["static_ips"].append(req.ip)
    if req.mac_address:
        first["static_mac"] = req.mac_address
    first["aliases"].extend(req.network_aliases)


def _ports(
    engine: LocalEngine,
    req: CreateRequest,
    mode: str,
    expose: Mapping[str, str],
    warnings: list[str],
) -> tuple[dict[str, Any], ...]:
    from pypod.network import ports as portspec

    mappings = portspec.parse_all(req.publish)
    if req.publish_all:
        taken = {(m.container_port, m.protocol) for m in mappings}
        for key in expose:
            port, _, proto = key.partition("/")
            lo, _, hi = port.partition("-")
            for p in range(int(lo), int(hi or lo) + 1):
                if (p, proto or "tcp") not in taken:
                    mappings.append(portspec.PortMapping(container_port=p, protocol=proto or "tcp"))
    if not mappings:
        return ()
    if mode not in OWN_NETNS:
        warnings.append(
            "Port mappings have been discarded as one of the Host, Container, Pod, and None "
            "network modes are in use"
        )
        return ()
    portspec.check_unprivileged(mappings, engine.rootless)
    return tuple(m.to_json() for m in portspec.assign_random(mappings))


def port_mappings(config: ContainerConfig) -> list[PortMapping]:
    from pypod.network.ports import PortMapping

    return [PortMapping(**p) for p in config.ports]


# --- status record ---------------------------------------------------------------------------
def _status_path(engine: LocalEngine, cid: str) -> str:
    from pypod.local.container_storage import layers

    return os.path.join(layers(engine).userdata_dir(cid), STATUS_FILE)


def read_status(engine: LocalEngine, cid: str) -> dict[str, Any]:
    try:
        with open(_status_path(engine, cid), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def write_status(engine: LocalEngine, cid: str, doc: dict[str, Any]) -> None:
    path = _status_path(engine, cid)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    os.rename(tmp, path)


def _attachments(atts: Mapping[str, Mapping[str, Any]]) -> dict[str, Attachment]:
    from pypod.network.manager import Attachment

    return {
        name: Attachment(
            aliases=tuple(a.get("aliases") or ()),
            static_ips=tuple(a.get("static_ips") or ()),
            static_mac=str(a.get("static_mac") or ""),
            interface_name=str(a.get("interface_name") or ""),
        )
        for name, a in atts.items()
    }


def dns_aliases(engine: LocalEngine, config: ContainerConfig) -> dict[str, dict[str, Any]]:
    """The short id is an alias on networks with DNS (as Podman); interface names fixed."""
    store = engine.networks.manager.store
    out: dict[str, dict[str, Any]] = {}
    for i, (name, att) in enumerate(config.networks.items()):
        aliases = list(att.get("aliases") or ())
        with contextlib.suppress(PypodError):
            if store.get(name).dns_enabled and config.short_id not in aliases:
                aliases.append(config.short_id)
        out[name] = {
            **att,
            "aliases": aliases,
            "interface_name": att.get("interface_name") or f"eth{i}",
        }
    return out


# --- init: setup -----------------------------------------------------------------------------
def setup(engine: LocalEngine, config: ContainerConfig, run_dir: str = "") -> NetInfo:
    """Make and connect the container's namespace (modes with one of their own); joins for
    container:/ns:. On failure everything done so far is undone before raising."""
    mode = config.network_mode
    if mode.startswith("container:"):
        return NetInfo(netns_path=_container_netns(engine, mode.partition(":")[2]))
    if mode.startswith("ns:"):
        return NetInfo(netns_path=mode.partition(":")[2])
    if mode not in OWN_NETNS:
        return NetInfo()
    from pypod.network import netns

    teardown(engine, config)  # leftovers of a crash: never leak a second namespace
    path = netns.create(engine.store.run_root)
    doc: dict[str, Any] = {"mode": mode, "netns": path}
    write_status(engine, config.id, doc)
    try:
        if mode == "bridge":
            info = _setup_bridge(engine, config, path, doc)
        else:
            info = _setup_rootless(engine, config, path, doc)
    except BaseException:
        teardown(engine, config)
        raise
    write_status(engine, config.id, doc)
    return info


def _container_netns(engine: LocalEngine, cid: str) -> str:
    from pypod.core.model import Status

    config, state = engine.container_store.get(cid)
    if state.status not in (Status.RUNNING, Status.PAUSED, Status.CREATED) or not state.pid:
        raise InvalidArgument(
            f"cannot join the network namespace of container {config.name}: it is not running"
        )
    return f"/proc/{state.pid}/ns/net"


def _setup_bridge(
    engine: LocalEngine, config: ContainerConfig, path: str, doc: dict[str, Any]
) -> NetInfo:
    if engine.rootless:
        raise InvalidArgument(ROOTLESS_NETWORKS_UNSUPPORTED)
    atts = dns_aliases(engine, config)
    doc["attachments"] = atts
    write_status(engine, config.id, doc)
    result = engine.networks.manager.setup(
        path,
        container_id=config.id,
        container_name=config.name,
        networks=_attachments(atts),
        ports=port_mappings(config),
        dns_servers=config.dns_servers,
    )
    doc["networks"] = {name: st.raw for name, st in result.items()}
    first = next(iter(result.values()), None)
    ip = gateway = ""
    if first is not None and first.interfaces:
        iface = first.interfaces[0]
        ip = first.ips[0] if first.ips else ""
        gateway = next((g for g in iface.gateways if g), "")
    servers: list[str] = []
    search: list[str] = []
    for st in result.values():
        servers += [s for s in st.dns_server_ips if s not in servers]
        search += [s for s in st.dns_search_domains if s not in search]
    return NetInfo(
        netns_path=path,
        ip=ip,
        host_gateway=gateway,
        dns_servers=tuple(servers),
        dns_search=tuple(search),
    )


def _setup_rootless(
    engine: LocalEngine, config: ContainerConfig, path: str, doc: dict[str, Any]
) -> NetInfo:
    from pypod.network import rootless

    conf = engine.containers_conf.network
    value = config.network_mode
    if config.network_options:
        value += ":" + ",".join(config.network_options)
    opts = rootless.parse_mode(
        value,
        default_options=tuple(getattr(conf, "network_cmd_options", ()) or ()),
        binary=getattr(conf, "network_cmd_path", "") or "",
    )
    assert opts is not None  # network_mode is pasta or slirp4netns here
    # not the container's run dir: slirp4netns's API socket path must stay under 108 bytes
    helper_dir = os.path.join(engine.store.run_root, "nethelpers", config.short_id)
    net = rootless.start(opts, netns_path=path, run_dir=helper_dir, ports=port_mappings(config))
    doc["helper"] = net.to_dict()
    return NetInfo(
        netns_path=path,
        ip=net.address,
        host_gateway=net.host_gateway,
        dns_servers=net.dns_servers,
    )


# --- cleanup: teardown -----------------------------------------------------------------------
def teardown(engine: LocalEngine, config: ContainerConfig) -> None:
    """Undo setup from the stored record: netavark teardown, stop the helper, remove the
    namespace file, forget the record. Idempotent; failures are logged, never raised."""
    doc = read_status(engine, config.id)
    if not doc:
        return
    path = str(doc.get("netns") or "")
    atts = doc.get("attachments") or {}
    if atts and path and doc.get("networks"):  # a failed setup was undone by netavark itself
        try:
            engine.networks.manager.teardown(
                path,
                container_id=config.id,
                container_name=config.name,
                networks=_attachments(atts),
                ports=port_mappings(config),
            )
        except PypodError as exc:
            log.warning("network teardown of %s: %s", config.name, exc)
    helper = doc.get("helper")
    if helper:
        from pypod.network import rootless

        with contextlib.suppress(PypodError, OSError, TypeError):
            net = rootless.RootlessNet.from_dict(helper)
            rootless.stop(net, remove_netns=False)
            os.rmdir(net.run_dir)
    if path:
        from pypod.network import netns

        try:
            netns.remove(path)
        except PypodError as exc:
            log.warning("removing the network namespace of %s: %s", config.name, exc)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_status_path(engine, config.id))


# --- reports: inspect, port, ps ---------------------------------------------------------------
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


# --- network connect / disconnect / reload (the caller holds the container's lock) -----------
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
    manager.disconnect(
        doc["netns"], config.id, name, container_name=config.name,
        interface_name=att.get("interface_name") or "eth0", aliases=att.get("aliases") or (),
    )  # fmt: skip
    del atts[name]
    (doc.get("networks") or {}).pop(name, None)
    write_status(engine, config.id, doc)


def reload(engine: LocalEngine, config: ContainerConfig) -> None:
    """Re-create the firewall rules of a running container (after `iptables -F`)."""
    doc = read_status(engine, config.id)
    atts = doc.get("attachments") or {}
    if not atts or not doc.get("netns"):
        return
    result = engine.networks.manager.reload(
        doc["netns"], container_id=config.id, container_name=config.name,
        networks=_attachments(atts), ports=port_mappings(config),
        dns_servers=config.dns_servers,
    )  # fmt: skip
    doc["networks"] = {name: st.raw for name, st in result.items()}
    write_status(engine, config.id, doc)
