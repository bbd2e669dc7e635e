"""A user namespace with given id maps, held by a bind-mounted nsfs file, and namespaces made
inside it.

A container with --userns needs its network namespace to belong to its user namespace: runc
joins the user namespace first (also for `exec`), and setns(2) into a network namespace owned
by another user namespace is refused. So, as Podman arranges it, the engine makes the user
namespace before the container:

    make(path, uid_map, gid_map)           # a forked child unshares it, we write its maps
    new_netns_in(userns_path, netns_path)  # a forked child joins it and unshares a netns
    drop(path)                              # once the container's process holds it

Both children only exist for the duration of the call; the files are what keep the namespaces.
Maps are OCI-style dicts {"containerID", "hostID", "size"} relative to our own namespace.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Sequence

from pypod.errors import PypodError
from pypod.host import mounts


def _child(work: Callable[[], None]) -> tuple[int, int, int]:
    """Fork a child that runs work(), reports "K" (or "E<error>") and waits to be killed;
    returns (pid, status read fd, go write fd)."""
    status_r, status_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked child
        try:
            os.close(status_r)
            os.close(go_w)
            work()
            os.write(status_w, b"K")
            os.read(go_r, 1)
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                os.write(status_w, f"E{exc}".encode(errors="replace"))
        os._exit(0)
    os.close(status_w)
    os.close(go_r)
    return pid, status_r, go_w


def _reap(pid: int, *fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _wait_ready(fd: int, what: str) -> None:
    reply = os.read(fd, 4096).decode(errors="replace")
    if reply != "K":
        raise PypodError(f"cannot create {what}: {reply[1:] or 'the helper died'}")


def _bind(source: str, target: str) -> None:
    fd = os.open(target, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o444)
    os.close(fd)
    try:
        mounts.mount(source, target, None, mounts.MS_BIND)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise


def make(path: str, uid_map: Sequence[dict[str, int]], gid_map: Sequence[dict[str, int]]) -> None:
    """A new user namespace with these maps, held by a bind mount on path."""
    pid, status, go = _child(lambda: mounts.unshare(mounts.CLONE_NEWUSER))
    try:
        _wait_ready(status, "the container's user namespace")
        for name, maps in (("uid_map", uid_map), ("gid_map", gid_map)):
            text = "".join(f"{m['containerID']} {m['hostID']} {m['size']}\n" for m in maps)
            with open(f"/proc/{pid}/{name}", "w", encoding="ascii") as f:
                f.write(text)
        _bind(f"/proc/{pid}/ns/user", path)
    except OSError as exc:
        raise PypodError(f"cannot create the container's user namespace: {exc}") from exc
    finally:
        _reap(pid, status, go)


def new_netns_in(userns_path: str, netns_path: str) -> None:
    """A new network namespace owned by the user namespace at userns_path, bound on
    netns_path (which must exist)."""

    def work() -> None:
        fd = os.open(userns_path, os.O_RDONLY | os.O_CLOEXEC)
        mounts.setns(fd, mounts.CLONE_NEWUSER)
        mounts.unshare(mounts.CLONE_NEWNET)

    pid, status, go = _child(work)
    try:
        _wait_ready(status, "a network namespace in the container's user namespace")
        mounts.mount(f"/proc/{pid}/ns/net", netns_path, None, mounts.MS_BIND)
    finally:
        _reap(pid, status, go)


def drop(path: str) -> None:
    """Unmount and delete a namespace file; nothing when it is gone."""
    try:
        mounts.remove_bound_file(path)
    except OSError as exc:
        raise PypodError(f"cannot unmount {path}: {exc}") from exc
