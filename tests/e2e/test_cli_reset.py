"""`system reset`: pods, containers and volumes are removed through their own removal first
(processes stopped, pod cgroups and networks torn down), then the store itself."""

from __future__ import annotations

import json
import os

from tests.fixtures.pypod_cli import Pypod, StoreDirs


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead (slow PID 1 here)
    except FileNotFoundError:
        return False


def test_reset_removes_running_pods_and_containers(pypod: Pypod, busybox: str, store: StoreDirs):
    pod_id = pypod("pod", "create", "--name", "rp", "--network", "none").stdout.strip()
    pypod("run", "-d", "--pod", "rp", "--name", "member", busybox, "sleep", "1000")
    pypod("run", "-d", "--name", "solo", "-v", "rvol:/data", busybox, "sleep", "1000")
    pids = [
        json.loads(pypod("inspect", name).stdout)[0]["State"]["Pid"] for name in ("member", "solo")
    ]
    cgroup = f"/sys/fs/cgroup/memory/libpod_parent/{pod_id}"
    had_cgroup = os.path.isdir(cgroup)

    r = pypod("system", "reset", "--force")
    assert r.stdout == "" and r.stderr == ""
    assert not any(_alive(pid) for pid in pids)
    assert not os.path.exists(cgroup) or not had_cgroup
    assert not os.path.exists(os.path.join(store.root, "containers.db"))
    assert pypod("ps", "-aq").stdout == ""
    assert pypod("pod", "ps", "-q").stdout == ""
    assert pypod("volume", "ls", "-q").stdout == ""


def test_reset_prompt_declined_keeps_everything(pypod: Pypod, busybox: str):
    pypod("create", "--name", "kept", busybox, "true")
    r = pypod("system", "reset", input="n\n")
    assert "all containers" in r.stdout and "all images" in r.stdout
    assert pypod("ps", "-aq", "--filter", "name=kept").stdout.strip()
