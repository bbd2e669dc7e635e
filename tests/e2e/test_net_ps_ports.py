"""As root: ps's PORTS column for published ports (Podman's text), and `network reload`'s
target flags resolved by the engine (--latest, --all, the errors)."""

from __future__ import annotations

import json
import os
import socket

import pytest

from tests.fixtures.pypod_cli import Pypod

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def _free_ports(n: int) -> int:
    """The first of n consecutive free TCP/UDP ports on 127.0.0.1 (best effort)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = int(s.getsockname()[1])
        if first + n < 65535:
            return first
    raise AssertionError("no free ports")


def test_ps_ports_and_reload_targets(pypod: Pypod, busybox: str) -> None:
    port, uport = _free_ports(1), _free_ports(2)
    try:
        pypod("run", "-d", "--name", "web", "-p", f"127.0.0.1:{port}:80",
              "-p", f"{uport}-{uport + 1}:90-91/udp", busybox, "sleep", "300")  # fmt: skip
        want = f"127.0.0.1:{port}->80/tcp, 0.0.0.0:{uport}-{uport + 1}->90-91/udp"
        assert pypod("ps", "--format", "{{.Ports}}").stdout.strip() == want
        table = pypod("ps").stdout.splitlines()
        assert "PORTS" in table[0].split() and want in table[1]
        cid = pypod("inspect", "--format", "{{.Id}}", "web").stdout.strip()
        assert pypod("network", "reload", "--latest").stdout.strip() == cid
        for args, err in (
            (("--all", "web"), "cannot be used together"),
            (("--all", "--latest"), "cannot be used together"),
            ((), "at least one container"),
            (("nosuch",), "no such container"),
        ):
            r = pypod("network", "reload", *args, check=False)
            assert r.rc == 125 and err in r.stderr, r
    finally:
        pypod("rm", "-a", "-f", "-t", "0", check=False)


def test_ps_networks_column(pypod: Pypod, busybox: str) -> None:
    pypod("network", "create", "psnet-b")
    try:
        pypod("create", "--name", "on-two", "--network", "psnet-b,podman", busybox, "true")
        pypod("create", "--name", "no-net", "--network", "none", busybox, "true")
        rows = pypod("ps", "-a", "--format", "{{.Names}} {{.Networks}}").stdout.splitlines()
        assert sorted(rows) == ["no-net ", "on-two podman,psnet-b"]
        doc = pypod("ps", "-a", "--filter", "name=on-two", "--format", "json").stdout
        assert json.loads(doc)[0]["Networks"] == ["podman", "psnet-b"]
    finally:
        pypod("rm", "-f", "on-two", "no-net", check=False)
        pypod("network", "rm", "psnet-b", check=False)
