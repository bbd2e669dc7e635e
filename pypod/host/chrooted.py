"""Run a Python function in a forked child confined to another root (chroot(2)).

cp uses it for the container side of a copy into or out of a running container: the child
chroots into /proc/PID/root, the container's root with every mount the container sees (volumes,
bind mounts, tmpfs), the way Podman joins the container's mount namespace. Inside, every path,
symlink and ".." is the kernel's business and stays within the container, even when the
container changes its files while the copy runs. The data crosses over pipes.

    child = start(work, root="/proc/1234/root", close=(fd_the_child_must_not_hold,))
    ...                      # the parent's side of the pipes
    child.wait()             # raises the child's error as a PypodError

Everything the function needs must be imported before start(): after chroot the interpreter
cannot load modules from the host. An error in the child travels back as "ClassName\\nmessage"
on a pipe; the child exits with ABORTED when it stopped because the other side went away (a
broken pipe, or an abort verdict), so the caller reports the other side's error instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable

from pypod import errors
from pypod.errors import PypodError
from pypod.log import get_logger

log = get_logger(__name__)

ABORTED = 3


class Aborted(PypodError):
    """Raised in the child when the copy stops because of the other side."""

    reason = "aborted"


class Child:
    def __init__(self, pid: int, err_fd: int) -> None:
        self.pid = pid
        self._err_fd = err_fd
        self.status: int | None = None

    def wait(self) -> None:
        """Reap the child; raise its error. Aborted when it stopped because of the other side."""
        with os.fdopen(self._err_fd, "rb") as f:
            report = f.read().decode(errors="replace")
        _, status = os.waitpid(self.pid, 0)
        self.status = os.waitstatus_to_exitcode(status)
        if self.status == 0:
            return
        if self.status == ABORTED:
            raise Aborted()
        name, _, message = report.partition("\n")
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, PypodError)):
            cls = PypodError
        try:
            raise cls(message or f"child process ended with status {self.status}")
        except TypeError:  # an error class with its own constructor
            raise PypodError(message) from None


def _report(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, (Aborted, BrokenPipeError)):
        return ABORTED, ""
    if isinstance(exc, PypodError):
        return 1, f"{type(exc).__name__}\n{exc.message}"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return 1, f"PypodError\n{exc.strerror or exc}{where}"
    return 1, f"PypodError\n{type(exc).__name__}: {exc}"


def start(fn: Callable[[], None], *, root: str, close: Iterable[int] = ()) -> Child:
    """Fork; the child closes `close`, chroots into root and runs fn, then exits."""
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        code = 1
        try:
            os.close(err_r)
            for fd in close:
                os.close(fd)
            os.chroot(root)
            os.chdir("/")
            fn()
            code = 0
        except BaseException as exc:  # everything goes back to the parent
            code, text = _report(exc)
            with contextlib.suppress(OSError):
                os.write(err_w, text.encode(errors="replace"))
        finally:
            os._exit(code)
    os.close(err_w)
    return Child(pid, err_r)
