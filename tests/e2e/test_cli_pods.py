"""Pods, root and rootless: an infra container from the catatonit pause image, members that
share its network, ipc and uts namespaces, and the pod lifecycle (start/stop/rm) over them.

Pods here use --network none (their own loopback only), so no host network state is touched;
members still share the infra container's namespace and talk over 127.0.0.1.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.cli_run_helpers import engine, wait_for  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.pypod_cli import Pypod, StoreDirs

HTTPD = ("sh", "-c", "mkdir -p /www && echo pod-ok > /www/index.html && exec httpd -f -p 8080 "
         "-h /www")  # fmt: skip


def _pod_rm_all(pp: Pypod) -> None:
    pp("pod", "rm", "-a", "-f", "-t", "0", check=False, timeout=60)


def test_pod_members_share_net_ipc_uts(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pod_id = pp("pod", "create", "--name", "web", "--network", "none").stdout.strip()
        assert len(pod_id) == 64
        infra = json.loads(pp("pod", "inspect", "web").stdout)["InfraContainerID"]
        assert pp("ps", "-a", "--format", "{{.Names}}").stdout.split() == [f"{pod_id[:12]}-infra"]
        pp("run", "-d", "--pod", "web", "--name", "srv", BB, *HTTPD)
        out = pp("run", "--rm", "--pod", "web", BB, "sh", "-c",
                 "for i in $(seq 50); do wget -q -O - http://127.0.0.1:8080/ && exit 0; "
                 "sleep 0.1; done; exit 1").stdout  # fmt: skip
        assert out.strip() == "pod-ok"
        assert pp("exec", "srv", "hostname").stdout.strip() == "web"
        ns = pp("exec", "srv", "sh", "-c", "for k in net ipc uts; do readlink /proc/1/ns/$k; done")
        infra_pid = json.loads(pp("inspect", infra).stdout)[0]["State"]["Pid"]
        mine = [os.readlink(f"/proc/{infra_pid}/ns/{k}") for k in ("net", "ipc", "uts")]
        assert ns.stdout.split() == mine
        doc = json.loads(pp("pod", "inspect", "web").stdout)
        assert doc["State"] == "Running" and doc["NumContainers"] == 2
        assert sorted(doc["SharedNamespaces"]) == ["ipc", "net", "uts"]
        ps = pp("ps", "-a", "--filter", f"pod={pod_id}", "--format", "{{.Names}}").stdout.split()
        assert sorted(ps) == sorted(["srv", f"{pod_id[:12]}-infra"])
        table = pp("ps", "-a", "--pod").stdout.splitlines()
        assert table[0].split()[-3:] == ["POD", "ID", "PODNAME"]
        assert all(line.split()[-2:] == [pod_id[:12], "web"] for line in table[1:])
    finally:
        _pod_rm_all(pp)


def test_pod_lifecycle_and_nothing_left(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pp("pod", "create", "--name", "life", "--network", "none", "--label", "a=b")
        pp("create", "--pod", "life", "--name", "m1", BB, "sleep", "1000")
        assert pp("pod", "ps", "--format", "{{.Name}} {{.Status}}").stdout.split() == [
            "life", "Created"]  # fmt: skip
        pp("pod", "start", "life")
        assert len(pp("ps", "-q", "--filter", "status=running").stdout.split()) == 2
        r = pp("pod", "rm", "life", check=False)
        assert r.rc != 0 and "running" in r.stderr
        r = pp("rm", "m1", check=False)
        assert r.rc != 0
        pp("pod", "stop", "-t", "0", "life")
        out = pp("pod", "ps", "--ctr-names", "--ctr-status", "--format", "{{.Status}}").stdout
        assert out.strip() == "Exited"
        pp("pod", "start", "life")
        assert pp("pod", "ps", "--filter", "label=a=b", "-q").stdout.strip()
        assert pp("pod", "ps", "--filter", "label=a=c", "-q").stdout.strip() == ""
        pp("pod", "rm", "-f", "-t", "0", "life")
        assert pp("pod", "exists", "life", check=False).rc == 1
        assert pp("ps", "-a", "-q").stdout.strip() == ""
        assert pp("pod", "ps", "-q").stdout.strip() == ""
    finally:
        _pod_rm_all(pp)


def test_pod_new_and_port_errors(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pp("run", "--rm", "--pod", "new:fresh", BB, "true")
        assert pp("pod", "exists", "fresh").rc == 0
        r = pp("create", "--pod", "fresh", "-p", "8080:80", BB, "true", check=False)
        assert r.rc == 125
        assert "published or exposed ports must be defined when the pod is created" in r.stderr
        r = pp("pod", "create", "--name", "fresh", check=False)
        assert r.rc != 0
        r = pp("pod", "inspect", "nosuchpod", check=False)
        assert r.rc != 0 and "no such pod" in r.stderr
        pp("pod", "create", "--name", "noinfra", "--infra=false")
        doc = json.loads(pp("pod", "inspect", "noinfra").stdout)
        assert "InfraContainerID" not in doc and doc["NumContainers"] == 0  # omitempty
        pp("pod", "rm", "noinfra")
    finally:
        _pod_rm_all(pp)


def test_pod_exit_policy_stop(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pp("pod", "create", "--name", "once", "--network", "none", "--exit-policy", "stop")
        pp("run", "--pod", "once", BB, "true")
        wait_for(lambda: "Exited" in pp("pod", "ps", "--format", "{{.Status}}").stdout)
    finally:
        _pod_rm_all(pp)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_pod_ports_reach_member(pypod: Pypod, busybox: str) -> None:
    """-p on the pod (default bridge network) reaches the member's server on the host."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        pypod("pod", "create", "--name", "ports", "-p", f"127.0.0.1:{port}:8080")
        pypod("run", "-d", "--pod", "ports", busybox, *HTTPD)
        body = ""
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    body = c.recv(4096).decode(errors="replace")
                if "pod-ok" in body:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert "pod-ok" in body
        doc = json.loads(pypod("pod", "inspect", "ports").stdout)
        assert doc["InfraConfig"]["PortBindings"] == {
            "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
        }
    finally:
        _pod_rm_all(pypod)
