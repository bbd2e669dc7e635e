"""Attaching to conmon's socket: a shell on a pseudo-terminal (typing, window size, detach keys,
re-attach), non-tty stdin/stdout/stderr, and the pure pieces (detach-key specs, scanner)."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest

from pypod.errors import InvalidArgument
from pypod.runtime.attach import (
    Attach,
    DetachScanner,
    parse_detach_keys,
    proxy_signals,
    raw_terminal,
)
from tests.e2e.runtime_helpers import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    if os.geteuid() != 0:
        pytest.skip("runs runc as root")
    base = tempfile.mkdtemp(prefix="pypod-rt-", dir="/var/tmp")
    sb = Sandbox(base)
    try:
        yield sb
    finally:
        sb.close()
        shutil.rmtree(base, ignore_errors=True)


def test_parse_detach_keys() -> None:
    assert parse_detach_keys("ctrl-p,ctrl-q") == b"\x10\x11"
    assert parse_detach_keys("ctrl-a,x,ctrl-@,ctrl-_,CTRL-Z") == b"\x01x\x00\x1f\x1a"
    assert parse_detach_keys("") == b""
    for bad in ("ctrl-1", "ab", "ctrl-", ","):
        with pytest.raises(InvalidArgument):
            parse_detach_keys(bad)


def test_detach_scanner_holds_partial_matches() -> None:
    s = DetachScanner(b"\x10\x11")
    assert s.feed(b"ab\x10") == (b"ab", False)
    assert s.feed(b"c") == (b"\x10c", False)
    assert s.feed(b"\x10\x10") == (b"\x10", False)
    assert s.feed(b"\x11rest") == (b"", True)
    assert DetachScanner(b"").feed(b"\x10\x11") == (b"\x10\x11", False)


def _read_until(fd: int, needle: bytes, timeout: float = 10) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        assert left > 0, f"did not see {needle!r} in {buf!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf


class _Session:
    """Attach.stream running in a thread on the slave side of a pty; the test types on the
    master side, like a person at a terminal."""

    def __init__(self, bundle: str) -> None:
        self.master, self.slave = pty.openpty()
        self.attach = Attach.connect(bundle)
        self.result: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with raw_terminal(self.slave):
            self.result.append(self.attach.stream(self.slave, self.slave, self.slave))

    def finish(self, timeout: float = 10) -> str:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "attach did not return"
        self.attach.close()
        os.close(self.master)
        os.close(self.slave)
        return self.result[0]


def test_tty_shell_resize_detach_and_reattach(sandbox: Sandbox) -> None:
    b = sandbox.bundle(["sh"], tty=True, env=["PS1=prompt# "])
    sandbox.create(b, tty=True, stdin=True)
    s = _Session(b.bundle)  # attach before start, so no output is missed
    s.thread.start()
    sandbox.runtime.start(b.cid)
    _read_until(s.master, b"prompt# ")
    s.attach.resize(33, 111)
    os.write(s.master, b"stty size; echo sum=$((40+2))\r")
    out = _read_until(s.master, b"sum=42")
    assert b"33 111" in out
    os.write(s.master, b"\x10\x11")  # ctrl-p ctrl-q
    assert s.finish() == "detached"
    assert sandbox.runtime.state(b.cid).status == "running"

    s = _Session(b.bundle)
    s.thread.start()
    os.write(s.master, b"exit 7\r")
    assert s.finish() == "exited"
    assert sandbox.wait(b) == 7


def test_pipes_stdin_eof_and_stream_split(sandbox: Sandbox) -> None:
    b = sandbox.bundle(["sh", "-c", "cat; echo to-err >&2"])
    sandbox.create(b, stdin=True)
    a = Attach.connect(b.bundle)
    sandbox.runtime.start(b.cid)
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    os.write(in_w, b"typed\n")
    os.close(in_w)
    try:
        assert a.stream(in_r, out_w, err_w, detach_keys="") == "exited"
    finally:
        a.close()
        for fd in (in_r, out_w, err_w):
            os.close(fd)
    assert os.read(out_r, 100) == b"typed\n"
    assert os.read(err_r, 100) == b"to-err\n"
    os.close(out_r)
    os.close(err_r)
    assert sandbox.wait(b) == 0


def test_proxy_signals_forwards_and_restores() -> None:
    got: list[int] = []
    before = signal.getsignal(signal.SIGUSR1)
    with proxy_signals(got.append):
        os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
    assert got == [signal.SIGUSR1, signal.SIGTERM]
    assert signal.getsignal(signal.SIGUSR1) == before


def test_raw_terminal_restores_settings() -> None:
    import termios

    master, slave = pty.openpty()
    try:
        before = termios.tcgetattr(slave)
        with pytest.raises(RuntimeError), raw_terminal(slave) as is_tty:
            assert is_tty
            assert termios.tcgetattr(slave) != before
            raise RuntimeError("boom")
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_exec_with_tty(sandbox: Sandbox) -> None:
    from tests.e2e.test_runtime_lifecycle import _exec_opts

    b = sandbox.run(["sleep", "100"])
    opts = _exec_opts(sandbox, b.cid, ["sh", "-c", "read x; echo got-$x; exit 9"], tty=True)
    session = sandbox.runtime.exec_attach(opts)
    master, slave = pty.openpty()
    result: list[str] = []

    def pump() -> None:
        with raw_terminal(slave):
            result.append(session.attachment.stream(slave, slave, slave))

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    os.write(master, b"word\r")
    assert b"got-word" in _read_until(master, b"got-word")
    thread.join(10)
    assert result == ["exited"]
    assert session.wait(10) == 9
    session.close()
    os.close(master)
    os.close(slave)
    sandbox.runtime.kill(b.cid, signal.SIGKILL)
