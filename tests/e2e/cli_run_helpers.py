"""Shared by the test_cli_run* suites: root-or-rootless fixtures, a pty driver, leak checks."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Callable, Iterator

import pytest

from tests.fixtures.images import import_busybox
from tests.fixtures.pypod_cli import Pypod, StoreDirs, root_env
from tests.fixtures.users import user_env


@pytest.fixture
def workdir() -> Iterator[str]:
    """A directory under /var/tmp that root and the rootless test user both write to."""
    d = tempfile.mkdtemp(prefix="pypod-work-", dir="/var/tmp")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(params=["root", "rootless"])
def engine(request: pytest.FixtureRequest, busybox_tar: str) -> Iterator[tuple[Pypod, StoreDirs]]:
    """(pypod, store) as root and as the test user, with localhost/busybox imported."""
    if request.param == "root":
        store = request.getfixturevalue("store")
        pp = request.getfixturevalue("pypod")
    else:
        store = request.getfixturevalue("rootless_store")
        pp = request.getfixturevalue("pypod_rootless")
    import_busybox(pp, tarball=busybox_tar)
    yield pp, store
    remove_all(pp, store)


def remove_all(pp: Pypod, store: StoreDirs | None = None) -> None:
    """Every container the test left: removed (-f), so no conmon or mount outlives it; when
    that fails, the conmons of this store (and their containers) are killed."""
    r = pp("rm", "-a", "-f", "-t", "0", check=False, timeout=60)
    if r.rc != 0 and store is not None:
        kill_conmons(store.base)


def processes() -> list[tuple[int, list[bytes]]]:
    """(pid, argv) of every process that still has a command line."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0]:
            found.append((int(entry), argv))
    return found


def kill_conmons(base: str) -> None:
    import signal

    for pid, argv in processes():
        if argv[0].endswith(b"conmon") and any(base.encode() in a for a in argv):
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
                children = [int(c) for c in f.read().split()]
            for victim in [*children, pid]:
                with contextlib.suppress(OSError):
                    os.kill(victim, signal.SIGKILL)


def leftovers(store: StoreDirs) -> list[str]:
    """Container layers, userdata dirs and mounts still present under the store."""
    found = []
    for sub in ("overlay-containers", "vfs-containers", "containers"):
        path = os.path.join(store.root, sub)
        if os.path.isdir(path):
            found += [f"{sub}/{n}" for n in os.listdir(path)]
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        found += [ln.split()[4] for ln in f if store.base in ln.split()[4]]
    return found


def wait_for(check: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def status(pp: Pypod, name: str) -> str:
    r = pp("ps", "-a", "--filter", f"name=^{name}$", "--format", "{{.Status}}", check=False)
    return r.stdout.strip()


class PtySession:
    """`pypod ...` on a pseudo-terminal, as a user at a shell would run it."""

    def __init__(self, argv: list[str], env: dict[str, str], rows: int = 24, cols: int = 80):
        self.master, slave = os.openpty()
        self.set_size(rows, cols, fd=slave)

        def child_setup() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env,
            preexec_fn=child_setup, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.buffer = b""

    def set_size(self, rows: int, cols: int, fd: int | None = None) -> None:
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))  # fmt: skip

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def expect(self, needle: bytes, timeout: float = 20.0) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} not seen; got {self.buffer[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"EOF before {needle!r}; got {self.buffer[-500:]!r}")
                self.buffer += chunk
        idx = self.buffer.index(needle) + len(needle)
        seen, self.buffer = self.buffer[:idx], self.buffer[idx:]
        return seen

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError("pypod did not exit")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    self.buffer += os.read(self.master, 4096)
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def pty_argv(pp: Pypod, args: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """argv and env to run `pypod args` (as the test user for a rootless Pypod)."""
    from tests.fixtures.users import RootlessPypod, get_test_user

    argv = pp.argv(args)
    if isinstance(pp, RootlessPypod):
        user = get_test_user()
        argv = ["runuser", "-u", user.name, "--", "env", "-i", *user_env({"TERM": "xterm"}),
                *argv]  # fmt: skip
        return argv, root_env({"TERM": "xterm"})
    return argv, root_env({"TERM": "xterm"})
