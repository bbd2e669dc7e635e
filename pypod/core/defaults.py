"""Podman's container defaults: capabilities, masked and read-only paths, rlimits, devices.

The values are Podman 4.3's (checked against the config.json it writes on this host). The
functions here are pure apart from reading /proc and /dev, which callers may override.
"""

from __future__ import annotations

import os
import resource
import stat
from collections.abc import Iterable, Sequence

from pypod.errors import InvalidArgument

# Every capability by number (linux/capability.h); the kernel's cap_last_cap cuts the list.
CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)  # fmt: skip

MASKED_PATHS: tuple[str, ...] = (
    "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
    "/sys/dev/block",
)  # fmt: skip
READONLY_PATHS: tuple[str, ...] = (
    "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
)  # fmt: skip
# With /sys bind-mounted from the host (rootless without a netns), Podman also hides this.
MASKED_SYS_KERNEL = "/sys/kernel"

# Podman's default rlimits when containers.conf sets none (RLimitDefaultValue and nproc).
DEFAULT_NOFILE = 1048576
DEFAULT_NPROC = 32768

# Linux's resource numbers (Python's resource module lacks some, e.g. RLIMIT_LOCKS).
RLIMITS: dict[str, int] = {
    "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
    "memlock": 8, "as": 9, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13,
    "rtprio": 14, "rttime": 15,
}  # fmt: skip
RLIM_INFINITY = 2**64 - 1  # how the OCI spec writes "unlimited"

# Directories and files under /dev that --privileged does not pass through (runc's rules).
_DEV_SKIP_DIRS = frozenset({"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"})
_DEV_SKIP_FILES = frozenset({"console"})


# --- capabilities ----------------------------------------------------------------------------


def bounding_set() -> set[str] | None:
    """The capabilities in this process's bounding set (CapBnd), None when unreadable."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("CapBnd:"):
                    mask = int(line.split()[1], 16)
                    return {c for i, c in enumerate(CAPABILITIES) if mask >> i & 1}
    except (OSError, ValueError, IndexError):
        pass
    return None


def known_capabilities() -> set[str]:
    """Every capability the running kernel knows (cap_last_cap)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as f:
            last = int(f.read())
    except (OSError, ValueError):
        last = len(CAPABILITIES) - 1
    return set(CAPABILITIES[: last + 1])


def all_capabilities(bounding: set[str] | None = None) -> list[str]:
    """What --privileged grants, sorted by name: Podman takes the caller's bounding set (a
    container cannot get a capability its creator lacks, e.g. CAP_SYS_RESOURCE here)."""
    caps = bounding_set() if bounding is None else bounding
    return sorted(caps if caps is not None else CAPABILITIES)


def normalize_cap(name: str) -> str:
    """ "net_admin" / "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; "all" -> "ALL"; unknown -> error."""
    upper = name.strip().upper()
    if upper == "ALL":
        return "ALL"
    full = upper if upper.startswith("CAP_") else f"CAP_{upper}"
    if full not in CAPABILITIES:
        raise InvalidArgument(f"unknown capability {name!r}")
    return full


def bounding_caps(
    default: Iterable[str], add: Sequence[str], drop: Sequence[str], *, privileged: bool,
    host_caps: set[str] | None = None,
) -> list[str]:  # fmt: skip
    """Podman's rule: start from the default set (all with --privileged), drop ALL first if
    asked, then add (ALL adds every cap), then drop the named ones. Sorted by name."""
    every = all_capabilities(host_caps)
    caps = set(every) if privileged else {normalize_cap(c) for c in default}
    adds = [normalize_cap(c) for c in add]
    drops = [normalize_cap(c) for c in drop]
    if "ALL" in drops:
        caps = set()
    for cap in adds:
        caps.update(every if cap == "ALL" else [cap])
    for cap in drops:
        if cap != "ALL" and cap not in adds:
            caps.discard(cap)
    return sorted(caps)


# --- rlimits ---------------------------------------------------------------------------------


def parse_ulimit(text: str) -> tuple[str, int, int]:
    """ "nofile=1024:2048" / "nproc=500" / "core=-1" -> ("RLIMIT_NOFILE", 1024, 2048)."""
    name, sep, values = text.partition("=")
    key = name.strip().lower()
    if not sep or key not in RLIMITS:
        raise InvalidArgument(f"invalid ulimit argument: {text}")
    soft_s, _, hard_s = values.partition(":")
    try:
        soft = int(soft_s)
        hard = int(hard_s) if hard_s else soft
    except ValueError:
        raise InvalidArgument(f"invalid ulimit argument: {text}") from None
    soft = RLIM_INFINITY if soft == -1 else soft
    hard = RLIM_INFINITY if hard == -1 else hard
    if soft > hard:
        raise InvalidArgument(
            f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        )
    return f"RLIMIT_{key.upper()}", soft, hard


def host_hard_limits() -> dict[str, tuple[int, int]]:
    """{"RLIMIT_NOFILE": (soft, hard), ...} of this process; RLIM_INFINITY as 2**64-1."""
    out = {}
    for key, num in RLIMITS.items():
        soft, hard = resource.getrlimit(num)
        fix = lambda v: RLIM_INFINITY if v == resource.RLIM_INFINITY else v  # noqa: E731
        out[f"RLIMIT_{key.upper()}"] = (fix(soft), fix(hard))
    return out


def rlimits(
    conf_ulimits: Sequence[str], user_ulimits: Sequence[tuple[str, int, int]],
    host_limits: dict[str, tuple[int, int]],
) -> list[dict[str, int | str]]:  # fmt: skip
    """The OCI rlimits: Podman's nofile/nproc defaults and containers.conf default_ulimits,
    clamped to the caller's hard limits (no CAP_SYS_RESOURCE here, so runc would fail), then
    the user's --ulimit values, which must fit or fail now with a clear message."""
    table: dict[str, tuple[int, int]] = {
        "RLIMIT_NOFILE": (DEFAULT_NOFILE, DEFAULT_NOFILE),
        "RLIMIT_NPROC": (DEFAULT_NPROC, DEFAULT_NPROC),
    }
    for text in conf_ulimits:
        name, soft, hard = parse_ulimit(text)
        table[name] = (soft, hard)
    for name, (soft, hard) in list(table.items()):
        cap = host_limits.get(name, (RLIM_INFINITY, RLIM_INFINITY))[1]
        table[name] = (min(soft, cap), min(hard, cap))
    for name, soft, hard in user_ulimits:
        cap = host_limits.get(name, (RLIM_INFINITY, RLIM_INFINITY))[1]
        if hard > cap:
            short = name.removeprefix("RLIMIT_").lower()
            raise InvalidArgument(
                f"ulimit {short}: hard limit {hard} exceeds the caller's hard limit {cap}"
                " (raising it needs CAP_SYS_RESOURCE)"
            )
        table[name] = (soft, hard)
    return [{"type": name, "hard": hard, "soft": soft} for name, (soft, hard) in table.items()]


# --- devices ---------------------------------------------------------------------------------


def device_node(path: str) -> dict[str, int | str]:
    """An OCI LinuxDevice for the host node at path (follows symlinks, as Podman does)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InvalidArgument(f"{path}: {exc.strerror or exc}") from exc
    if stat.S_ISCHR(st.st_mode):
        kind = "c"
    elif stat.S_ISBLK(st.st_mode):
        kind = "b"
    elif stat.S_ISFIFO(st.st_mode):
        kind = "p"
    else:
        raise InvalidArgument(f"{path} is not a device node")
    return {
        "type": kind, "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev),
        "fileMode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid,
    }  # fmt: skip


def host_devices(root: str = "/dev") -> list[dict[str, int | str]]:
    """Every char/block device under /dev for --privileged, sorted by path (runc's walk)."""
    found: list[dict[str, int | str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root:
            dirnames[:] = [d for d in dirnames if d not in _DEV_SKIP_DIRS]
        for name in filenames:
            if dirpath == root and name in _DEV_SKIP_FILES:
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)):
                continue
            kind = "c" if stat.S_ISCHR(st.st_mode) else "b"
            found.append({
                "path": path, "type": kind, "major": os.major(st.st_rdev),
                "minor": os.minor(st.st_rdev), "fileMode": st.st_mode, "uid": st.st_uid,
                "gid": st.st_gid,
            })  # fmt: skip
    return sorted(found, key=lambda d: str(d["path"]))


def parse_device(text: str) -> tuple[str, str, str]:
    """ "/dev/x[:/dev/y][:rwm]" -> (host, container, permissions)."""
    parts = text.split(":")
    host = parts[0]
    ctr, perms = host, "rwm"
    if len(parts) == 2:
        if _is_perms(parts[1]):
            perms = parts[1]
        else:
            ctr = parts[1]
    elif len(parts) == 3:
        ctr, perms = parts[1], parts[2]
    elif len(parts) > 3:
        raise InvalidArgument(f"invalid device specification: {text}")
    if not host.startswith("/") or not ctr.startswith("/") or not _is_perms(perms):
        raise InvalidArgument(f"invalid device specification: {text}")
    return host, ctr, perms


def _is_perms(text: str) -> bool:
    return bool(text) and set(text) <= set("rwm") and len(set(text)) == len(text)
