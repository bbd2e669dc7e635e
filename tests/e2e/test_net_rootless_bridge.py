"""Rootless user-defined networks: netavark and aardvark-dns inside the store's rootless network
namespace, connected to the host through slirp4netns (network/rootless_netns.py).

As the test user, each test with its own store (so its own rootless namespace, bridges and
aardvark-dns): containers reach each other by name and address on one network, not across two
isolated ones; a published port answers on the host's loopback (TCP and UDP) and shows in ps;
network connect/disconnect on a running container; outbound to a server on the host's loopback
through slirp4netns's 10.0.2.2 when containers.conf allows it; and after the last container is
gone, no slirp4netns, aardvark-dns, namespace file or state directory is left. Traffic stays
on this machine.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.cli_run_helpers import processes
from tests.e2e.network_helpers import free_port, free_subnet, http_get, serve_once
from tests.fixtures.users import RootlessPypod, make_user_dir

pytestmark = pytest.mark.rootless

HTTPD = ("sh", "-c", "mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && "
         "exec httpd -f -p 80 -h /www")  # fmt: skip


def _get(ip_or_name: str) -> tuple[str, ...]:
    """HTTP GET with nc (busybox-static's wget crashes on an address literal), retried."""
    get = f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {ip_or_name} 80 | grep hello-"
    return ("sh", "-c", f"for i in 1 2 3 4 5 6 7 8 9 10; do {get} && exit 0; sleep 0.3; done; "
            "exit 1")  # fmt: skip


def _net(pp: RootlessPypod, *extra: str) -> str:
    name = "n" + os.urandom(3).hex()
    pp("network", "create", "--subnet", free_subnet(), *extra, name)
    return name


def _processes(runroot: str) -> list[str]:
    """slirp4netns / aardvark-dns / pasta processes serving this store."""
    out = []
    for pid, argv in processes():
        name = os.path.basename(argv[0]).decode(errors="replace")
        if name in ("slirp4netns", "aardvark-dns", "pasta") and any(
            runroot.encode() in a for a in argv
        ):
            out.append(f"{pid} {name}")
    return out


def _leftovers(pp: RootlessPypod) -> list[str]:
    run = pp.dirs.runroot
    left = _processes(run)
    netns_dir = os.path.join(run, "netns")
    if os.path.isdir(netns_dir):
        left += [n for n in os.listdir(netns_dir) if not n.startswith(".")]
    if os.path.exists(os.path.join(run, "rootless-netns")):
        left.append("rootless-netns/")
    return left


@pytest.fixture
def pp(pypod_rootless: RootlessPypod, busybox_rootless: str) -> Iterator[RootlessPypod]:
    yield pypod_rootless
    pypod_rootless("rm", "-a", "-f", "-t", "0", check=False)  # even after a failure


def test_by_name_and_address_and_isolation(pp: RootlessPypod) -> None:
    a = _net(pp, "-o", "isolate=true")
    b = _net(pp, "-o", "isolate=true")
    pp("run", "-d", "--name", "web", "--network", a, "--network-alias", "www", "localhost/busybox",
       *HTTPD)  # fmt: skip
    doc = json.loads(pp("inspect", "web").stdout)[0]
    ip = doc["NetworkSettings"]["Networks"][a]["IPAddress"]
    assert ip and doc["NetworkSettings"]["IPAddress"] == ip
    assert doc["HostConfig"]["NetworkMode"] == "bridge"
    for target in ("web", "www", ip):
        pp("run", "--rm", "--network", a, "localhost/busybox", *_get(target))
    resolv = pp("exec", "web", "cat", "/etc/resolv.conf").stdout
    assert "nameserver " + doc["NetworkSettings"]["Networks"][a]["Gateway"] in resolv
    # another isolated network: no route to web, and its name is unknown there
    r = pp("run", "--rm", "--network", b, "localhost/busybox", "sh", "-c",
           f"printf 'GET /\\r\\n\\r\\n' | nc -w 2 {ip} 80", check=False)  # fmt: skip
    assert r.rc != 0 and "hello-" not in r.stdout
    r = pp("run", "--rm", "--network", b, "localhost/busybox", "nslookup", "web", check=False)
    assert "NXDOMAIN" in r.stdout + r.stderr or r.rc != 0
    assert len([p for p in _processes(pp.dirs.runroot) if p.endswith("slirp4netns")]) == 1
    pp("rm", "-f", "-t", "0", "web")
    assert _leftovers(pp) == []
    pp("network", "rm", a, b)


def _host_address() -> str:
    """The host's address on its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return ""
        return str(s.getsockname()[0])


def _udp_echo(addr: str, port: int) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for _ in range(20):
            s.sendto(b"ping", (addr, port))
            try:
                return s.recv(100)
            except OSError:
                continue
    return b""


# busybox's nc has no UDP: the host's python3 answers, read-only from the host's /usr
UDP_ECHO = (
    "-v", "/usr:/usr:ro", "-v", "/usr/lib:/lib:ro", "-v", "/usr/lib64:/lib64:ro",
    "localhost/busybox", "/usr/bin/python3", "-c",
    "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('0.0.0.0', 5353))\nwhile True:\n    d, a = s.recvfrom(100)\n    s.sendto(d, a)",
)  # fmt: skip


def test_published_ports(pp: RootlessPypod) -> None:
    net = _net(pp)
    port, uport = free_port(), free_port(socket.SOCK_DGRAM)
    pp("run", "-d", "--name", "web", "--network", net, "-p", f"127.0.0.1:{port}:80",
       "localhost/busybox", *HTTPD)  # fmt: skip
    assert "hello-" in http_get(port)
    pp("run", "-d", "--name", "udp", "--network", net, "-p", f"{uport}:5353/udp", *UDP_ECHO)
    # slirp4netns drops replies to its alias of the host's loopback (disable_host_loopback):
    # a client on the host's own address gets them
    host = _host_address()
    if host:
        assert _udp_echo(host, uport) == b"ping"
    ps = pp("ps", "--format", "{{.Names}} {{.Ports}}").stdout.splitlines()
    assert sorted(ps) == [f"udp 0.0.0.0:{uport}->5353/udp", f"web 127.0.0.1:{port}->80/tcp"]
    assert f"80/tcp -> 127.0.0.1:{port}" in pp("port", "web").stdout
    # a second container may not take the same host port
    r = pp("run", "-d", "--network", net, "-p", f"127.0.0.1:{port}:80", "localhost/busybox",
           "sleep", "9", check=False)  # fmt: skip
    assert r.rc != 0 and str(port) in r.stderr
    pp("rm", "-f", "-t", "0", "web", "udp")
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert _leftovers(pp) == []


def test_connect_disconnect_running(pp: RootlessPypod) -> None:
    a, b = _net(pp), _net(pp)
    pp("run", "-d", "--name", "c1", "--network", a, "localhost/busybox", "sleep", "300")
    pp("run", "-d", "--name", "web", "--network", b, "localhost/busybox", *HTTPD)
    pp("network", "connect", "--alias", "one", b, "c1")
    assert "eth1" in pp("exec", "c1", "ip", "-o", "-4", "addr").stdout
    pp("exec", "c1", *_get("web"))
    pp("run", "--rm", "--network", b, "localhost/busybox", "nslookup", "one")
    nets = json.loads(pp("inspect", "c1").stdout)[0]["NetworkSettings"]["Networks"]
    assert sorted(nets) == sorted([a, b])
    pp("network", "disconnect", b, "c1")
    assert "eth1" not in pp("exec", "c1", "ip", "-o", "-4", "addr").stdout
    r = pp("network", "disconnect", b, "c1", check=False)
    assert r.rc != 0 and "not connected" in r.stderr
    pp("network", "reload", "--latest")
    pp("exec", "c1", "ip", "-o", "-4", "addr")
    pp("rm", "-f", "-t", "0", "c1", "web")
    assert _leftovers(pp) == []


def test_outbound_to_host_loopback(pp: RootlessPypod) -> None:
    conf_dir = make_user_dir("pypod-conf-")
    conf = os.path.join(conf_dir, "containers.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write('[engine]\nnetwork_cmd_options = ["allow_host_loopback=true"]\n')
    os.chmod(conf, 0o644)
    net = _net(pp)
    _srv, hport = serve_once(b"from-host")
    r = pp("run", "--rm", "--network", net, "localhost/busybox", "nc", "-w", "3", "10.0.2.2",
           str(hport), env={"CONTAINERS_CONF": conf})  # fmt: skip
    assert r.stdout == "from-host"
    # without the option (the default) slirp4netns keeps the host's loopback out of reach
    _srv, hport = serve_once(b"from-host")
    r = pp("run", "--rm", "--network", net, "localhost/busybox", "nc", "-w", "2", "10.0.2.2",
           str(hport), check=False)  # fmt: skip
    assert r.stdout == ""
    assert _leftovers(pp) == []
