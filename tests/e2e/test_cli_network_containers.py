"""Containers on networks as root: netavark bridges, names through aardvark-dns, published
ports, isolation between networks, and nothing left behind after rm.

Each test creates its own networks with a random free /24 (network_helpers.free_subnet) and a
random bridge name, so tests run in parallel; traffic stays on this machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator

import pytest

from tests.e2e.network_helpers import (
    bridge_name,
    free_port,
    free_subnet,
    http_get,
    isolation_exclusive,
)
from tests.fixtures.pypod_cli import Pypod, StoreDirs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")

HTTPD = ("sh", "-c", "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && "
         "exec httpd -f -p 80 -h /www")  # fmt: skip


@pytest.fixture(autouse=True)
def _leave_nothing(pypod: Pypod) -> Iterator[None]:
    """Even when a test fails half-way: containers (their veths, rules, aardvark-dns) and the
    test's networks go before the store does."""
    yield
    pypod("rm", "-a", "-f", "-t", "0", check=False)
    names = pypod("network", "ls", "-q", check=False).stdout.split()
    for name in names:
        if name != "podman":
            pypod("network", "rm", "-f", name, check=False)


def _net(pypod: Pypod, name: str, *extra: str) -> str:
    pypod("network", "create", "--subnet", free_subnet(), "--interface-name", bridge_name(),
          *extra, name)  # fmt: skip
    return name


def _netns_files(store: StoreDirs) -> list[str]:
    d = os.path.join(store.runroot, "netns")
    return [n for n in os.listdir(d) if not n.startswith(".")] if os.path.isdir(d) else []


def _wget(ip: str) -> tuple[str, ...]:
    # busybox-static's wget crashes on an address literal (static NSS): speak HTTP with nc
    get = f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {ip} 80 | grep -q hello-"
    return ("sh", "-c", f"for i in 1 2 3 4 5 6 7 8 9 10; do {get} && exit 0; sleep 0.3; done; "
            "exit 1")  # fmt: skip


def _host_state(bridge: str) -> tuple[str, str]:
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    rules = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
    return links, rules


def test_http_by_name_on_user_network(pypod: Pypod, busybox: str, store: StoreDirs) -> None:
    net = _net(pypod, "n" + os.urandom(3).hex())
    pypod("run", "-d", "--name", "web", "--network", net, "--network-alias", "www", busybox,
          *HTTPD)  # fmt: skip
    r = pypod("run", "--rm", "--network", net, busybox, "sh", "-c", "wget -qO- http://www/")
    assert r.stdout.startswith("hello-")
    out = pypod("run", "--rm", "--network", net, busybox,
                "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do "
                "wget -qO- http://web/ && exit 0; sleep 0.3; done; exit 1")  # fmt: skip
    assert out.stdout.startswith("hello-")
    doc = json.loads(pypod("inspect", "web").stdout)[0]
    settings = doc["NetworkSettings"]
    assert net in settings["Networks"]
    ip = settings["Networks"][net]["IPAddress"]
    assert ip and settings["Networks"][net]["Gateway"]
    resolv = pypod("exec", "web", "cat", "/etc/resolv.conf").stdout
    assert "nameserver " + settings["Networks"][net]["Gateway"] in resolv
    hosts = pypod("exec", "web", "cat", "/etc/hosts").stdout
    assert f"{ip}\t" in hosts and " web" in hosts
    pypod("rm", "-f", "-t", "0", "web")
    assert _netns_files(store) == []
    pypod("network", "rm", net)


def test_isolated_networks_do_not_reach(pypod: Pypod, busybox: str) -> None:
    with isolation_exclusive():
        _isolated(pypod, busybox)


def _isolated(pypod: Pypod, busybox: str) -> None:
    a = _net(pypod, "a" + os.urandom(3).hex(), "-o", "isolate=true")
    b = _net(pypod, "b" + os.urandom(3).hex(), "-o", "isolate=true")
    pypod("run", "-d", "--name", "web", "--network", a, busybox, *HTTPD)
    ip = json.loads(pypod("inspect", "web").stdout)[0]["NetworkSettings"]["Networks"][a][
        "IPAddress"
    ]
    get = f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {ip} 80 | grep -q hello-"
    r = pypod("run", "--rm", "--network", b, busybox, "sh", "-c", get, check=False)
    assert r.rc == 1, r
    r = pypod("run", "--rm", "--network", a, busybox, *_wget(ip), check=False)
    assert r.rc == 0, r
    pypod("rm", "-f", "-t", "0", "web")


def test_published_port_and_leaks(pypod: Pypod, busybox: str, store: StoreDirs) -> None:
    port = free_port()
    bridge = bridge_name()
    net = "p" + os.urandom(3).hex()
    pypod("network", "create", "--subnet", free_subnet(), "--interface-name", bridge, net)
    pypod("run", "-d", "--name", "web", "--network", net, "-p", f"{port}:80", busybox, *HTTPD)
    assert "hello-" in http_get(port)
    assert pypod("port", "web").stdout == f"80/tcp -> 0.0.0.0:{port}\n"
    doc = json.loads(pypod("inspect", "web").stdout)[0]
    assert doc["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": str(port)}]}
    assert doc["NetworkSettings"]["Ports"]["80/tcp"] == [{"HostIp": "0.0.0.0",
                                                          "HostPort": str(port)}]  # fmt: skip
    assert f"0.0.0.0:{port}->80/tcp" in pypod("ps", "--format", "{{.Ports}}").stdout
    links, rules = _host_state(bridge)
    assert bridge in links and str(port) in rules
    pypod("rm", "-f", "-t", "0", "web")
    links, rules = _host_state(bridge)
    assert bridge not in links
    assert f"--dport {port} " not in rules
    assert _netns_files(store) == []
    pypod("network", "rm", net)


def test_taken_port_fails_before_start(pypod: Pypod, busybox: str) -> None:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        net = _net(pypod, "t" + os.urandom(3).hex())
        r = pypod("run", "-d", "--name", "c", "--network", net, "-p", f"{port}:80", busybox,
                  "sleep", "100", check=False)  # fmt: skip
        assert r.rc != 0 and "already in use" in r.stderr, r
        state = pypod("ps", "-a", "--format", "{{.Status}}").stdout
        assert "Up" not in state


def test_network_rm_in_use_and_force(pypod: Pypod, busybox: str) -> None:
    net = _net(pypod, "r" + os.urandom(3).hex())
    pypod("run", "-d", "--name", "c", "--network", net, busybox, "sleep", "100")
    r = pypod("network", "rm", net, check=False)
    assert r.rc != 0 and "associated containers" in r.stderr
    pypod("network", "rm", "-f", "-t", "0", net)
    assert pypod("ps", "-aq").stdout == ""


def test_connect_disconnect(pypod: Pypod, busybox: str) -> None:
    a = _net(pypod, "a" + os.urandom(3).hex())
    b = _net(pypod, "b" + os.urandom(3).hex())
    pypod("run", "-d", "--name", "c", "--network", a, busybox, "sleep", "100")
    pypod("network", "connect", "--alias", "other", b, "c")
    nets = json.loads(pypod("inspect", "c").stdout)[0]["NetworkSettings"]["Networks"]
    assert set(nets) == {a, b}
    assert "eth1" in pypod("exec", "c", "ip", "-o", "link").stdout
    pypod("network", "disconnect", b, "c")
    nets = json.loads(pypod("inspect", "c").stdout)[0]["NetworkSettings"]["Networks"]
    assert set(nets) == {a}
    pypod("network", "reload", "c")
    # kept in the container's config: a restart attaches it again
    pypod("network", "connect", b, "c")
    pypod("restart", "-t", "0", "c")
    nets = json.loads(pypod("inspect", "c").stdout)[0]["NetworkSettings"]["Networks"]
    assert set(nets) == {a, b}
    pypod("rm", "-f", "-t", "0", "c")
    # a container that does not run is connected and disconnected in its config, as Podman's
    pypod("create", "--name", "d", "--network", a, busybox, "sleep", "100")
    pypod("network", "connect", "--alias", "dee", b, "d")
    r = pypod("network", "connect", b, "d", check=False)
    assert r.rc == 125 and "already connected to network" in r.stderr
    pypod("start", "d")
    nets = json.loads(pypod("inspect", "d").stdout)[0]["NetworkSettings"]["Networks"]
    assert set(nets) == {a, b} and "dee" in nets[b]["Aliases"]
    assert "eth1" in pypod("exec", "d", "ip", "-o", "link").stdout
    pypod("stop", "-t", "0", "d")
    pypod("network", "disconnect", b, "d")
    r = pypod("network", "disconnect", b, "d", check=False)
    assert r.rc == 125 and "is not connected to network" in r.stderr
    pypod("start", "d")
    nets = json.loads(pypod("inspect", "d").stdout)[0]["NetworkSettings"]["Networks"]
    assert set(nets) == {a}
    pypod("rm", "-f", "-t", "0", "d")


def test_default_network_container_mode_and_etc_files(pypod: Pypod, busybox: str) -> None:
    pypod("run", "-d", "--name", "a", "--hostname", "ahost", "--add-host", "extra:10.9.9.9",
          "--dns", "10.1.2.3", "--dns-search", "example.test", busybox, "sleep", "100")  # fmt: skip
    doc = json.loads(pypod("inspect", "a").stdout)[0]
    assert doc["HostConfig"]["NetworkMode"] == "bridge"
    ip = doc["NetworkSettings"]["IPAddress"]
    assert (
        ip.startswith("10.88.") and doc["NetworkSettings"]["Networks"]["podman"]["IPAddress"] == ip
    )
    hosts = pypod("exec", "a", "cat", "/etc/hosts").stdout
    assert hosts.startswith("10.9.9.9\textra\n") and f"{ip}\tahost a\n" in hosts
    assert "host.containers.internal" in hosts
    resolv = pypod("exec", "a", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 10.1.2.3" in resolv and "search example.test" in resolv
    # container:ID shares the namespace: same address
    out = pypod("run", "--rm", "--network", "container:a", busybox, "ip", "-o", "-4", "addr").stdout
    assert ip in out
    r = pypod("rm", "a", check=False)  # a dependent container would block; none is left
    assert r.rc != 0  # still running
    pypod("rm", "-f", "-t", "0", "a")
    r = pypod("run", "--rm", "--network", "none", busybox, "ip", "-o", "link")
    assert "eth0" not in r.stdout


def test_udp_published_port(pypod: Pypod, busybox: str) -> None:
    """The UDP forwarding rules exist and go with the container (traffic both ways:
    test_net_udp.py, busybox has no UDP server)."""
    net = _net(pypod, "u" + os.urandom(3).hex())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pypod("run", "-d", "--name", "u", "--network", net, "-p", f"{port}:5353/udp", busybox,
          "sleep", "100")  # fmt: skip
    assert pypod("port", "u").stdout == f"5353/udp -> 0.0.0.0:{port}\n"
    rules = _host_state("")[1]
    assert f"-p udp -m udp --dport {port} " in rules
    pypod("rm", "-f", "-t", "0", "u")
    assert f"--dport {port} " not in _host_state("")[1]


def test_teardown_after_conmon_and_container_died(
    pypod: Pypod, busybox: str, store: StoreDirs
) -> None:
    """A crash: conmon and the container are SIGKILLed, so no exit command runs; rm -f still
    finds what to tear down in the stored network record."""
    import signal

    bridge = bridge_name()
    net = "k" + os.urandom(3).hex()
    port = free_port()
    pypod("network", "create", "--subnet", free_subnet(), "--interface-name", bridge, net)
    pypod("run", "-d", "--name", "c", "--network", net, "-p", f"{port}:80", busybox,
          "sleep", "100")  # fmt: skip
    state = json.loads(pypod("inspect", "c").stdout)[0]["State"]
    for pid in (state["ConmonPid"], state["Pid"]):
        os.kill(pid, signal.SIGKILL)
    pypod("rm", "-f", "-t", "0", "c")
    links, rules = _host_state(bridge)
    assert bridge not in links and f"--dport {port} " not in rules
    assert _netns_files(store) == []
    pypod("network", "rm", net)


def _dnat_rules(port: int) -> list[str]:
    return [ln for ln in _host_state("")[1].splitlines()
            if ln.startswith("-A NETAVARK-DN-") and f"--dport {port} " in ln
            and "-j DNAT" in ln]  # fmt: skip


def test_reload_restores_a_deleted_port_rule(pypod: Pypod, busybox: str) -> None:
    """Only this container's DNAT rule is deleted (a global flush would hit parallel tests)."""
    import shlex

    net = _net(pypod, "l" + os.urandom(3).hex())
    port = free_port()
    pypod("run", "-d", "--name", "web", "--network", net, "-p", f"{port}:80", busybox, *HTTPD)
    assert "hello-" in http_get(port)
    rules = _dnat_rules(port)
    assert rules
    for rule in rules:
        subprocess.run(["iptables", "-t", "nat", "-D", *shlex.split(rule)[1:]], check=True)
    assert _dnat_rules(port) == []
    cid = json.loads(pypod("inspect", "web").stdout)[0]["Id"]
    assert pypod("network", "reload", "web").stdout.strip() == cid
    assert _dnat_rules(port)
    assert "hello-" in http_get(port)
