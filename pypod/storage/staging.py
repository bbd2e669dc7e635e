"""Per-layer fcntl locks, pid-stamped staging directories and crash cleanup.

A staging directory is tmp/<pid>-<random>: a process killed mid-extraction leaves one behind,
and the next Store.open removes it once that pid is gone. flock (not lockf) because its locks
belong to the open file, so two threads of one process exclude each other too.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from pypod.log import get_logger

log = get_logger(__name__)


@contextmanager
def file_lock(path: str, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive flock on path; yields False (not locked) when not blocking and busy."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def new_staging(tmp_root: str) -> str:
    import tempfile  # writers only; every command opens the store through this module

    return tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=tmp_root)


def pid_alive(pid: int) -> bool:
    """Whether pid still runs; a zombie counts as dead (a killed writer whose parent has not
    reaped it yet, or was reparented to an init that does not reap, holds nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return True  # no /proc to ask: trust kill(0)
    # the state follows the parenthesised command name, which may itself contain ") "
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


def remove_stale_staging(tmp_root: str) -> list[str]:
    """Remove staging dirs whose owner process is gone; returns what was removed."""
    removed = []
    try:
        names = os.listdir(tmp_root)
    except FileNotFoundError:
        return removed
    for name in names:
        pid_text = name.partition("-")[0]
        if pid_text.isdigit() and pid_alive(int(pid_text)):
            continue
        path = os.path.join(tmp_root, name)
        log.debug("removing stale staging directory %s", path)
        remove_tree(path)
        removed.append(path)
    return removed


def remove_tree(path: str) -> None:
    """rmtree that also copes with read-only directories inside (chmod then retry)."""
    import shutil

    def fix(func: object, target: str, exc: BaseException) -> None:
        if isinstance(exc, FileNotFoundError):
            return
        parent = os.path.dirname(target)
        os.chmod(parent, 0o700)
        if os.path.isdir(target) and not os.path.islink(target):
            os.chmod(target, 0o700)
            shutil.rmtree(target, onerror=lambda *_: None)
        else:
            os.unlink(target)

    if os.path.lexists(path):
        shutil.rmtree(path, onerror=lambda f, p, e: fix(f, p, e[1]))
