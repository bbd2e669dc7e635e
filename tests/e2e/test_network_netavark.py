"""Rootful networks through netavark on real namespaces the tests create (needs root).

Traffic stays on this machine: between the test's namespaces, and from the host's loopback
to a published port.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile

import pytest

from pypod.network.manager import Attachment, NetworkManager
from pypod.network.ports import parse_all
from tests.e2e.network_helpers import (
    bridge_name,
    dns_a,
    echo_server,
    free_subnet,
    iptables_lines,
    isolation_exclusive,
    links,
    netns,
    tcp_echo,
    wait_for,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


@pytest.fixture
def manager():
    base = tempfile.mkdtemp(prefix="pypod-net-", dir="/var/tmp")
    yield NetworkManager.open(os.path.join(base, "root"), os.path.join(base, "run"))
    import shutil

    shutil.rmtree(base, ignore_errors=True)


def _net(manager: NetworkManager, **kw):  # type: ignore[no-untyped-def]
    name = "t" + secrets.token_hex(4)
    return manager.store.create(
        name=name, subnets=[free_subnet()], interface_name=bridge_name(), **kw
    )


def _cid() -> str:
    return secrets.token_hex(32)


def _aardvark_pids(config_dir: str) -> list[int]:
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if any(b"aardvark-dns" in c for c in cmd[:1]) and config_dir.encode() in b" ".join(cmd):
                pids.append(int(pid))
    return pids


def test_two_containers_talk_resolve_and_leave_nothing(manager):
    net = _net(manager)
    subnet = ipaddress.ip_network(net.subnets[0].subnet)
    gateway = net.subnets[0].gateway
    c1, c2 = _cid(), _cid()
    with netns() as ns1, netns() as ns2:
        s1 = manager.setup(ns1, container_id=c1, container_name="web",
                           networks={net.name: Attachment(aliases=("web",))})  # fmt: skip
        s2 = manager.setup(ns2, container_id=c2, container_name="client",
                           networks={net.name: Attachment(aliases=("client",))})  # fmt: skip
        ip1, ip2 = s1[net.name].ips[0], s2[net.name].ips[0]
        assert ipaddress.ip_address(ip1) in subnet and ipaddress.ip_address(ip2) in subnet
        assert ip1 != ip2 and gateway not in (ip1, ip2)
        assert s1[net.name].interfaces[0].name == "eth0"
        assert s1[net.name].dns_server_ips == (gateway,)
        assert net.network_interface in links()
        assert manager.users(net.name) == sorted([c1, c2])

        with echo_server(ns1, 8080):
            assert tcp_echo(ns2, ip1, 8080) == "echo:hi"
        # aardvark-dns answers the container names on the network's gateway
        assert dns_a(ns2, "web", gateway) == ip1
        assert dns_a(ns1, "client.dns.podman", gateway) == ip2
        assert _aardvark_pids(manager.netavark.config_dir)
        assert iptables_lines(net.subnets[0].subnet)

        manager.teardown(ns1, container_id=c1, container_name="web",
                         networks={net.name: Attachment(aliases=("web",))})  # fmt: skip
        assert net.network_interface in links()  # c2 still uses the bridge
        manager.teardown(ns2, container_id=c2, container_name="client",
                         networks={net.name: Attachment(aliases=("client",))})  # fmt: skip
        assert net.network_interface not in links()
        assert iptables_lines(net.subnets[0].subnet) == []
        assert manager.users(net.name) == []
        assert wait_for(lambda: not _aardvark_pids(manager.netavark.config_dir))


def test_isolated_networks_cannot_reach_each_other(manager):
    # as in Podman, bridges route to each other through the host unless -o isolate=true
    a, b = _net(manager, options={"isolate": "true"}), _net(manager, options={"isolate": "true"})
    ca, cb = _cid(), _cid()
    with isolation_exclusive(), netns() as ns_a, netns() as ns_b:
        sa = manager.setup(ns_a, container_id=ca, container_name="a",
                           networks={a.name: Attachment()})  # fmt: skip
        manager.setup(ns_b, container_id=cb, container_name="b",
                      networks={b.name: Attachment()})  # fmt: skip
        try:
            with echo_server(ns_a, 8080):
                assert tcp_echo(ns_b, sa[a.name].ips[0], 8080).startswith("error")
        finally:
            manager.teardown(ns_a, container_id=ca, container_name="a",
                             networks={a.name: Attachment()})  # fmt: skip
            manager.teardown(ns_b, container_id=cb, container_name="b",
                             networks={b.name: Attachment()})  # fmt: skip


def test_published_port_reaches_container_from_host_loopback(manager):
    from pypod.network.ports import random_port

    net = _net(manager)
    cid = _cid()
    host_port = random_port("", "tcp")
    ports = parse_all([f"{host_port}:80"])
    with netns() as ns:
        rules_before = iptables_lines(cid)
        manager.setup(ns, container_id=cid, container_name="pub",
                      networks={net.name: Attachment()}, ports=ports)  # fmt: skip
        try:
            assert any(str(host_port) in ln for ln in iptables_lines(cid))
            with echo_server(ns, 80):
                assert tcp_echo(None, "127.0.0.1", host_port) == "echo:hi"
        finally:
            manager.teardown(ns, container_id=cid, container_name="pub",
                             networks={net.name: Attachment()}, ports=ports)  # fmt: skip
        assert iptables_lines(cid) == rules_before == []


def test_static_ip_connect_disconnect_and_reload(manager):
    net, extra = _net(manager), _net(manager)
    want = str(ipaddress.ip_network(net.subnets[0].subnet).network_address + 42)
    cid = _cid()
    with netns() as ns:
        s = manager.setup(ns, container_id=cid, container_name="s",
                          networks={net.name: Attachment(static_ips=(want,))})  # fmt: skip
        assert s[net.name].ips == [want]
        st = manager.connect(ns, cid, extra.name, ["alias1"], "", used_interfaces=["eth0"])
        assert st.interfaces[0].name == "eth1"
        # a flushed firewall comes back with reload, with the same address
        manager.reload(ns, container_id=cid, container_name="s",
                       networks={net.name: Attachment()})  # fmt: skip
        assert manager.ipam.addresses(net, cid) == [want]
        assert iptables_lines(net.subnets[0].subnet)
        manager.disconnect(ns, cid, extra.name, interface_name="eth1")
        assert extra.network_interface not in links()
        manager.teardown(ns, container_id=cid, container_name="s",
                         networks={net.name: Attachment()})  # fmt: skip
    assert iptables_lines(net.subnets[0].subnet, extra.subnets[0].subnet) == []


def test_taken_host_port_fails_before_setup(manager):
    import socket

    from pypod.errors import Conflict

    net = _net(manager)
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    cid = _cid()
    try:
        with netns() as ns, pytest.raises(Conflict, match=f"{port}/tcp"):
            manager.setup(ns, container_id=cid, container_name="x",
                          networks={net.name: Attachment()},
                          ports=parse_all([f"127.0.0.1:{port}:80"]))  # fmt: skip
    finally:
        holder.close()
    assert manager.users(net.name) == []  # nothing allocated
    assert net.network_interface not in links()
