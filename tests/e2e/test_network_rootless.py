"""pasta and slirp4netns on a persistent network namespace, as root and as the test user.

A script (run directly as root, through `pypod unshare` as the unprivileged user) creates a
namespace with pypod.network.netns, starts the helper on it with a published port
127.0.0.1:PORT -> 80, and checks from inside (a thread that setns(2)s into it): the interface
has an address and a default route; a TCP server on port 80 there answers the host's loopback
through the forwarded port, a UDP datagram reaches it too; a server on the host's loopback
answers the namespace through the helper's host-gateway address (pasta --map-gw,
slirp4netns allow_host_loopback=true). Then it stops the helper and reports what is left.
Traffic stays on 127.0.0.1 and the namespace.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pypod.errors import InvalidArgument
from pypod.network import rootless
from pypod.network.ports import PortMapping
from tests.fixtures.pypod_cli import (
    REPO,
    StoreDirs,
    make_store_dirs,
    pypod_binary,
    remove_store_dirs,
    run_command,
)
from tests.fixtures.users import RootlessPypod

PYTHON = str(Path(pypod_binary()).parent / "python")

SCRIPT = r"""
import json, os, socket, subprocess, sys, threading
sys.path.insert(0, sys.argv[1])
from pypod.network import netns, rootless
from pypod.network.ports import PortMapping

base, mode = sys.argv[2], sys.argv[3]
port, host_port, udp_port = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
run_root, run_dir = base + "/run", base + "/ctr"
out = {}

def serve_once(srv, payload):
    def loop():
        conn, peer = srv.accept()
        with conn:
            conn.sendall(payload + b" " + peer[0].encode())
    threading.Thread(target=loop, daemon=True).start()

def listener(addr, p):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, p))
    s.listen()
    return s

def fetch(addr, p):
    with socket.create_connection((addr, p), timeout=5) as c:
        return c.recv(200).decode()

path = netns.create(run_root)
host_srv = listener("127.0.0.1", host_port)
serve_once(host_srv, b"from-host")
net = rootless.start(
    rootless.parse_mode(mode), netns_path=path, run_dir=run_dir,
    ports=[
        PortMapping(host_ip="127.0.0.1", host_port=port, container_port=80),
        PortMapping(host_ip="127.0.0.1", host_port=udp_port, container_port=5353, protocol="udp"),
    ],
)
try:
    out["net"] = net.to_dict()
    out["running"] = rootless.is_running(net)
    ip = lambda *a: json.loads(netns.run_in(path, lambda: subprocess.run(
        ["ip", "-j", *a], check=True, capture_output=True).stdout))
    out["addrs"] = [
        (i["ifname"], a["local"]) for i in ip("-4", "addr") for a in i.get("addr_info", [])
    ]
    out["routes"] = [(r["dst"], r.get("gateway", ""), r.get("dev", "")) for r in ip("-4", "route")]
    srv = netns.run_in(path, lambda: listener("0.0.0.0", 80))
    serve_once(srv, b"from-netns")
    out["inbound"] = fetch("127.0.0.1", port)
    def udp_echo():
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", 5353))
        return u
    usrv = netns.run_in(path, udp_echo)
    def echo():
        data, peer = usrv.recvfrom(100)
        out["udp_in"] = data.decode()
        usrv.sendto(b"udp:" + data, peer)
    echoer = threading.Thread(target=echo, daemon=True)
    echoer.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.sendto(b"ping", ("127.0.0.1", udp_port))
        echoer.join(5)
        u.settimeout(0.5 if mode.startswith("pasta") else 5)
        try:
            out["udp"] = u.recv(100).decode()
        except TimeoutError:
            out["udp"] = None
    if net.host_gateway:
        out["outbound"] = netns.run_in(path, lambda: fetch(net.host_gateway, host_port))
finally:
    rootless.stop(net)
out["running_after"] = rootless.is_running(net)
out["pid_alive"] = os.path.exists(f"/proc/{net.pid}") and open(
    f"/proc/{net.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
out["netns_left"] = netns.list_names(run_root)
out["run_dir_left"] = os.listdir(run_dir)
out["mounts_left"] = [l.split()[4] for l in open("/proc/self/mountinfo") if base in l]
print(json.dumps(out))
"""

MODES = {
    "pasta": "pasta:--map-gw",
    "slirp4netns": "slirp4netns:allow_host_loopback=true",
}


def free_port(proto: str = "tcp") -> int:
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Outcome:
    data: dict[str, object]
    stderr: str


def _check(outcome: Outcome, mode: str) -> None:
    d = outcome.data
    net = d["net"]
    assert isinstance(net, dict)
    assert d["running"] is True
    assert "syslog" not in outcome.stderr, outcome.stderr  # pasta's noise stays hidden
    ifaces = {name for name, addr in d["addrs"] if name != "lo"}  # type: ignore[attr-defined]
    assert ifaces, d["addrs"]
    defaults = [r for r in d["routes"] if r[0] == "default"]  # type: ignore[attr-defined]
    assert defaults and defaults[0][1], d["routes"]
    if mode == "slirp4netns":
        assert ["tap0", "10.0.2.100"] in d["addrs"]  # type: ignore[operator]
        assert defaults[0][1] == "10.0.2.2"
        assert net["dns_servers"] == ["10.0.2.3"]
    assert str(d["inbound"]).startswith("from-netns "), d
    assert d["udp_in"] == "ping", d
    if mode == "slirp4netns":
        # This pasta (passt 2023-03-09) drops the reply to a datagram spliced from the host's
        # loopback; later passt releases fix it.
        assert d["udp"] == "udp:ping", d
    assert d["outbound"] == "from-host 127.0.0.1", d  # the host saw its own loopback
    assert d["running_after"] is False and d["pid_alive"] is False
    assert d["netns_left"] == [] and d["run_dir_left"] == [] and d["mounts_left"] == []


@pytest.fixture
def root_store() -> Iterator[StoreDirs]:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    dirs = make_store_dirs()
    try:
        yield dirs
    finally:
        remove_store_dirs(dirs)


def _require(mode: str) -> None:
    from pypod.host import processes

    if processes.find_binary(mode) is None:
        pytest.skip(f"{mode} is not installed")


@pytest.mark.parametrize("mode", sorted(MODES))
def test_root(root_store: StoreDirs, mode: str) -> None:
    _require(mode)
    args = [REPO, root_store.base, MODES[mode], free_port(), free_port(), free_port("udp")]
    r = run_command([PYTHON, "-c", SCRIPT, *map(str, args)], check=False)
    assert r.rc == 0, str(r)
    _check(Outcome(json.loads(r.stdout), r.stderr), mode)


@pytest.mark.rootless
@pytest.mark.parametrize("mode", sorted(MODES))
def test_rootless(pypod_rootless: RootlessPypod, mode: str) -> None:
    _require(mode)
    args = [REPO, pypod_rootless.dirs.base, MODES[mode], free_port(), free_port(), free_port("udp")]
    r = pypod_rootless("unshare", PYTHON, "-c", SCRIPT, *map(str, args), check=False)
    assert r.rc == 0, str(r)
    _check(Outcome(json.loads(r.stdout), r.stderr), mode)


PRIVILEGED = r"""
import sys
sys.path.insert(0, sys.argv[1])
from pypod.errors import PypodError
from pypod.network import netns, rootless
from pypod.network.ports import PortMapping
path = netns.create(sys.argv[2] + "/run")
try:
    rootless.start(rootless.parse_mode("pasta"), netns_path=path, run_dir=sys.argv[2] + "/c",
                   ports=[PortMapping(host_ip="127.0.0.1", host_port=80, container_port=80)])
except PypodError as exc:
    print(exc)
finally:
    netns.remove(path)
print(netns.list_names(sys.argv[2] + "/run"))
"""


@pytest.mark.rootless
def test_rootless_privileged_port(pypod_rootless: RootlessPypod) -> None:
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding="ascii") as f:
        if int(f.read()) <= 80:
            pytest.skip("port 80 is unprivileged on this host")
    r = pypod_rootless(
        "unshare", PYTHON, "-c", PRIVILEGED, str(REPO), pypod_rootless.dirs.base, check=False
    )
    assert r.rc == 0, str(r)
    assert "net.ipv4.ip_unprivileged_port_start" in r.stdout
    assert r.stdout.strip().endswith("[]")


# --- option parsing and command lines (no helper runs) ----


def test_parse_modes() -> None:
    assert rootless.parse_mode("bridge") is None
    assert rootless.parse_mode("host") is None
    p = rootless.parse_mode("pasta:--map-gw,-I,eth9")
    assert p is not None and p.mode == "pasta" and p.map_gw and p.pasta_args == ("-I", "eth9")
    s = rootless.parse_mode(
        "slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.5.0.9/24,enable_ipv6=false,"
        "port_handler=slirp4netns,outbound_addr=127.0.0.1",
        default_options=("mtu=9000",),
    )
    assert s is not None
    assert (s.allow_host_loopback, s.mtu, s.cidr, s.enable_ipv6) == (
        True,
        1500,
        "10.5.0.0/24",
        False,
    )
    assert (s.port_handler, s.outbound_addr) == ("slirp4netns", "127.0.0.1")
    assert rootless.parse_mode("slirp4netns:outbound_addr=lo").outbound_addr == "127.0.0.1"  # type: ignore[union-attr]
    for bad in (
        "slirp4netns:nope=1",
        "slirp4netns:mtu=x",
        "slirp4netns:allow_host_loopback=maybe",
        "slirp4netns:port_handler=magic",
        "slirp4netns:outbound_addr=::1",
        "pasta:--netns,/x",
    ):
        with pytest.raises(InvalidArgument):
            rootless.parse_mode(bad)


def test_pasta_argv() -> None:
    opts = rootless.parse_mode("pasta:-T,8000")
    assert opts is not None
    ports = [
        PortMapping(host_ip="127.0.0.1", host_port=8080, container_port=80),
        PortMapping(host_port=9000, container_port=90, range=3, protocol="tcp,udp"),
    ]
    argv = rootless._pasta_argv(opts, "/run/x/netns/n1", "/run/x/pasta.pid", ports)
    joined = " ".join(argv[1:])
    assert "-t 127.0.0.1/8080:80 -t 9000-9002:90-92 -u 9000-9002:90-92 -T 8000" in joined
    assert "-U none" in joined and "-T none" not in joined and "-t none" not in joined
    assert "--no-map-gw" in argv and argv[-2:] == ["--netns", "/run/x/netns/n1"]
    argv = rootless._pasta_argv(rootless.parse_mode("pasta:--map-gw"), "/n", "/p", [])  # type: ignore[arg-type]
    assert "--no-map-gw" not in argv and "-t none" in " ".join(argv)


def test_slirp_argv_and_addresses() -> None:
    opts = rootless.parse_mode("slirp4netns:cidr=10.9.0.0/24")
    assert opts is not None
    argv = rootless._slirp_argv(opts, "/n", 7, "/s.sock")
    assert argv[1:4] == ["--configure", "--mtu=65520", "--disable-host-loopback"]
    assert "--cidr=10.9.0.0/24" in argv and argv[-3:] == ["--netns-type=path", "/n", "tap0"]
    assert rootless._slirp_addresses("10.9.0.0/24") == ("10.9.0.100", "10.9.0.2", "10.9.0.3")


def test_sctp_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        list(rootless._expand([PortMapping(host_port=1, container_port=1, protocol="sctp")]))


def test_default_mode() -> None:
    from pypod.host import processes

    want = "pasta" if processes.find_binary("pasta") else "slirp4netns"
    assert rootless.default_mode("pasta") == want
    assert rootless.default_mode("bogus") == want
