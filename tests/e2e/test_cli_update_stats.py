"""update, stats and container clone against real containers (root; rootless on cgroup v1
gets Podman's errors)."""

from __future__ import annotations

import json

from tests.fixtures.pypod_cli import Pypod

LOOP = "while true; do sleep 0.1; done"


def _cgroup_file(pypod: Pypod, name: str, controller: str, file: str) -> str:
    pid = pypod("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.strip().split(":", 2)
            if controller in ctrls.split(","):
                with open(f"/sys/fs/cgroup/{controller}{path}/{file}") as g:
                    return g.read().strip()
    raise AssertionError(f"no {controller} cgroup")


def test_update_live_and_stored(pypod: Pypod, busybox: str) -> None:
    pypod("run", "-d", "--name", "u", busybox, "sh", "-c", LOOP)
    pypod("create", "--name", "cold", busybox, "true")
    try:
        pypod("update", "--memory", "200m", "--cpus", "0.5", "--pids-limit", "50",
              "--restart", "on-failure:2", "u")  # fmt: skip
        assert _cgroup_file(pypod, "u", "memory", "memory.limit_in_bytes") == str(200 << 20)
        assert _cgroup_file(pypod, "u", "cpu", "cpu.cfs_quota_us") == "50000"
        fmt = "{{.HostConfig.Memory}} {{.HostConfig.CpuQuota}} {{.HostConfig.RestartPolicy.Name}}"
        assert pypod("inspect", "--format", fmt, "u").stdout.split() == [
            str(200 << 20), "50000", "on-failure"]  # fmt: skip
        pypod("update", "--memory", "64m", "cold")
        assert pypod("inspect", "--format", "{{.HostConfig.Memory}}", "cold").stdout.strip() == str(
            64 << 20
        )
        bad = pypod("update", "--restart", "sometimes", "u", check=False)
        assert bad.rc == 125
        missing = pypod("update", "--memory", "1g", "nope", check=False)
        assert missing.rc == 125 and "no such container" in missing.stderr
    finally:
        pypod("rm", "-a", "-f", "-t", "0")


def test_stats_columns_json_and_errors(pypod: Pypod, busybox: str) -> None:
    pypod("run", "-d", "--name", "s", "--memory", "100m", busybox, "sh", "-c", LOOP)
    pypod("create", "--name", "idle", busybox, "true")
    try:
        table = pypod("stats", "--no-stream").stdout.splitlines()
        assert table[0].split() == ["ID", "NAME", "CPU", "%", "MEM", "USAGE", "/", "LIMIT",
                                    "MEM", "%", "NET", "IO", "BLOCK", "IO", "PIDS", "CPU", "TIME",
                                    "AVG", "CPU", "%"]  # fmt: skip
        assert len(table) == 2 and " s " in table[1]
        doc = json.loads(pypod("stats", "--no-stream", "--format", "json", "s").stdout)
        assert doc[0]["name"] == "s" and doc[0]["mem_usage"].endswith("/ 104.9MB")
        assert int(doc[0]["pids"]) >= 1 and doc[0]["cpu_percent"].endswith("%")
        everything = pypod("stats", "-a", "--no-stream", "--format", "{{.Name}} {{.PIDS}}").stdout
        assert sorted(everything.splitlines()) == ["idle 0", "s " + doc[0]["pids"]]
        assert pypod("stats", "--no-stream", "nope", check=False).rc == 125
        # a named container that does not run: a row of zeros, as Podman's
        idle = pypod("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", "idle")
        assert idle.stdout == "idle 0B / 0B\n"
    finally:
        pypod("rm", "-a", "-f", "-t", "0")


def test_clone(pypod: Pypod, busybox: str) -> None:
    pypod("create", "--name", "orig", "-e", "K=v", "--memory", "100m", busybox, "sh", "-c", LOOP)
    try:
        new = pypod("container", "clone", "--run", "--memory", "300m", "orig").stdout.strip()
        fmt = "{{.Name}} {{.State.Status}} {{.HostConfig.Memory}}"
        assert pypod("inspect", "--format", fmt, new).stdout.split() == [
            "orig-clone", "running", str(300 << 20)]  # fmt: skip
        assert "K=v" in pypod("exec", "orig-clone", "env").stdout
        pypod("container", "clone", "--destroy", "orig", "second")
        names = pypod("ps", "-a", "--format", "{{.Names}}").stdout.split()
        assert sorted(names) == ["orig-clone", "second"]
    finally:
        pypod("rm", "-a", "-f", "-t", "0")


def test_rootless_cgroup_v1_errors(pypod_rootless: Pypod, busybox_rootless: str) -> None:
    pp = pypod_rootless
    if "v2" in pp("info", "--format", "{{.Host.CgroupsVersion}}").stdout:
        return  # a cgroup v2 host has the rootless cgroup these errors are about
    pp("run", "-d", "--name", "r", busybox_rootless, "sh", "-c", LOOP)
    try:
        st = pp("stats", "--no-stream", check=False)
        assert st.rc == 125
        assert "stats is not supported in rootless mode without cgroups v2" in st.stderr
        up = pp("update", "--memory", "100m", "r", check=False)
        assert up.rc == 125
        pp("update", "--restart", "always", "r")  # no cgroup needed
    finally:
        pp("rm", "-a", "-f", "-t", "0")
