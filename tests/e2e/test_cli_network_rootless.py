"""Containers with user-mode networking (pasta, slirp4netns) through the CLI, rootless and as
root: the default mode, published TCP/UDP ports, outbound to a server on the host's loopback
where the mode allows it, and no helper, namespace or record left after rm."""

from __future__ import annotations

import json
import os
import socket

import pytest

from tests.e2e.cli_run_helpers import processes
from tests.e2e.network_helpers import free_port, http_get, serve_once
from tests.fixtures.pypod_cli import Pypod, StoreDirs
from tests.fixtures.users import RootlessPypod

HTTPD = ("sh", "-c", "mkdir -p /www && echo hello > /www/index.html && "
         "exec httpd -f -p 8080 -h /www")  # fmt: skip
# the gateway address pasta --map-gw / slirp4netns allow_host_loopback map to the host's 127.0.0.1
MODES = {
    "pasta": ("pasta:--map-gw", ""),
    "slirp4netns": ("slirp4netns:allow_host_loopback=true", "10.0.2.2"),
}


def _helpers(base: str) -> list[str]:
    """pasta/slirp4netns processes serving a namespace of this store."""
    return [
        str(pid) for pid, argv in processes()
        if os.path.basename(argv[0]) in (b"pasta", b"slirp4netns")
        and any(base.encode() in a for a in argv)
    ]  # fmt: skip


def _netns_files(runroot: str) -> list[str]:
    d = os.path.join(runroot, "netns")
    return [n for n in os.listdir(d) if not n.startswith(".")] if os.path.isdir(d) else []


def _exercise(pp: Pypod, store: StoreDirs, mode: str) -> None:
    try:
        _exercise_mode(pp, store, mode)
    finally:  # a failed test leaves no helper behind
        pp("rm", "-a", "-f", "-t", "0", check=False)


def _exercise_mode(pp: Pypod, store: StoreDirs, mode: str) -> None:
    value, gateway = MODES[mode]
    port, uport = free_port(), free_port(socket.SOCK_DGRAM)
    pp("run", "-d", "--name", "web", "--network", value, "-p", f"127.0.0.1:{port}:8080",
       "-p", f"127.0.0.1:{uport}:5353/udp", "localhost/busybox", *HTTPD)  # fmt: skip
    assert "hello" in http_get(port)
    assert f"8080/tcp -> 127.0.0.1:{port}" in pp("port", "web").stdout
    doc = json.loads(pp("inspect", "web").stdout)[0]
    assert doc["HostConfig"]["NetworkMode"] == mode
    assert doc["NetworkSettings"]["SandboxKey"]
    if gateway:  # outbound to the host's loopback through the helper
        _srv, hport = serve_once(b"from-host")
        out = pp("exec", "web", "nc", "-w", "3", gateway, str(hport)).stdout
        assert out == "from-host"
    assert _helpers(store.base)
    pp("rm", "-f", "-t", "0", "web")
    assert _helpers(store.base) == []
    assert _netns_files(store.runroot) == []


@pytest.mark.rootless
@pytest.mark.parametrize("mode", sorted(MODES))
def test_rootless_modes(pypod_rootless: RootlessPypod, busybox_rootless: str, mode: str) -> None:
    _exercise(pypod_rootless, pypod_rootless.dirs, mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_root_slirp4netns(pypod: Pypod, busybox: str, store: StoreDirs) -> None:
    _exercise(pypod, store, "slirp4netns")


@pytest.mark.rootless
def test_rootless_default_and_limits(pypod_rootless: RootlessPypod, busybox_rootless: str) -> None:
    pp = pypod_rootless
    r = pp("run", "--rm", "localhost/busybox", "ip", "-o", "-4", "addr")
    assert "inet " in r.stdout and "127.0.0.1" in r.stdout
    # netavark networks work rootless (tests/e2e/test_net_rootless_bridge.py)
    pp("rm", pp("create", "--network", "podman", "localhost/busybox").stdout.strip())
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding="ascii") as f:
        limit = int(f.read())
    if limit > 80:
        r = pp("create", "-p", "80:80", "localhost/busybox", check=False)
        assert r.rc != 0 and "net.ipv4.ip_unprivileged_port_start" in r.stderr
    assert pp("ps", "-aq").stdout == ""
    assert _helpers(pp.dirs.base) == []
