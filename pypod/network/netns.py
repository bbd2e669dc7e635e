"""Persistent network namespaces: one bind-mounted nsfs file per container, as Podman makes them.

The engine creates the namespace before the runtime starts the container and writes its path
into config.json, so networking (netavark, pasta, slirp4netns) is set up on a namespace that
outlives any process in it, and torn down after the container exits. Files live in
``<run_root>/netns/<name>``.

How a namespace is made: a short-lived thread calls unshare(CLONE_NEWNET) — which moves only the
calling thread — and bind-mounts /proc/thread-self/ns/net onto the file; when the thread ends
the mount is the namespace's only holder. No fork, so this is safe in a threaded process (the
API service) and costs well under a millisecond.

The directory is bind-mounted onto itself and made private while it holds namespaces. Podman
makes its netns directory shared instead, so that an unmount here reaches copies in mount
namespaces created later; but then a helper that sandboxes itself in a new mount namespace
(slirp4netns --enable-sandbox pivots and detaches the old root) propagates its unmounts back
and our namespace file disappears — on a systemd host "/" is shared, so without a private
mount the same would happen by default. When the last namespace is removed the directory mount
goes too, so a deleted store leaves no mount behind.

Rootless, the same happens inside pypod's user and mount namespace (the caller has joined it
with host.userns.ensure_userns()): the namespace belongs to the user namespace, and the file is
only a namespace inside pypod's mount namespace, where conmon, runc and the helpers run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

from pypod.errors import NameInUse, PypodError
from pypod.host import mounts
from pypod.log import get_logger

log = get_logger(__name__)

_LOCK = ".lock"
T = TypeVar("T")


def netns_dir(run_root: str) -> str:
    return os.path.join(run_root, "netns")


def is_netns(path: str) -> bool:
    """True when path is a bound network namespace (an nsfs file, not the empty placeholder)."""
    try:
        return os.stat(path).st_dev == os.stat("/proc/self/ns/net").st_dev
    except OSError:
        return False


def list_names(run_root: str) -> list[str]:
    """Names of the namespace files under run_root (bound or half-made), sorted."""
    try:
        return sorted(n for n in os.listdir(netns_dir(run_root)) if not n.startswith("."))
    except FileNotFoundError:
        return []


@contextlib.contextmanager
def _locked(directory: str) -> Iterator[None]:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(directory, _LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def create(run_root: str, name: str | None = None, *, userns: str = "") -> str:
    """Make a new network namespace and return the path of its file. Raises NameInUse when a
    namespace of that name exists. userns: the file of the user namespace that is to own it
    (a container with --userns, see host/userns_file.py)."""
    directory = netns_dir(run_root)
    name = name or f"netns-{uuid.uuid4()}"
    if "/" in name or name.startswith("."):
        raise PypodError(f"invalid network namespace name {name!r}")
    path = os.path.join(directory, name)
    with _locked(directory):
        _private_dir(directory)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
        except FileExistsError as exc:
            raise NameInUse(f"network namespace {path} already exists") from exc
        os.close(fd)
        try:
            if userns:
                from pypod.host import userns_file

                userns_file.new_netns_in(userns, path)
            else:
                _in_thread(_bind_new_netns, path)
        except (OSError, PypodError) as exc:
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise PypodError(f"cannot create network namespace {path}: {exc}") from exc
    log.debug("created network namespace %s", path)
    return path


def remove(path: str) -> None:
    """Unmount and delete a namespace file; a no-op for one already gone. Helpers bound to the
    file (pasta watches it) see it disappear."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        return
    with _locked(directory):
        try:
            mounts.remove_bound_file(path)
        except OSError as exc:
            raise PypodError(f"cannot unmount network namespace {path}: {exc}") from exc
        if not any(not n.startswith(".") for n in os.listdir(directory)):
            _release_dir(directory)
    log.debug("removed network namespace %s", path)


def enter(path: str) -> None:
    """Move the calling thread into the namespace (setns(2) on a network namespace acts on one
    thread). For a forked child or a thread of its own; see run_in()."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        mounts.setns(fd, mounts.CLONE_NEWNET)
    finally:
        os.close(fd)


def run_in(path: str, fn: Callable[[], T]) -> T:
    """Call fn in a thread that has entered the namespace and return its result. Sockets made
    there stay in the namespace, so this is how to listen or connect inside it."""

    def inside() -> T:
        enter(path)
        return fn()

    return _in_thread(inside)


def _in_thread(fn: Callable[..., T], *args: object) -> T:
    """Run fn on a fresh OS thread that ends afterwards, so whatever namespace it moved into
    dies with it and never reaches the caller's thread."""
    result: list[T] = []
    error: list[BaseException] = []

    def body() -> None:
        try:
            result.append(fn(*args))
        except BaseException as exc:  # handed to the caller below
            error.append(exc)

    thread = threading.Thread(target=body, name="pypod-netns", daemon=True)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _bind_new_netns(path: str) -> None:
    mounts.unshare(mounts.CLONE_NEWNET)
    mounts.mount("/proc/thread-self/ns/net", path, None, mounts.MS_BIND)


def _private_dir(directory: str) -> None:
    """Make the directory a private mount (again: one made by an older pypod may be shared)."""
    try:
        if not mounts.is_mountpoint(directory):
            mounts.mount(directory, directory, None, mounts.MS_BIND)
        mounts.mount(None, directory, None, mounts.MS_PRIVATE)
    except OSError as exc:
        raise PypodError(f"cannot prepare {directory} for network namespaces: {exc}") from exc


def _release_dir(directory: str) -> None:
    if mounts.is_mountpoint(directory):
        try:
            mounts.umount(directory, mounts.MNT_DETACH)
        except OSError as exc:
            log.debug("cannot unmount %s: %s", directory, exc)
