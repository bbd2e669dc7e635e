"""Pod cgroups (--share-parent, --cgroup-parent), pod --restart, pod --userns and pod clone with
its members, root and rootless.

As root a pod has a cgroup /libpod_parent/<pod id> in every hierarchy, its members live under
it, and it goes with the pod. Rootless on cgroup v1 (this host's hybrid layout) there are no
cgroups at all, as in Podman. Pods use --network none: no host network state is touched.
"""

from __future__ import annotations

import json
import os

from tests.e2e.cli_run_helpers import engine, wait_for  # noqa: F401 - fixture
from tests.fixtures.images import BUSYBOX_REF as BB
from tests.fixtures.pypod_cli import Pypod, StoreDirs

CGROUP_ROOT = "/sys/fs/cgroup"


def _pod_rm_all(pp: Pypod) -> None:
    pp("pod", "rm", "-a", "-f", "-t", "0", check=False, timeout=60)


def _cgroup_v1_rootless(pp: Pypod) -> bool:
    info = json.loads(pp("info", "--format", "json").stdout)["host"]
    return info["cgroupVersion"] == "v1" and info["security"]["rootless"]


def _hierarchies() -> list[str]:
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        rows = [line.split() for line in f]
    return [r[4] for r in rows if r[r.index("-") + 1] in ("cgroup", "cgroup2")
            and r[4].startswith(CGROUP_ROOT + "/")]  # fmt: skip


def _cgroup_dirs(path: str) -> list[str]:
    return [h + path for h in _hierarchies() if os.path.isdir(h + path)]


def _proc_cgroup(pid: int, controller: str = "memory") -> str:
    with open(f"/proc/{pid}/cgroup", encoding="ascii") as f:
        for line in f:
            _n, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return path
    return ""


def test_pod_cgroup_parent_and_cleanup(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    no_cgroups = _cgroup_v1_rootless(pp)
    try:
        pod_id = pp("pod", "create", "--name", "cg", "--network", "none").stdout.strip()
        doc = json.loads(pp("pod", "inspect", "cg").stdout)
        pp("run", "-d", "--pod", "cg", "--name", "cgm", BB, "sleep", "1000")
        ctr = json.loads(pp("inspect", "cgm").stdout)[0]
        top = pp("pod", "top", "cg").stdout
        assert "sleep 1000" in top and "catatonit" in top
        stats = pp("pod", "stats", "--no-stream", "--format", "{{.Pod}} {{.Name}}", "cg",
                   check=not no_cgroups)  # fmt: skip
        if no_cgroups:  # Podman's rule: no cgroups rootless on v1, no pod cgroup either
            assert "CgroupParent" not in doc and "CgroupPath" not in doc  # omitempty
            assert ctr["HostConfig"]["CgroupParent"] == ""
            assert stats.rc == 125 and "cgroups v2" in stats.stderr
            return
        path = f"/libpod_parent/{pod_id}"
        assert (doc["CgroupParent"], doc["CgroupPath"], doc["CreateCgroup"]) == (
            "/libpod_parent", path, True)  # fmt: skip
        assert ctr["HostConfig"]["CgroupParent"] == path
        assert _proc_cgroup(ctr["State"]["Pid"]) == f"{path}/libpod-{ctr['Id']}"
        assert len(_cgroup_dirs(path)) >= len(_hierarchies()) - 1
        assert f"{pod_id[:12]} cgm" in stats.stdout.splitlines()
        js = pp("pod", "stats", "--no-stream", "--format", "json", "cg").stdout
        assert js.startswith('[\n     {\n          "')  # Podman's five-space MarshalIndent
        assert "cgm" in [row["Name"] for row in json.loads(js)]
        pp("pod", "rm", "-f", "-t", "0", "cg")
        assert _cgroup_dirs(path) == []
    finally:
        _pod_rm_all(pp)


def test_pod_share_parent_false_and_cgroup_parent(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, store = engine
    no_cgroups = _cgroup_v1_rootless(pp)
    parent = f"/pypodtest-{os.path.basename(store.base)}"
    try:
        r = pp("pod", "create", "--share", "+cgroup", "--network", "none", check=False)
        assert r.rc == 125 and "cannot define the pod as the cgroup parent" in r.stderr
        r = pp("pod", "create", "--cgroup-parent", "x.slice", "--network", "none", check=False)
        assert r.rc == 125 and "systemd slice" in r.stderr
        assert pp("pod", "ps", "-q").stdout == ""
        pp("pod", "create", "--name", "flat", "--share-parent=false", "--network", "none")
        doc = json.loads(pp("pod", "inspect", "flat").stdout)
        assert "CgroupPath" not in doc and doc["CreateCgroup"] is False
        pp("run", "-d", "--pod", "flat", "--name", "flatm", BB, "sleep", "1000")
        ctr = json.loads(pp("inspect", "flatm").stdout)[0]
        # not the pod's cgroup: the default parent, which Podman 4.3's inspect shows as ""
        assert ctr["HostConfig"]["CgroupParent"] == ""
        pod_id = pp("pod", "create", "--name", "own", "--cgroup-parent", parent,
                    "--network", "none").stdout.strip()  # fmt: skip
        doc = json.loads(pp("pod", "inspect", "own").stdout)
        if no_cgroups:
            assert (doc["CgroupParent"], doc.get("CgroupPath")) == (parent, None)
            return
        assert _proc_cgroup(ctr["State"]["Pid"]) == f"/libpod_parent/libpod-{ctr['Id']}"
        assert doc["CgroupPath"] == f"{parent}/{pod_id}"
        pp("run", "-d", "--pod", "own", "--name", "ownm", BB, "sleep", "1000")
        pid = json.loads(pp("inspect", "ownm").stdout)[0]["State"]["Pid"]
        assert _proc_cgroup(pid).startswith(f"{parent}/{pod_id}/libpod-")
        pp("pod", "rm", "-f", "-t", "0", "own")
        assert _cgroup_dirs(f"{parent}/{pod_id}") == []
    finally:
        _pod_rm_all(pp)
        for d in _cgroup_dirs(parent):  # the parent stays, as with Podman: the test's own
            os.rmdir(d)


def test_pod_restart_policy(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pp("pod", "create", "--name", "rs", "--network", "none", "--restart", "on-failure:2")
        doc = json.loads(pp("pod", "inspect", "rs").stdout)
        assert doc["RestartPolicy"] == "on-failure"
        pp("create", "--pod", "rs", "--name", "fails", BB, "sh", "-c", "exit 3")
        pp("create", "--pod", "rs", "--name", "own", "--restart", "no", BB, "sh", "-c", "exit 3")
        fmt = "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        assert pp("inspect", "--format", fmt, "fails", "own").stdout.split() == [
            "on-failure:2", ":0"]  # fmt: skip
        assert pp("inspect", "--format", fmt, doc["InfraContainerID"]).stdout.strip() == (
            "on-failure:2")  # fmt: skip
        pp("pod", "start", "rs")

        def done(name: str, count: int) -> bool:
            out = pp("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", name).stdout
            return out.split() == ["exited", str(count)]

        wait_for(lambda: done("fails", 2), what="two restarts, then exited")
        wait_for(lambda: done("own", 0), what="no restart")
        r = pp("pod", "create", "--restart", "sometimes", check=False)
        assert r.rc == 125 and "restart policy" in r.stderr
    finally:
        _pod_rm_all(pp)


def test_pod_userns(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pp("pod", "create", "--name", "uh", "--userns", "host", "--network", "none")
        # keep-id/auto/nomap work (tests/e2e/test_cli_userns.py), but not without an infra
        r = pp("pod", "create", "--name", "uk", "--userns", "auto", "--infra=false", check=False)
        assert r.rc == 125 and "without an infra container" in r.stderr
        r = pp("pod", "create", "--userns", "bogus", check=False)
        assert r.rc == 125 and "unrecognized namespace mode bogus" in r.stderr
        assert pp("pod", "ps", "--format", "{{.Name}}").stdout.split() == ["uh"]
        assert len(pp("ps", "-a", "-q").stdout.split()) == 1
    finally:
        _pod_rm_all(pp)


def test_pod_clone_with_members(engine: tuple[Pypod, StoreDirs]) -> None:  # noqa: F811
    pp, _store = engine
    try:
        pod_id = pp("pod", "create", "--name", "orig", "--network", "none", "--label", "k=v",
                    "--hostname", "h1").stdout.strip()  # fmt: skip
        pp("create", "--pod", "orig", "--name", "mem", BB, "sleep", "1000")
        new_id = pp("pod", "clone", "--start", "orig").stdout.strip()
        doc = json.loads(pp("pod", "inspect", new_id).stdout)
        assert doc["Name"] == "orig-clone" and doc["State"] == "Running"
        assert doc["Labels"] == {"k": "v"} and doc["Hostname"] == "h1"
        names = sorted(c["Name"] for c in doc["Containers"])
        assert names == sorted([f"{pod_id[:12]}-infra-clone", "mem-clone"])
        infra_pid = json.loads(pp("inspect", doc["InfraContainerID"]).stdout)[0]["State"]["Pid"]
        ns = pp("exec", "mem-clone", "sh", "-c", "readlink /proc/1/ns/net; hostname").stdout
        assert ns.split() == [os.readlink(f"/proc/{infra_pid}/ns/net"), "h1"]
        clone = json.loads(pp("inspect", "mem-clone").stdout)[0]
        assert clone["Pod"] == new_id
        assert json.loads(pp("pod", "inspect", "orig").stdout)["State"] == "Created"
        third = pp("pod", "clone", "--destroy", "orig", "moved").stdout.strip()
        assert pp("pod", "exists", "orig", check=False).rc == 1
        assert pp("container", "exists", "mem", check=False).rc == 1
        doc = json.loads(pp("pod", "inspect", "moved").stdout)
        assert doc["Id"] == third and doc["NumContainers"] == 2
        assert "mem-clone1" in [c["Name"] for c in doc["Containers"]]
        r = pp("pod", "clone", "nosuchpod", check=False)
        assert r.rc == 125 and "no such pod" in r.stderr
    finally:
        _pod_rm_all(pp)
