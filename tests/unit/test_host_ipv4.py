"""host.containers.internal rootless: the host's address on its default route's interface."""

from __future__ import annotations

from pathlib import Path

from pypod.core.etcfiles import host_ipv4

# a netavark bridge (10.89.0.1) sorts before the host's own address in fib_trie
FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.89.0.0/24 2 0 2
        |-- 10.89.0.1
           /32 host LOCAL
     |-- 127.0.0.1
        /32 host LOCAL
     +-- 192.0.2.0/24 2 0 2
        |-- 192.0.2.2
           /32 host LOCAL
"""
ROUTE = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
podman1\t0000590A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


def test_default_route_interface_wins(tmp_path: Path) -> None:
    (tmp_path / "fib").write_text(FIB_TRIE)
    (tmp_path / "route").write_text(ROUTE)
    assert host_ipv4(str(tmp_path / "fib"), str(tmp_path / "route")) == "192.0.2.2"


def test_without_a_default_route_the_first_local_address(tmp_path: Path) -> None:
    (tmp_path / "fib").write_text(FIB_TRIE)
    (tmp_path / "route").write_text(ROUTE.splitlines()[0] + "\n")
    assert host_ipv4(str(tmp_path / "fib"), str(tmp_path / "route")) == "10.89.0.1"
    assert host_ipv4(str(tmp_path / "missing")) == ""
