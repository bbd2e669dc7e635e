"""A container's network at init (setup) and cleanup (teardown).

For bridge, pasta and slirp4netns the engine makes a persistent namespace file (network.netns)
before `runtime create`, writes its path into config.json and connects it: netavark setup
(as root in the host's namespace; rootless inside the store's rootless network namespace, see
network_rootless.py), or a pasta/slirp4netns helper of its own. What was done goes into the
record (network_record.py) so teardown can undo it from any later process.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from pypod.errors import InvalidArgument, PypodError
from pypod.local import network_rootless as rl
from pypod.local.network_record import (
    OWN_NETNS,
    attachments,
    dns_aliases,
    forget_status,
    port_mappings,
    read_status,
    write_status,
)
from pypod.log import get_logger
from pypod.records import record

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine
    from pypod.network.netavark import NetworkStatus

log = get_logger(__name__)


@record
class NetInfo:
    """What init needs for config.json and the etc files."""

    netns_path: str = ""
    ip: str = ""  # the container's first address ("" = keep 127.0.0.1 in /etc/hosts)
    host_gateway: str = ""  # host.containers.internal
    dns_servers: tuple[str, ...] = ()  # aardvark-dns on user networks
    dns_search: tuple[str, ...] = ()


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
    userns = ""
    if config.uid_map:
        from pypod.local.container_userns import netns_owner

        userns = netns_owner(engine, config)  # --userns: the netns must belong to it
    path = netns.create(engine.store.run_root, userns=userns)
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
    atts = dns_aliases(engine, config)
    doc["attachments"] = atts
    doc["rootless_netns"] = engine.rootless
    write_status(engine, config.id, doc)
    ports = port_mappings(config)
    with rl.using(engine):
        result = engine.networks.manager.setup(
            path,
            container_id=config.id,
            container_name=config.name,
            networks=attachments(atts),
            ports=rl.netavark_ports(engine, ports),
            dns_servers=config.dns_servers,
        )
        doc["networks"] = {name: st.raw for name, st in result.items()}
        write_status(engine, config.id, doc)
        rl.forward(engine, ports)
        doc["forwarded"] = bool(ports) and engine.rootless
    return _bridge_info(engine, path, result)


def _bridge_info(engine: LocalEngine, path: str, result: dict[str, NetworkStatus]) -> NetInfo:
    first = next(iter(result.values()), None)
    ip = gateway = ""
    if first is not None and first.interfaces:
        iface = first.interfaces[0]
        ip = first.ips[0] if first.ips else ""
        gateway = next((g for g in iface.gateways if g), "")
    if engine.rootless:  # the bridge is in the rootless namespace, not on the host (as Podman)
        from pypod.core.etcfiles import host_ipv4

        gateway = host_ipv4()
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

    conf = engine.containers_conf.engine
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


def teardown(engine: LocalEngine, config: ContainerConfig) -> None:
    """Undo setup from the stored record: netavark teardown, stop the helper, remove the
    namespace file, forget the record. Idempotent; failures are logged, never raised."""
    doc = read_status(engine, config.id)
    if not doc:
        return
    path = str(doc.get("netns") or "")
    if doc.get("mode") == "bridge":
        _teardown_bridge(engine, config, doc)
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
    forget_status(engine, config.id)


def _teardown_bridge(engine: LocalEngine, config: ContainerConfig, doc: dict[str, Any]) -> None:
    path = str(doc.get("netns") or "")
    atts = doc.get("attachments") or {}
    ports = port_mappings(config)
    with rl.using(engine, ensure=False):
        if doc.get("forwarded"):
            rl.unforward(engine, ports)
        if atts and path and doc.get("networks"):  # a failed setup was undone by netavark
            try:
                engine.networks.manager.teardown(
                    path,
                    container_id=config.id,
                    container_name=config.name,
                    networks=attachments(atts),
                    ports=rl.netavark_ports(engine, ports),
                )
            except PypodError as exc:
                log.warning("network teardown of %s: %s", config.name, exc)
        rl.release_if_unused(engine)
