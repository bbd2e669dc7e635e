"""Attach containers to networks: the one object the container layer calls.

    nets = NetworkManager.open(graph_root, run_root)
    status = nets.setup(netns_path, container_id=cid, container_name="web",
                        networks={"podman": Attachment(aliases=("web",))}, ports=ports)
    ...
    nets.teardown(netns_path, container_id=cid, container_name="web",
                  networks={"podman": Attachment(aliases=("web",))}, ports=ports)

setup allocates addresses (ipam.py), checks the host ports are free, runs `netavark setup`
and frees the addresses again if that fails; teardown runs `netavark teardown` with the same
addresses and frees them. netavark removes the bridge when its last container leaves and
stops aardvark-dns when no container with DNS is left. connect/disconnect do the same for one
network of a running container; reload re-creates the firewall rules (after `iptables -F`).

Rootless, netavark runs inside the store's rootless network namespace (`rootless_netns`, see
rootless_netns.py); the caller holds its lock and has ensured it around these verbs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from pypod.errors import InvalidArgument, PypodError
from pypod.log import get_logger
from pypod.network.config import Network, NetworkStore
from pypod.network.ipam import Ipam
from pypod.network.netavark import Netavark, NetworkStatus, PerNetwork, build_options
from pypod.network.ports import PortMapping, check_free
from pypod.records import record

log = get_logger(__name__)


@record
class Attachment:
    """What a container asks of one network (--network NAME:alias=..,ip=..,mac=..)."""

    aliases: tuple[str, ...] = ()
    static_ips: tuple[str, ...] = ()
    static_mac: str = ""
    interface_name: str = ""


class NetworkManager:
    def __init__(self, store: NetworkStore, ipam: Ipam, netavark: Netavark) -> None:
        self.store = store
        self.ipam = ipam
        self.netavark = netavark
        self.rootless_netns = netavark.netns  # None as root

    @classmethod
    def open(
        cls,
        graph_root: str,
        run_root: str,
        *,
        rootless: bool = False,
        default_name: str = "podman",
        default_subnet: str = "10.88.0.0/16",
    ) -> NetworkManager:
        run_dir = os.path.join(run_root, "networks")
        netns = None
        if rootless:  # netavark runs inside the user's rootless network namespace
            from pypod.network.rootless_netns import RootlessNetns

            netns = RootlessNetns(run_root)
        return cls(
            NetworkStore(
                os.path.join(graph_root, "networks"),
                default_name=default_name,
                default_subnet=default_subnet,
            ),
            Ipam(os.path.join(run_dir, "ipam.json")),
            Netavark(run_dir, rootless=rootless, netns=netns),
        )

    # helpers -------------------------------------------------------------------------------
    def _resolve(self, networks: Mapping[str, Attachment]) -> dict[str, Network]:
        return {key: self.store.get(key) for key in networks}

    def _per_network(
        self,
        container_id: str,
        infos: Mapping[str, Network],
        networks: Mapping[str, Attachment],
        allocate: bool,
        first_index: int = 0,
    ) -> dict[str, PerNetwork]:
        out: dict[str, PerNetwork] = {}
        for i, (key, att) in enumerate(networks.items()):
            net = infos[key]
            if allocate:
                ips = self.ipam.allocate(net, container_id, att.static_ips)
            else:
                ips = self.ipam.addresses(net, container_id) or list(att.static_ips)
            out[net.name] = PerNetwork(
                interface_name=att.interface_name or f"eth{first_index + i}",
                static_ips=tuple(ips),
                aliases=att.aliases,
                static_mac=att.static_mac,
            )
        return out

    def _release(self, infos: Mapping[str, Network], container_id: str) -> None:
        for net in infos.values():
            self.ipam.release(net, container_id)

    # verbs ---------------------------------------------------------------------------------
    def setup(
        self,
        netns_path: str,
        *,
        container_id: str,
        container_name: str,
        networks: Mapping[str, Attachment],
        ports: Sequence[PortMapping] = (),
        dns_servers: Sequence[str] = (),
        first_index: int = 0,
        check_ports: bool = True,
    ) -> dict[str, NetworkStatus]:
        """Connect the netns to every network; returns netavark's status per network name."""
        if not networks:
            raise InvalidArgument("no networks to set up")
        infos = self._resolve(networks)
        if check_ports:
            check_free(ports)
        per = self._per_network(container_id, infos, networks, True, first_index)
        options = build_options(
            container_id=container_id,
            container_name=container_name,
            networks=per,
            network_info={n.name: n for n in infos.values()},
            ports=ports,
            dns_servers=dns_servers,
        )
        try:
            return self.netavark.setup(netns_path, options)
        except PypodError:
            self._release(infos, container_id)
            raise

    def teardown(
        self,
        netns_path: str,
        *,
        container_id: str,
        container_name: str,
        networks: Mapping[str, Attachment],
        ports: Sequence[PortMapping] = (),
        first_index: int = 0,
    ) -> None:
        """Undo setup; the addresses are freed even when netavark fails (then it raises)."""
        infos: dict[str, Network] = {}
        for key in networks:
            try:
                infos[key] = self.store.get(key)
            except PypodError:
                log.warning("network %s is gone; skipping its teardown", key)
        if not infos:
            return
        kept = {k: a for k, a in networks.items() if k in infos}
        per = self._per_network(container_id, infos, kept, False, first_index)
        options = build_options(
            container_id=container_id,
            container_name=container_name,
            networks=per,
            network_info={n.name: n for n in infos.values()},
            ports=ports,
        )
        try:
            self.netavark.teardown(netns_path, options)
        finally:
            self._release(infos, container_id)

    def reload(
        self,
        netns_path: str,
        *,
        container_id: str,
        container_name: str,
        networks: Mapping[str, Attachment],
        ports: Sequence[PortMapping] = (),
        dns_servers: Sequence[str] = (),
    ) -> dict[str, NetworkStatus]:
        """Re-create a running container's firewall rules with the addresses it holds."""
        infos = self._resolve(networks)
        held = {
            k: Attachment(
                aliases=a.aliases,
                static_ips=tuple(self.ipam.addresses(infos[k], container_id)) or a.static_ips,
                static_mac=a.static_mac,
                interface_name=a.interface_name,
            )
            for k, a in networks.items()
        }
        try:
            self.teardown(
                netns_path,
                container_id=container_id,
                container_name=container_name,
                networks=held,
                ports=ports,
            )
        except PypodError as exc:  # the rules may be gone already: that is why we reload
            log.debug("reload: teardown of %s failed: %s", container_id, exc)
        return self.setup(
            netns_path,
            container_id=container_id,
            container_name=container_name,
            networks=held,
            ports=ports,
            dns_servers=dns_servers,
            check_ports=False,  # the container's own forwarding: nothing else bound them
        )

    def connect(
        self,
        netns_path: str,
        container_id: str,
        network: str,
        aliases: Sequence[str] = (),
        ip: str = "",
        *,
        container_name: str = "",
        mac: str = "",
        interface_name: str = "",
        used_interfaces: Sequence[str] = (),
    ) -> NetworkStatus:
        """Add a running container to one more network (a new ethN in its netns)."""
        net = self.store.get(network)
        if self.ipam.addresses(net, container_id):
            raise InvalidArgument(
                f"container {container_id} is already connected to network {net.name}"
            )
        if not interface_name:
            n = 0
            while f"eth{n}" in used_interfaces:
                n += 1
            interface_name = f"eth{n}"
        att = Attachment(
            aliases=tuple(aliases),
            static_ips=(ip,) if ip else (),
            static_mac=mac,
            interface_name=interface_name,
        )
        status = self.setup(
            netns_path,
            container_id=container_id,
            container_name=container_name or container_id[:12],
            networks={net.name: att},
        )
        return status[net.name]

    def disconnect(
        self,
        netns_path: str,
        container_id: str,
        network: str,
        *,
        container_name: str = "",
        interface_name: str = "eth0",
        aliases: Sequence[str] = (),
    ) -> None:
        net = self.store.get(network)
        if not self.ipam.addresses(net, container_id):
            raise InvalidArgument(f"container {container_id} is not connected to network {network}")
        self.teardown(
            netns_path,
            container_id=container_id,
            container_name=container_name or container_id[:12],
            networks={net.name: Attachment(aliases=tuple(aliases), interface_name=interface_name)},
        )

    def users(self, network: str) -> list[str]:
        """Ids of the containers holding addresses on the network."""
        return self.ipam.users(self.store.get(network))
