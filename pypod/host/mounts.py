"""Thin ctypes wrappers over the namespace and mount system calls.

Python 3.11 has no os.unshare, os.setns or os.mount, so these call libc directly. Each raises
OSError with the real errno (callers translate it into a pypod error where they meet it).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from functools import cache

# <sched.h>
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

# <sys/mount.h>
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20

MNT_FORCE = 0x1
MNT_DETACH = 0x2


@cache
def _libc() -> ctypes.CDLL:
    # glibc's soname: ctypes.util.find_library would run `ldconfig -p` (~12 ms)
    return ctypes.CDLL("libc.so.6", use_errno=True)


def _check(result: int, what: str, path: str | None = None) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}", path)


def unshare(flags: int) -> None:
    """unshare(2). CLONE_NEWUSER needs a single-threaded caller."""
    _check(_libc().unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int = 0) -> None:
    """setns(2) on an open /proc/PID/ns/* descriptor. Joining a user namespace needs a
    single-threaded caller; joining a mount namespace resets the cwd and root to its root."""
    _check(_libc().setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def mount(
    source: str | None,
    target: str,
    fstype: str | None = None,
    flags: int = 0,
    data: str | None = None,
) -> None:
    def enc(s: str | None) -> bytes | None:
        return os.fsencode(s) if s is not None else None

    result = _libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    _check(result, "mount", target)


def umount(target: str, flags: int = 0) -> None:
    _check(_libc().umount2(os.fsencode(target), ctypes.c_int(flags)), "umount", target)


def remove_bound_file(path: str) -> None:
    """Unmount (lazily) and delete a file a namespace was bound to; nothing when it is gone
    or was never mounted (a half-made file)."""
    try:
        umount(path, MNT_DETACH)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOENT):
            raise
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def make_rslave(path: str = "/") -> None:
    """Stop mounts made in our namespace from propagating back to the host, while host mounts
    still propagate in (what Podman does for its rootless mount namespace)."""
    mount(None, path, None, MS_REC | MS_SLAVE)


def is_mountpoint(path: str) -> bool:
    """True when path is the root of a mount (per /proc/self/mountinfo, which also sees
    bind mounts of a directory onto itself)."""
    real = os.path.realpath(path)
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                fields = line.split(" ")
                if len(fields) > 4 and _unescape(fields[4]) == real:
                    return True
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
    return False


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo octal.
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 4 <= len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)
