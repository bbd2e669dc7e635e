"""--network at create: the mode, helper options, networks and published ports a container keeps.

Modes (ContainerConfig.network_mode): none, host, bridge (netavark networks in
config.networks, root or rootless), pasta / slirp4netns (options in config.network_options),
container:ID (join a running container's namespace), ns:PATH (join a namespace file).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypod.errors import InvalidArgument
from pypod.local.network_record import OWN_NETNS, ROOTLESS_MODES
from pypod.records import record

if TYPE_CHECKING:
    from pypod.domain.containers_create import CreateRequest
    from pypod.local.engine import LocalEngine

_NET_OPTS = ("ip", "ip6", "mac", "alias", "interface_name")


@record
class NetChoice:
    """What create stores: the mode, helper options and the networks with their options."""

    mode: str
    options: tuple[str, ...] = ()
    networks: dict[str, dict[str, Any]]
    ports: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()


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
    if not req.publish and not (req.publish_all and expose):
        return ()  # spares the port code (ipaddress, socket) on most creates
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
    if engine.rootless and mode == "bridge":
        _check_rootless_forwarding(mappings)
    return tuple(m.to_json() for m in portspec.assign_random(mappings))


def _check_rootless_forwarding(mappings: list[Any]) -> None:
    """Rootless bridge ports go through the rootless namespace's slirp4netns: refuse now what
    it cannot forward (sctp; no slirp4netns installed)."""
    from pypod.network import rootless, rootless_netns

    list(rootless._expand(mappings))  # sctp: "cannot be forwarded by pasta/slirp4netns"
    if rootless_netns.helper_options().mode != rootless.SLIRP4NETNS:
        raise InvalidArgument(rootless_netns.PASTA_NO_PORTS)
