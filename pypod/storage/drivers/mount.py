"""mount(2)/umount2(2) through ctypes, and mount reference counts kept in run_root.

ctypes instead of /usr/bin/mount: a layer mount is on the path of every `run`, and a fork+exec
costs milliseconds. Errors become StorageError naming the cause.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from functools import cache

from pypod.errors import StorageError

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MNT_DETACH = 2


@cache
def _libc():  # type: ignore[no-untyped-def]
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    return libc


def _errno() -> int:
    import ctypes

    return ctypes.get_errno()


def try_mount(source: str, target: str, fstype: str, flags: int = 0, data: str = "") -> int:
    """mount(2); 0 or the errno (for probes, which only want to know whether it works)."""
    rc = _libc().mount(
        source.encode(), target.encode(), fstype.encode(), flags, data.encode() if data else None
    )
    return _errno() if rc != 0 else 0


def mount(source: str, target: str, fstype: str, flags: int = 0, data: str = "") -> None:
    err = try_mount(source, target, fstype, flags, data)
    if err:
        raise StorageError(f"mount {fstype} on {target}: {os.strerror(err)} (options {data!r})")


def unmount(target: str, detach: bool = False) -> None:
    rc = _libc().umount2(target.encode(), MNT_DETACH if detach else 0)
    if rc != 0:
        err = _errno()
        raise StorageError(f"unmount {target}: {os.strerror(err)}")


def is_mounted(path: str) -> bool:
    return os.path.ismount(path)


class MountCounts:
    """Reference counts per key, one small file each under dir, updated under flock."""

    def __init__(self, directory: str, real_mounts: bool = True) -> None:
        self.dir = directory
        self.real = real_mounts  # False: only counting (vfs hands out plain directories)

    def _mounted(self, path: str) -> bool:
        return is_mounted(path) if self.real else bool(path)

    def _open(self, key: str) -> int:
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        fd = os.open(os.path.join(self.dir, key), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    @staticmethod
    def _read(fd: int) -> tuple[int, str]:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096).decode()
        count, _, path = text.partition(" ")
        return (int(count) if count.strip() else 0), path

    @staticmethod
    def _write(fd: int, count: int, path: str) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"{count} {path}".encode())

    def acquire(self, key: str, path: str, do_mount: Callable[[], None]) -> None:
        fd = self._open(key)
        try:
            count, _ = self._read(fd)
            if count <= 0 or not self._mounted(path):
                do_mount()  # first user, or the mount vanished (reboot, manual umount)
                count = 0
            self._write(fd, count + 1, path)
        finally:
            os.close(fd)

    def release(self, key: str, force: bool, do_unmount: Callable[[], None]) -> bool:
        name = os.path.join(self.dir, key)
        if not os.path.exists(name):
            return False
        fd = self._open(key)
        try:
            count, path = self._read(fd)
            count = 0 if force else max(count - 1, 0)
            if count == 0:
                if path and self._mounted(path):
                    do_unmount()
                # keep the file (at 0): unlinking it would race with a waiting acquirer
                self._write(fd, 0, path)
                return True
            self._write(fd, count, path)
            return False
        finally:
            os.close(fd)

    def all(self) -> dict[str, str]:
        out: dict[str, str] = {}
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return out
        for key in names:
            try:
                with open(os.path.join(self.dir, key)) as f:
                    count, _, path = f.read().partition(" ")
            except FileNotFoundError:
                continue
            if count.strip() and int(count) > 0 and self._mounted(path):
                out[key] = path
        return out
