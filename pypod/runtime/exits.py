"""Exit files: how conmon tells anyone who asks later that a container (or exec session) ended.

When the process ends conmon writes its exit status as decimal text to <exit_dir>/<container
id> and, with --persist-dir, to <persist dir>/exit; when it had to kill the process for
--timeout the status is -1. An OOM kill leaves <persist dir>/oom. No pypod process waits on
conmon, so every reader polls these files (with a short, growing sleep: conmon writes them
with g_file_set_contents, i.e. a rename, so a file that exists is complete).
"""

from __future__ import annotations

import contextlib
import os
import time

from pypod.records import record

_POLL_FIRST_S = 0.0005  # conmon writes the file within ~1 ms of the exit: look early
_POLL_MAX_S = 0.05


@record
class ExitInfo:
    code: int  # the process's exit status; 128+N for a signal; -1 when conmon timed it out
    oom_killed: bool = False
    finished_at: float = 0.0  # mtime of the exit file


def exit_file(exit_dir: str, container_id: str) -> str:
    return os.path.join(exit_dir, container_id)


def read_exit(exit_dir: str, container_id: str, persist_dir: str = "") -> ExitInfo | None:
    """The recorded exit, or None while the process has not ended (or conmon died first)."""
    path = exit_file(exit_dir, container_id)
    try:
        with open(path, encoding="ascii") as f:
            text = f.read().strip()
        mtime = os.stat(path).st_mtime
    except FileNotFoundError:
        return None
    try:
        code = int(text)
    except ValueError:
        return None  # not ours or torn: treat as absent
    oom = bool(persist_dir) and os.path.exists(os.path.join(persist_dir, "oom"))
    return ExitInfo(code=code, oom_killed=oom, finished_at=mtime)


def wait_exit(
    exit_dir: str,
    container_id: str,
    *,
    timeout_s: float | None = None,
    persist_dir: str = "",
    alive: int = 0,
) -> ExitInfo | None:
    """Poll until the exit file appears; None on timeout. alive: a conmon pid whose death
    without an exit file also ends the wait (None then), so a killed conmon never hangs us."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    delay = _POLL_FIRST_S
    while True:
        info = read_exit(exit_dir, container_id, persist_dir)
        if info is not None:
            return info
        if alive and not pid_alive(alive):
            # conmon writes the file before it exits: one last look closes the race
            return read_exit(exit_dir, container_id, persist_dir)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, _POLL_MAX_S)


def remove_exit(exit_dir: str, container_id: str, persist_dir: str = "") -> None:
    """Forget a previous run's exit before the next start."""
    paths = [exit_file(exit_dir, container_id)]
    if persist_dir:
        paths += [os.path.join(persist_dir, "exit"), os.path.join(persist_dir, "oom")]
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def pid_alive(pid: int) -> bool:
    """True while pid runs; a zombie counts as dead (PID 1 here reaps orphans late)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        return True
    # the state letter follows the last ')' (the command name may contain parentheses)
    state = stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3]
    return state not in (b"Z", b"X")


def read_pidfile(path: str) -> int:
    """A pid file written by conmon or the runtime; 0 when absent or empty."""
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0
