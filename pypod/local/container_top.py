"""top: the container's processes, read from /proc with Podman's AIX-style descriptors.

The pids come from the runtime (`runc ps`); user and group names from the container's own
/etc/passwd and /etc/group (h-prefixed descriptors use the host's view of the ids).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pypod.core.model import Status
from pypod.errors import InvalidArgument, PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

DEFAULT = ["user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"]
HEADERS = {
    "args": "COMMAND", "comm": "COMMAND", "etime": "ELAPSED", "group": "GROUP",
    "hgroup": "HGROUP", "hpid": "HPID", "huser": "HUSER", "nice": "NI", "pcpu": "%CPU",
    "pgid": "PGID", "pid": "PID", "ppid": "PPID", "rgroup": "RGROUP", "ruser": "RUSER",
    "state": "STATE", "stime": "STIME", "time": "TIME", "tty": "TTY", "user": "USER",
    "vsz": "VSZ", "capeff": "EFFECTIVE CAPS", "capbnd": "BOUNDING CAPS", "seccomp": "SECCOMP",
    "label": "LABEL",
}  # fmt: skip
# ps(1) spellings Podman accepts for the same descriptors
_ALIASES = {"%cpu": "pcpu", "cmd": "args", "command": "args", "ucomm": "comm", "uid": "user",
            "euser": "user", "gid": "group", "egroup": "group", "elapsed": "etime"}  # fmt: skip
_HZ = os.sysconf("SC_CLK_TCK")


class _Proc:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            raw = f.read()
        self.comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        self.fields = raw[raw.rindex(")") + 2 :].split()
        self.status: dict[str, str] = {}
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as f:
            for line in f:
                k, _, v = line.partition(":")
                self.status[k] = v.strip()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().rstrip(b"\0").split(b"\0")
        self.args = " ".join(a.decode(errors="replace") for a in args) or f"[{self.comm}]"

    def field(self, n: int) -> str:
        """stat field n (1-based as in proc(5)); fields 1 and 2 are pid and comm."""
        return self.fields[n - 3]


def _names(path: str) -> dict[int, str]:
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split(":")
                if len(parts) > 2 and parts[2].isdigit():
                    out.setdefault(int(parts[2]), parts[0])
    except OSError:
        pass
    return out


def _clock(ticks: float) -> str:
    secs = int(ticks)
    return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def _elapsed(seconds: float) -> str:
    from pypod.format.units import human_duration

    return human_duration(seconds).replace("Less than a second", "0s")


def _boot_time() -> float:
    with open("/proc/stat", encoding="ascii") as f:
        for line in f:
            if line.startswith("btime"):
                return float(line.split()[1])
    return 0.0


def _tty(nr: int) -> str:
    if nr == 0:
        return "?"
    major, minor = (nr >> 8) & 0xFFF, (nr & 0xFF) | ((nr >> 12) & 0xFFF00)
    return f"pts/{minor}" if major == 136 else f"tty{minor}" if major == 4 else "?"


def _getters(users: dict[int, str], groups: dict[int, str]) -> dict[str, Callable[[_Proc], str]]:
    boot, now = _boot_time(), time.time()

    def start(p: _Proc) -> float:
        return boot + int(p.field(22)) / _HZ

    def cpu(p: _Proc) -> float:
        return (int(p.field(14)) + int(p.field(15))) / _HZ

    def uid(p: _Proc, i: int) -> int:
        return int(p.status["Uid"].split()[i])

    def gid(p: _Proc, i: int) -> int:
        return int(p.status["Gid"].split()[i])

    def pcpu(p: _Proc) -> str:
        up = max(now - start(p), 1e-9)
        return f"{100 * cpu(p) / up:.3f}"

    return {
        "args": lambda p: p.args,
        "comm": lambda p: p.comm,
        "pid": lambda p: str(p.pid),
        "ppid": lambda p: p.field(4),
        "pgid": lambda p: p.field(5),
        "nice": lambda p: p.field(19),
        "state": lambda p: p.field(3),
        "tty": lambda p: _tty(int(p.field(7))),
        "time": lambda p: _clock(cpu(p)),
        "etime": lambda p: _elapsed(now - start(p)),
        "stime": lambda p: time.strftime("%H:%M", time.localtime(start(p))),
        "pcpu": pcpu,
        "vsz": lambda p: str(int(p.field(23)) // 1024),
        "user": lambda p: users.get(uid(p, 1), str(uid(p, 1))),
        "ruser": lambda p: users.get(uid(p, 0), str(uid(p, 0))),
        "group": lambda p: groups.get(gid(p, 1), str(gid(p, 1))),
        "rgroup": lambda p: groups.get(gid(p, 0), str(gid(p, 0))),
        "huser": lambda p: str(uid(p, 1)),
        "hgroup": lambda p: str(gid(p, 1)),
        "hpid": lambda p: str(p.pid),
        "capeff": lambda p: p.status.get("CapEff", ""),
        "capbnd": lambda p: p.status.get("CapBnd", ""),
        "seccomp": lambda p: {"0": "disabled", "1": "strict", "2": "filter"}.get(
            p.status.get("Seccomp", ""), "?"
        ),
        "label": lambda p: "",
    }


def _descriptors(given: list[str]) -> list[str]:
    words = [w for spec in given for w in spec.replace(",", " ").split() if w]
    words = [w for w in words if w not in ("-eo", "-o", "-e", "aux", "-ef")] or DEFAULT
    out = []
    for w in words:
        key = _ALIASES.get(w.lower(), w.lower())
        if key not in HEADERS:
            raise InvalidArgument(f"unknown descriptor: {w}")
        out.append(key)
    return out


def top(engine: LocalEngine, name: str, descriptors: list[str]) -> list[list[str]]:
    """Rows of text, the first one the header."""
    cid = lk.one(engine, name)
    _, state = lk.load(engine, cid)
    if state.status is not Status.RUNNING:
        raise PypodError("top can only be used on running containers")
    keys = _descriptors(descriptors)
    rootfs = state.mountpoint
    users = _names(os.path.join(rootfs, "etc/passwd")) if rootfs else {}
    groups = _names(os.path.join(rootfs, "etc/group")) if rootfs else {}
    get = _getters(users, groups)
    rows = [[HEADERS[k] for k in keys]]
    for pid in sorted(engine.runtime.ps(cid)):
        try:
            proc = _Proc(pid)
            rows.append([get[k](proc) for k in keys])
        except (OSError, ValueError, IndexError):
            continue  # exited while we read it
    return rows
