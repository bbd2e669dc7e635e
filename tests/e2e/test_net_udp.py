"""UDP through published ports (`-p HOST:CTR/udp`): a datagram from the host into the container
and the reply back, as root (netavark bridge) and rootless (pasta, the default, and slirp4netns).

busybox-static has no UDP server (its nc has no -u; no udpsvd, dnsd or ntpd applet), so the
container runs the host's own python3 as an echo server: /usr, /lib and /lib64 are bound
read-only into the busybox image. It listens on two published ports, one translated
(HOST -> 5353) and one on the same number inside and out. The host side is a Python socket that
sends to 127.0.0.1 and to the host's non-loopback address.

Which replies come back depends on the helper, and the table EXPECT says so; where a reply is
not expected only the datagram's arrival (the server's log) is checked, never a drop (see
docs/networking.md, "UDP through published ports", for why each one is lost):
- pasta (passt 2023-03-09) drops the reply to a datagram spliced from 127.0.0.1 when the host
  port differs from the container's; with --no-map-gw (the default, as Podman 4.4+) it sends the
  reply to a client on the host's own address to the real gateway.
- slirp4netns with --disable-host-loopback (the default) drops the reply to 127.0.0.1; Podman's
  default port handler, rootlessport, answers it.
Traffic stays on this machine.
"""

from __future__ import annotations

import os
import socket
import time

import pytest

from tests.e2e.network_helpers import bridge_name, free_subnet
from tests.fixtures.pypod_cli import Pypod
from tests.fixtures.users import RootlessPypod

HOST_PYTHON = "/usr/bin/python3"
CTR_PORT = 5353
ECHO = """
import select, socket, sys
socks = []
for port in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    socks.append(s)
print("ready", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        data, peer = s.recvfrom(65535)
        print("got", data.decode(), flush=True)
        s.sendto(b"echo:" + data, peer)
"""

# (target, port) -> the reply comes back; target "lo" = 127.0.0.1, "host" = the host's address;
# port "mapped" = HOST -> 5353, "same" = the same number inside and out
Expect = dict[tuple[str, str], bool]
ALL: Expect = {("lo", "mapped"): True, ("lo", "same"): True,
               ("host", "mapped"): True, ("host", "same"): True}  # fmt: skip
EXPECT: dict[str, Expect] = {
    "bridge": ALL,
    "pasta": {**ALL, ("lo", "mapped"): False, ("host", "mapped"): False, ("host", "same"): False},
    "pasta:--map-gw": {**ALL, ("lo", "mapped"): False},
    "slirp4netns": {**ALL, ("lo", "mapped"): False, ("lo", "same"): False},
    "slirp4netns:allow_host_loopback=true": ALL,
}


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _host_address() -> str:
    """The source address of the host's default route ("" without one). Not etcfiles.host_ipv4:
    that is the first local address, which is a bridge's while another test has one up. A UDP
    connect sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("198.51.100.1", 9))  # TEST-NET-2: only the route lookup matters
        except OSError:
            return ""
        addr = str(s.getsockname()[0])
    return "" if addr.startswith("127.") else addr


def _python_mounts() -> list[str]:
    if not os.access(HOST_PYTHON, os.X_OK):
        pytest.skip(f"{HOST_PYTHON} is not installed")
    out = []
    for d in ("/usr", "/lib", "/lib64"):
        if os.path.isdir(d):
            out += ["-v", f"{os.path.realpath(d)}:{d}:ro"]
    return out


def _wait_log(pp: Pypod, name: str, text: str, tries: int = 100) -> bool:
    for _ in range(tries):
        if text in pp("logs", name, check=False).stdout:
            return True
        time.sleep(0.1)
    return False


def _exchange(addr: str, port: int, payload: str, tries: int = 10) -> str | None:
    """Send payload until the echo comes back (None when it never does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for _ in range(tries):
            s.sendto(payload.encode(), (addr, port))
            try:
                return s.recv(65535).decode()
            except TimeoutError:
                continue
    return None


def _exercise(pp: Pypod, image: str, network: str, net_args: list[str]) -> None:
    mapped, same = _free_udp_port(), _free_udp_port()
    name = "udp" + os.urandom(3).hex()
    pp("run", "-d", "--name", name, *net_args,
       "-p", f"{mapped}:{CTR_PORT}/udp", "-p", f"{same}:{same}/udp", *_python_mounts(),
       image, HOST_PYTHON, "-c", ECHO, str(CTR_PORT), str(same))  # fmt: skip
    assert _wait_log(pp, name, "ready"), pp("logs", name, check=False)
    mode = pp("inspect", "--format", "{{.HostConfig.NetworkMode}}", name).stdout.strip()
    assert mode == network.split(":")[0]
    ports = pp("port", name).stdout
    assert f"{CTR_PORT}/udp -> 0.0.0.0:{mapped}" in ports and f"{same}/udp" in ports
    addrs = {"lo": "127.0.0.1", "host": _host_address()}
    seen: dict[tuple[str, str], str | None] = {}
    for (target, kind), reply in EXPECT[network].items():
        if not addrs[target]:
            continue  # no non-loopback address on this host
        payload = f"{target}-{kind}-{os.urandom(4).hex()}"
        port = mapped if kind == "mapped" else same
        seen[(target, kind)] = got = _exchange(addrs[target], port, payload, 10 if reply else 2)
        # the datagram reached the server, whether or not its reply comes back
        if got is None:
            assert _wait_log(pp, name, f"got {payload}", 30), (target, kind, seen)
        if reply:
            assert got == f"echo:{payload}", (network, target, kind, seen)
    pp("rm", "-f", "-t", "0", name)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_udp_root_bridge(pypod: Pypod, busybox: str) -> None:
    """netavark's DNAT answers both 127.0.0.1 (route_localnet) and the host's address."""
    net = "udp" + os.urandom(3).hex()
    pypod("network", "create", "--subnet", free_subnet(), "--interface-name", bridge_name(), net)
    try:
        _exercise(pypod, busybox, "bridge", ["--network", net])
    finally:
        pypod("rm", "-a", "-f", "-t", "0", check=False)
        pypod("network", "rm", "-f", net, check=False)


@pytest.mark.rootless
@pytest.mark.parametrize("network", [n for n in EXPECT if n != "bridge"])
def test_udp_rootless(pypod_rootless: RootlessPypod, busybox_rootless: str, network: str) -> None:
    # "pasta" is the rootless default: run it without --network
    net_args = [] if network == "pasta" else ["--network", network]
    try:
        _exercise(pypod_rootless, busybox_rootless, network, net_args)
    finally:
        pypod_rootless("rm", "-a", "-f", "-t", "0", check=False)
