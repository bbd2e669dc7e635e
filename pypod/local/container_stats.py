"""stats: resource usage of running containers, from their cgroup and /proc.

The cgroup is read where the container's init really is (/proc/PID/cgroup), so the path is
right whatever the cgroup manager: cgroup v1 memory.usage_in_bytes/limit_in_bytes,
cpuacct.usage, pids.current and blkio.throttle.io_service_bytes_recursive, or the v2 files.
Network counters come from /proc/PID/net/dev (the container's network namespace). CPU % is
the CPU time used between two samples over the wall time between them (the first sample: since
the container started), as Podman computes it. Rootless on cgroup v1 there is no cgroup to
read: Podman's error.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pypod.core.model import Status
from pypod.domain.containers_ops import StatsReport, StatsRequest
from pypod.errors import PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

_V1 = ("memory", "cpuacct", "pids", "blkio")
_UNLIMITED = 1 << 62


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except OSError:
        return ""


def _int(path: str) -> int:
    text = _read(path).strip()
    return int(text) if text.isdigit() else 0


def _keyed(path: str) -> dict[str, int]:
    out = {}
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def cgroup_dirs(pid: int, root: str = "/sys/fs/cgroup") -> dict[str, str]:
    """{controller: directory} of pid's cgroups ("" key: the v2 unified directory)."""
    out: dict[str, str] = {}
    for line in _read(f"/proc/{pid}/cgroup").splitlines():
        _, ctrls, path = line.split(":", 2)
        for ctrl in ctrls.split(","):
            if ctrl in _V1:
                out[ctrl] = os.path.join(root, ctrl, path.lstrip("/"))
        if ctrls == "" and os.path.exists(os.path.join(root, "cgroup.controllers")):
            out[""] = os.path.join(root, path.lstrip("/"))
    return out


def _host_memory() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _net(pid: int) -> tuple[int, int]:
    rx = tx = 0
    for line in _read(f"/proc/{pid}/net/dev").splitlines()[2:]:
        name, _, data = line.partition(":")
        if name.strip() == "lo":
            continue
        fields = data.split()
        rx, tx = rx + int(fields[0]), tx + int(fields[8])
    return rx, tx


def _v1_sample(dirs: dict[str, str]) -> dict[str, int]:
    mem = dirs.get("memory", "")
    stat = _keyed(os.path.join(mem, "memory.stat"))
    usage = _int(os.path.join(mem, "memory.usage_in_bytes"))
    read = write = 0
    for line in _read(
        os.path.join(dirs.get("blkio", ""), "blkio.throttle.io_service_bytes_recursive")
    ).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "Read":
            read += int(parts[2])
        elif len(parts) == 3 and parts[1] == "Write":
            write += int(parts[2])
    return {
        "cpu_ns": _int(os.path.join(dirs.get("cpuacct", ""), "cpuacct.usage")),
        "mem": max(0, usage - stat.get("total_inactive_file", 0)),
        "limit": _int(os.path.join(mem, "memory.limit_in_bytes")),
        "pids": _int(os.path.join(dirs.get("pids", ""), "pids.current")),
        "read": read,
        "write": write,
    }


def _v2_sample(path: str) -> dict[str, int]:
    stat = _keyed(os.path.join(path, "memory.stat"))
    limit = _read(os.path.join(path, "memory.max")).strip()
    read = write = 0
    for line in _read(os.path.join(path, "io.stat")).splitlines():
        for item in line.split()[1:]:
            key, _, value = item.partition("=")
            read += int(value) if key == "rbytes" else 0
            write += int(value) if key == "wbytes" else 0
    return {
        "cpu_ns": _keyed(os.path.join(path, "cpu.stat")).get("usage_usec", 0) * 1000,
        "mem": max(0, _int(os.path.join(path, "memory.current")) - stat.get("inactive_file", 0)),
        "limit": int(limit) if limit.isdigit() else 0,
        "pids": _int(os.path.join(path, "pids.current")),
        "read": read,
        "write": write,
    }


def sample(
    cid: str, name: str, pid: int, started_at: float, prev: StatsReport | None
) -> StatsReport:
    """One reading; with prev, CPU % is over the time since prev, else since the start."""
    dirs = cgroup_dirs(pid)
    raw = _v2_sample(dirs[""]) if "" in dirs else _v1_sample(dirs)
    now_ns = time.time_ns()
    host = _host_memory()
    limit = raw["limit"] if 0 < raw["limit"] < min(host or _UNLIMITED, _UNLIMITED) else host
    base_cpu, base_ns = (prev.cpu_ns, prev.system_ns) if prev else (0, int(started_at * 1e9))
    span = max(1, now_ns - base_ns)
    rx, tx = _net(pid)
    return StatsReport(
        id=cid,
        name=name,
        cpu_percent=max(0, raw["cpu_ns"] - base_cpu) / span * 100,
        cpu_ns=raw["cpu_ns"],
        system_ns=now_ns,
        mem_usage=raw["mem"],
        mem_limit=limit,
        mem_percent=raw["mem"] / limit * 100 if limit else 0.0,
        net_input=rx,
        net_output=tx,
        block_input=raw["read"],
        block_output=raw["write"],
        pids=raw["pids"],
        up_s=max(0.0, now_ns / 1e9 - started_at),
    )


def _check_host(engine: LocalEngine) -> None:
    if engine.rootless:
        from pypod.host.cgroups import detect

        if detect().version != "v2":
            raise PypodError("stats is not supported in rootless mode without cgroups v2")


def _targets(engine: LocalEngine, req: StatsRequest) -> list[str]:
    if req.names or req.latest:
        found = lk.targets(engine, req.names, latest=req.latest)
        for name, cid in found:
            if isinstance(cid, Exception):
                raise lk.not_found(name)
        return [cid for _, cid in found]  # type: ignore[misc]
    return [c.id for c, s in engine.container_store.list() if req.all or s.status is Status.RUNNING]


def _one(
    engine: LocalEngine, cid: str, req: StatsRequest, prev: StatsReport | None
) -> StatsReport | None:
    config, state = lk.load(engine, cid)
    if state.status is not Status.RUNNING or not state.pid:  # Podman: a row of zeros
        return StatsReport(id=cid, name=config.name)
    return sample(cid, config.name, state.pid, state.started_at, None if req.no_reset else prev)


def stats(engine: LocalEngine, req: StatsRequest) -> Iterator[list[StatsReport]]:
    """One list of reports per interval (a single one without stream)."""
    _check_host(engine)
    cids = _targets(engine, req)  # resolved now: a missing name fails before the first frame
    return _frames(engine, req, cids)


def _frames(engine: LocalEngine, req: StatsRequest, cids: list[str]) -> Iterator[list[StatsReport]]:
    prev: dict[str, StatsReport] = {}
    while True:
        if not req.names and not req.latest:
            cids = _targets(engine, req)  # containers come and go while streaming
        frame = []
        for cid in cids:
            try:
                report = _one(engine, cid, req, prev.get(cid))
            except PypodError:
                if not req.stream or req.names:
                    raise
                continue
            if report is not None:
                frame.append(report)
                prev[cid] = report
        yield frame
        if not req.stream:
            return
        time.sleep(req.interval_s)
