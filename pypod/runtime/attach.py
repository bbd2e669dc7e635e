"""A client for conmon's attach socket and control fifo.

conmon (with --full-attach) listens on <bundle>/attach, a SOCK_SEQPACKET unix socket. Each
packet it sends is one read of the container's output prefixed by one byte naming the stream
(2 stdout, 3 stderr; 1 would be stdin and is never sent). What we send is raw stdin. When we
shut down our sending side conmon closes the container's stdin (unless it runs with
--leave-stdin-open); when the container's output ends conmon closes the socket. The path can be
longer than sockaddr_un allows, so we connect through /proc/self/fd/N of an O_PATH descriptor
of the directory, as libpod does.

Window size changes go to the <bundle>/ctl fifo as "1 ROWS COLS\\n" (2 0 0 asks conmon to
reopen its log files).

Also here: detach-key specs ("ctrl-p,ctrl-q" as Podman parses them), a raw-tty context manager
that always restores the terminal, SIGWINCH-driven resizing and the --sig-proxy helper.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import signal
import socket
from collections.abc import Callable, Iterator
from typing import Any

from pypod.errors import InvalidArgument, PypodError
from pypod.log import get_logger

log = get_logger(__name__)

STDIN, STDOUT, STDERR = 1, 2, 3
DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
_PACKET = 8192 + 1  # conmon's STDIO_BUF_SIZE plus the stream byte
_CTRL_NAMES = ["ctrl-@", *(f"ctrl-{chr(c)}" for c in range(ord("a"), ord("z") + 1)),
               "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_"]  # fmt: skip
# Signals --sig-proxy does not forward (Podman's list): job control and our own plumbing.
# Faults (SIGSEGV...) are synchronous: a Python handler for them would spin.
_NOT_PROXIED = {signal.SIGCHLD, signal.SIGPIPE, signal.SIGURG, signal.SIGWINCH,
                signal.SIGKILL, signal.SIGSTOP, signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE,
                signal.SIGILL, signal.SIGABRT, signal.SIGTRAP, signal.SIGSYS}  # fmt: skip


def parse_detach_keys(spec: str) -> bytes:
    """Podman's spec "ctrl-p,ctrl-q" -> b"\\x10\\x11"; one character stands for itself;
    "" disables detaching."""
    if spec == "":
        return b""
    codes = bytearray()
    for key in spec.split(","):
        if len(key) == 1:
            codes += key.encode()
            continue
        lowered = key.lower()
        if lowered not in _CTRL_NAMES:
            raise InvalidArgument(f"invalid detach keys: unknown character: {key!r}")
        codes.append(_CTRL_NAMES.index(lowered))
    return bytes(codes)


class DetachScanner:
    """Finds the detach sequence in typed input, holding back a partial match so it never
    reaches the container; a mismatch releases what was held."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self._held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to forward, detached?)."""
        if not self.keys:
            return data, False
        out = bytearray()
        for byte in data:
            candidate = self._held + bytes([byte])
            if self.keys.startswith(candidate):
                if candidate == self.keys:
                    self._held = b""
                    return bytes(out), True
                self._held = candidate
                continue
            out += self._held
            self._held = b""
            if self.keys.startswith(bytes([byte])):
                self._held = bytes([byte])
            else:
                out.append(byte)
        return bytes(out), False


def _fd_of(stream: Any) -> int | None:
    if stream is None:
        return None
    if isinstance(stream, int):
        return stream
    with contextlib.suppress(AttributeError, OSError, ValueError):
        return int(stream.fileno())
    return None


def _write_all(target: Any, data: bytes) -> None:
    fd = _fd_of(target)
    if fd is None:
        target.write(data)
        with contextlib.suppress(AttributeError):
            target.flush()
        return
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[n:]


class Attach:
    """One connection to a container's (or exec session's) attach socket."""

    def __init__(self, sock: socket.socket, bundle: str) -> None:
        self.sock = sock
        self.bundle = bundle
        self._stdin_open = True

    @classmethod
    def connect(cls, bundle: str) -> Attach:
        dir_fd = os.open(bundle, os.O_PATH | os.O_CLOEXEC)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        try:
            sock.connect(f"/proc/self/fd/{dir_fd}/attach")
        except OSError as exc:
            sock.close()
            raise PypodError(f"cannot attach to {bundle}/attach: {exc.strerror}") from exc
        finally:
            os.close(dir_fd)
        return cls(sock, bundle)

    def stream(
        self,
        stdin: Any | None,
        stdout: Any,
        stderr: Any,
        *,
        detach_keys: bytes | str = b"\x10\x11",
    ) -> str:
        """Pump until the container closes its output ("exited") or the user types the detach
        keys ("detached"). stdin/stdout/stderr: fds or file objects; stdin None = no input.
        Input EOF closes the container's stdin and keeps reading output."""
        keys = parse_detach_keys(detach_keys) if isinstance(detach_keys, str) else detach_keys
        scanner = DetachScanner(keys)
        in_fd = _fd_of(stdin)
        sock_fd = self.sock.fileno()
        while True:
            watch = [sock_fd] + ([in_fd] if in_fd is not None and self._stdin_open else [])
            try:
                ready, _, _ = select.select(watch, [], [])
            except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                continue
            if in_fd is not None and in_fd in ready and self._forward_input(in_fd, scanner):
                return "detached"
            if sock_fd in ready and not self._pump_output(stdout, stderr):
                return "exited"

    def _forward_input(self, in_fd: int, scanner: DetachScanner) -> bool:
        """Read typed input; True when it held the detach keys."""
        try:
            data = os.read(in_fd, 8192)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EINTR):
                return False
            data = b""  # EIO: the terminal went away
        if not data:
            self.close_stdin()
            return False
        data, detached = scanner.feed(data)
        if data:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.sock.sendall(data)
        return detached

    def _pump_output(self, stdout: Any, stderr: Any) -> bool:
        """One packet of output; False at the end of the container's output."""
        try:
            packet = self.sock.recv(_PACKET)
        except (ConnectionResetError, BrokenPipeError):
            return False
        if not packet:
            return False
        kind, data = packet[0], packet[1:]
        if data:
            _write_all(stderr if kind == STDERR else stdout, data)
        return True

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close_stdin(self) -> None:
        """Our input ended: conmon closes the container's stdin when it sees this."""
        if self._stdin_open:
            self._stdin_open = False
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)

    def resize(self, rows: int, cols: int) -> None:
        write_ctl(self.bundle, f"1 {int(rows)} {int(cols)}\n")

    def close(self) -> None:
        self.sock.close()


def write_ctl(bundle: str, line: str) -> None:
    """Write one control message to conmon's ctl fifo; a conmon that is gone is ignored."""
    try:
        fd = os.open(os.path.join(bundle, "ctl"), os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:  # ENXIO: no reader, ENOENT: never created
        log.debug("ctl fifo of %s: %s", bundle, exc)
        return
    try:
        os.write(fd, line.encode())
    except OSError as exc:
        log.debug("ctl fifo of %s: %s", bundle, exc)
    finally:
        os.close(fd)


def reopen_logs(bundle: str) -> None:
    write_ctl(bundle, "2 0 0\n")


@contextlib.contextmanager
def raw_terminal(fd: int | None) -> Iterator[bool]:
    """Put a terminal in raw mode for the block and always restore it; yields whether fd is a
    terminal (nothing happens otherwise)."""
    if fd is None or not os.isatty(fd):
        yield False
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def terminal_size(fd: int) -> tuple[int, int] | None:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.lines, size.columns


@contextlib.contextmanager
def follow_resize(resize: Callable[[int, int], None], fd: int | None) -> Iterator[None]:
    """Send the terminal's size now and on every SIGWINCH until the block ends."""
    if fd is None or not os.isatty(fd):
        yield
        return

    def update(*_: object) -> None:
        size = terminal_size(fd)
        if size:
            resize(*size)

    update()
    previous = signal.signal(signal.SIGWINCH, update)
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


@contextlib.contextmanager
def proxy_signals(forward: Callable[[int], None]) -> Iterator[None]:
    """--sig-proxy: every catchable signal pypod receives goes to forward(signum) (which
    kills the container's process) instead of ending pypod."""
    saved: dict[int, Any] = {}

    def handler(signum: int, _frame: object) -> None:
        try:
            forward(signum)
        except PypodError as exc:  # the container may be gone already
            log.debug("forwarding signal %d: %s", signum, exc)

    for sig in signal.valid_signals():
        if sig in _NOT_PROXIED or not isinstance(sig, signal.Signals):
            continue
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, previous in saved.items():
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                signal.signal(sig, previous)
