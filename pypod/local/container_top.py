"""top: the container's processes, read from /proc with Podman's AIX-style descriptors.

The pids come from the runtime (`runc ps`); user and group names from the container's own
/etc/passwd and /etc/group (h-prefixed descriptors use the host's view of the ids). The
descriptors are psgo's (Podman's library), by name or AIX code, also comma-separated; when one
of the arguments is not a descriptor (ps(1) options such as `-ef` or `-o pid,comm`), Podman runs
ps(1) inside the container with them (each argument split as a shell would) and prints its
output minus the line of that ps itself; so does this, through the exec path.
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
    "groups": "GROUPS", "hgroup": "HGROUP", "hgroups": "HGROUPS", "hpid": "HPID",
    "huser": "HUSER", "nice": "NI", "pcpu": "%CPU", "pgid": "PGID", "pid": "PID", "ppid": "PPID",
    "rgroup": "RGROUP", "rss": "RSS", "ruser": "RUSER", "state": "STATE", "stime": "STIME",
    "time": "TIME", "tty": "TTY", "user": "USER", "vsz": "VSZ", "capamb": "AMBIENT CAPS",
    "capinh": "INHERITED CAPS", "capprm": "PERMITTED CAPS", "capeff": "EFFECTIVE CAPS",
    "capbnd": "BOUNDING CAPS", "seccomp": "SECCOMP", "label": "LABEL",
}  # fmt: skip
# psgo's AIX format codes (case-sensitive, as psgo matches them)
CODES = {"%C": "pcpu", "%G": "group", "%P": "ppid", "%U": "user", "%a": "args", "%c": "comm",
         "%g": "rgroup", "%n": "nice", "%p": "pid", "%r": "pgid", "%t": "etime", "%u": "ruser",
         "%x": "time", "%y": "tty", "%z": "vsz"}  # fmt: skip
_HZ = os.sysconf("SC_CLK_TCK")
_FULL_CAPS = (1 << 41) - 1  # psgo prints "full" for exactly this set
_PS_OUTPUT_LIMIT = 16 << 20


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


def _duration(seconds: float) -> str:
    """ELAPSED and TIME as Podman's psgo prints them: Go's time.Duration ("1m57.48s", "10ms",
    "0s"), not ps(1)'s [[DD-]hh:]mm:ss."""
    from pypod.format.gonum import go_duration

    return go_duration(seconds)


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


def _ids(p: _Proc, key: str) -> list[int]:
    return [int(g) for g in p.status.get(key, "").split()]


def _caps(mask_hex: str) -> str:
    """A capability mask as psgo prints it: "full", "none" or the sorted names."""
    from pypod.core.defaults import CAPABILITIES

    mask = int(mask_hex, 16)
    if mask == _FULL_CAPS:
        return "full"
    names = [
        CAPABILITIES[i].removeprefix("CAP_") if i < len(CAPABILITIES) else "unknown"
        for i in range(64)
        if mask >> i & 1
    ]
    return ",".join(sorted(names)) or "none"


def _nspids(pid: int) -> list[str]:
    """The pid in each pid namespace it belongs to, outermost first (NSpid in status)."""
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return line.split()[1:]
    return [str(pid)]


def _in_ns(host_pid: int, of: int) -> str:
    """host_pid as the container (the pid namespace of process `of`) sees it; 0 when it is
    outside (the parent of the container's first process), as psgo shows it."""
    if host_pid <= 0:
        return "0"
    try:
        mine, theirs = _nspids(of), _nspids(host_pid)
    except OSError:
        return "0"
    return theirs[-1] if len(theirs) == len(mine) else "0"


def _ns_order(pid: int) -> int:
    try:
        return int(_nspids(pid)[-1])
    except (OSError, ValueError):
        return pid


class _Host:
    """Ids as the host sees them (through pypod's user namespace when rootless) and their
    names in the host's /etc/passwd and /etc/group, as psgo's h-descriptors show them."""

    def __init__(self) -> None:
        self._users: dict[int, str] | None = None
        self._groups: dict[int, str] = {}
        self._uid_map = _id_map("/proc/self/uid_map")
        self._gid_map = _id_map("/proc/self/gid_map")

    def _names(self) -> None:
        if self._users is None:
            self._users, self._groups = _user_names("/")

    def uid(self, i: int) -> int:
        return _map_id(i, self._uid_map)

    def gid(self, i: int) -> int:
        return _map_id(i, self._gid_map)

    def user(self, i: int) -> str:
        self._names()
        assert self._users is not None
        return self._users.get(self.uid(i), str(self.uid(i)))

    def group(self, i: int) -> str:
        self._names()
        return self._groups.get(self.gid(i), str(self.gid(i)))


def _id_map(path: str) -> list[tuple[int, int, int]]:
    try:
        with open(path, encoding="ascii") as f:
            return [(int(a), int(b), int(n)) for a, b, n in (ln.split() for ln in f if ln.strip())]
    except (OSError, ValueError):
        return []


def _map_id(i: int, mapping: list[tuple[int, int, int]]) -> int:
    for inside, outside, size in mapping:
        if inside <= i < inside + size:
            return outside + i - inside
    return 65534 if mapping else i


def _getters(users: dict[int, str], groups: dict[int, str]) -> dict[str, Callable[[_Proc], str]]:
    boot, now = _boot_time(), time.time()
    host = _Host()

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
        "pid": lambda p: _in_ns(p.pid, p.pid),
        "ppid": lambda p: _in_ns(int(p.field(4)), p.pid),
        "pgid": lambda p: _in_ns(int(p.field(5)), p.pid),
        "nice": lambda p: p.field(19),
        "state": lambda p: p.field(3),
        "tty": lambda p: _tty(int(p.field(7))),
        "time": lambda p: _duration(cpu(p)),
        "etime": lambda p: _duration(now - start(p)),
        "stime": lambda p: time.strftime("%H:%M", time.localtime(start(p))),
        "pcpu": pcpu,
        "vsz": lambda p: str(int(p.field(23)) // 1024),
        "user": lambda p: users.get(uid(p, 1), str(uid(p, 1))),
        "ruser": lambda p: users.get(uid(p, 0), str(uid(p, 0))),
        "group": lambda p: groups.get(gid(p, 1), str(gid(p, 1))),
        "rgroup": lambda p: groups.get(gid(p, 0), str(gid(p, 0))),
        "huser": lambda p: host.user(uid(p, 1)),
        "hgroup": lambda p: host.group(gid(p, 1)),
        "hpid": lambda p: str(p.pid),
        "groups": lambda p: ",".join(groups.get(g, str(g)) for g in _ids(p, "Groups")),
        "hgroups": lambda p: ",".join(str(host.gid(g)) for g in _ids(p, "Groups")),
        "rss": lambda p: (p.status.get("VmRSS") or "0").split()[0],
        "capamb": lambda p: _caps(p.status.get("CapAmb", "0")),
        "capinh": lambda p: _caps(p.status.get("CapInh", "0")),
        "capprm": lambda p: _caps(p.status.get("CapPrm", "0")),
        "capeff": lambda p: _caps(p.status.get("CapEff", "0")),
        "capbnd": lambda p: _caps(p.status.get("CapBnd", "0")),
        "seccomp": lambda p: {"0": "disabled", "1": "strict", "2": "filter"}.get(
            p.status.get("Seccomp", ""), "?"
        ),
        "label": lambda p: "",
    }


def _descriptors(given: list[str]) -> list[str] | None:
    """psgo's descriptors for the arguments (also comma-separated); None when one of them is
    not a descriptor, and ps(1) is to be run instead."""
    words = [w.strip() for spec in given for w in spec.split(",") if w]
    out = []
    for w in words or DEFAULT:
        key = CODES.get(w, w)
        if key not in HEADERS:
            return None
        out.append(key)
    return out


def require_descriptors(given: list[str]) -> None:
    """psgo's descriptors only, as Podman's `pod top` takes them (it has no ps(1) fallback)."""
    for w in (w.strip() for spec in given for w in spec.split(",") if w):
        if CODES.get(w, w) not in HEADERS:
            raise InvalidArgument(f"'{w}': unknown descriptor")


def _user_names(root: str) -> tuple[dict[int, str], dict[int, str]]:
    from pypod.core.users import read_group, read_passwd

    users: dict[int, str] = {}
    for u in read_passwd(root):
        users.setdefault(u.uid, u.name)
    groups: dict[int, str] = {}
    for g in read_group(root):
        groups.setdefault(g.gid, g.name)
    return users, groups


def top(
    engine: LocalEngine, name: str, descriptors: list[str], latest: bool = False
) -> list[list[str]]:
    """Rows of text, the first one the header; from ps(1), one cell per line of its output."""
    cid = lk.one(engine, name, latest)
    _, state = lk.load(engine, cid)
    if state.status is not Status.RUNNING:
        raise PypodError("top can only be used on running containers")
    keys = _descriptors(descriptors)
    if keys is None:
        return [[line] for line in _ps(engine, cid, descriptors)]
    root = f"/proc/{state.pid}/root"  # the container's own view of its /etc
    users, groups = _user_names(root if os.path.isdir(root) else state.mountpoint)
    get = _getters(users, groups)
    rows = [[HEADERS[k] for k in keys]]
    for pid in sorted(engine.runtime.ps(cid), key=_ns_order):
        try:
            proc = _Proc(pid)
            rows.append([get[k](proc) for k in keys])
        except (OSError, ValueError, IndexError):
            continue  # exited while we read it
    return rows


def _ps(engine: LocalEngine, cid: str, descriptors: list[str]) -> list[str]:
    """ps ARGS run in the container; its output without the line of ps itself."""
    import shlex

    from pypod.local.container_exec import run_captured

    try:
        args = [w for d in descriptors for w in shlex.split(d) if w]
    except ValueError as exc:
        raise InvalidArgument(f"parsing ps args: {exc}") from exc
    try:
        code, out, _ = run_captured(engine, cid, ("ps", *args), timeout_s=0, limit=_PS_OUTPUT_LIMIT)
    except PypodError as exc:
        raise PypodError(f"executing ps(1) in the container: {exc.message}") from exc
    text = out.decode(errors="replace")
    if code != 0:
        raise PypodError(
            "executing ps(1) in the container: runtime failed with exit status: "
            f"{code} and output: {' '.join(text.splitlines())}"
        )
    own = " ".join(descriptors)
    return [line for line in text.splitlines() if own not in line]
