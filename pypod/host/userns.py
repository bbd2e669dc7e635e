"""The rootless user namespace, entered the way Podman enters it.

An unprivileged pypod runs inside a user namespace where it is uid 0, its own uid maps to 0 and
the subordinate ids from /etc/subuid and /etc/subgid map to 1..N. Files then keep their in-image
owners on disk (image uid 1000 -> subuid_start + 999) and overlay mounts are allowed.

One pause process per user (``catatonit -P``) holds the user and mount namespaces, so every
pypod process joins the same ones and mounts made by one are seen by the next. Its pid lives in
``$runtime_dir/pypod/pause.pid``; an fcntl lock next to it makes sure that pypod processes
starting at the same moment create only one. Joining needs a single-threaded process (setns(2)
on a user namespace refuses threaded callers), so the engine calls ensure_userns() at start-up,
before touching storage.

Inside, the env markers _PYPOD_ROOTLESS_UID/_PYPOD_ROOTLESS_GID hold the real ids, so code that
must know them (paths, `pypod info`) asks rootless_uid() instead of os.geteuid().
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from pypod.errors import CannotInvoke, CommandNotFound, InvalidArgument, PypodError
from pypod.host import mounts, processes
from pypod.log import flush, get_logger
from pypod.records import record

log = get_logger(__name__)

ROOTLESS_UID_ENV = "_PYPOD_ROOTLESS_UID"
ROOTLESS_GID_ENV = "_PYPOD_ROOTLESS_GID"
SUBUID_FILE = "/etc/subuid"
SUBGID_FILE = "/etc/subgid"
_IDENTITY_MAP = (0, 0, 4294967295)


@record
class IDMap:
    container_id: int
    host_id: int
    size: int

    def as_dict(self) -> dict[str, int]:
        return {"container_id": self.container_id, "host_id": self.host_id, "size": self.size}


# --- where are we ----


def _read_id_map(path: str) -> list[IDMap]:
    maps = []
    with open(path, encoding="ascii") as f:
        for line in f:
            fields = line.split()
            if len(fields) == 3:
                inside, outside, size = (int(x) for x in fields)
                maps.append(IDMap(container_id=inside, host_id=outside, size=size))
    return maps


def in_userns() -> bool:
    """True inside the rootless namespace (a marker in the environment alone is not trusted:
    a process of the initial namespace sees the identity map)."""
    if ROOTLESS_UID_ENV not in os.environ:
        return False
    maps = _read_id_map("/proc/self/uid_map")
    return [(m.container_id, m.host_id, m.size) for m in maps] != [_IDENTITY_MAP]


def is_rootless() -> bool:
    return os.geteuid() != 0 or in_userns()


def rootless_uid() -> int:
    """The user's real uid, also from inside the namespace where geteuid() is 0."""
    if in_userns():
        return int(os.environ[ROOTLESS_UID_ENV])
    return os.geteuid()


def rootless_gid() -> int:
    if in_userns():
        return int(os.environ.get(ROOTLESS_GID_ENV, os.getegid()))
    return os.getegid()


def runtime_dir() -> str:
    """XDG_RUNTIME_DIR when it is ours and writable, else a private /tmp/pypod-run-UID."""
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg:
        try:
            st = os.stat(xdg)
            if st.st_uid == os.geteuid() and os.access(xdg, os.W_OK | os.X_OK):
                return xdg
        except OSError:
            pass
        log.debug("XDG_RUNTIME_DIR=%s is not usable, falling back to /tmp", xdg)
    path = f"/tmp/pypod-run-{rootless_uid()}"
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    # Someone else may have created it first (a shared /tmp): never use a directory we do not
    # own, or a symlink to one.
    st = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or st.st_uid != os.geteuid():
        raise PypodError(f"{path} is not a directory owned by uid {rootless_uid()}")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def _pypod_run_dir() -> str:
    path = os.path.join(runtime_dir(), "pypod")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


# --- subordinate ids ----


def subid_ranges(path: str, user: str, uid: int) -> list[tuple[int, int]]:
    """(start, count) ranges for the user, matched by name or by numeric id, in file order."""
    ranges = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                fields = line.strip().split(":")
                if len(fields) != 3 or fields[0] not in (user, str(uid)):
                    continue
                try:
                    start, count = int(fields[1]), int(fields[2])
                except ValueError:
                    continue
                if count > 0:
                    ranges.append((start, count))
    except FileNotFoundError:
        pass
    return ranges


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _planned_maps(own: int, ranges: list[tuple[int, int]]) -> list[IDMap]:
    """Our own id as 0, then the subordinate ranges back to back from 1, as Podman maps them."""
    maps = [IDMap(container_id=0, host_id=own, size=1)]
    next_id = 1
    for start, count in ranges:
        maps.append(IDMap(container_id=next_id, host_id=start, size=count))
        next_id += count
    return maps


def rootless_id_mappings() -> dict[str, list[dict[str, int]] | None]:
    """The idMappings of `pypod info`: null for root, else the maps in effect (or planned)."""
    if not is_rootless():
        return {"gidmap": None, "uidmap": None}
    if in_userns():
        uids = _read_id_map("/proc/self/uid_map")
        gids = _read_id_map("/proc/self/gid_map")
    else:
        uid, gid = rootless_uid(), rootless_gid()
        user = _user_name(uid)
        uids = _planned_maps(uid, subid_ranges(SUBUID_FILE, user, uid))
        gids = _planned_maps(gid, subid_ranges(SUBGID_FILE, user, uid))
    return {"gidmap": [m.as_dict() for m in gids], "uidmap": [m.as_dict() for m in uids]}


# --- the pause process ----


def _read_pid(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _is_our_pause(pid: int) -> bool:
    """The pid is a live catatonit -P of ours holding a user namespace (pids get reused)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        if os.path.basename(argv[0]) != b"catatonit" or b"-P" not in argv[1:]:
            return False
        if os.stat(f"/proc/{pid}").st_uid != os.geteuid():
            return False
        theirs = os.readlink(f"/proc/{pid}/ns/user")
        ours = os.readlink("/proc/self/ns/user")
    except OSError:
        return False
    return (theirs == ours) if in_userns() else (theirs != ours)


def _assert_single_threaded() -> None:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Threads:") and int(line.split()[1]) != 1:
                raise PypodError(
                    "internal error: the rootless user namespace must be joined before any "
                    "thread starts"
                )


def _join(pid: int, uid: int, gid: int) -> None:
    user_fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    mnt_fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = "/"
    try:
        # User namespace first: it grants the capabilities that joining the mount one needs.
        mounts.setns(user_fd, mounts.CLONE_NEWUSER)
        mounts.setns(mnt_fd, mounts.CLONE_NEWNS)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    except OSError as exc:
        raise PypodError(f"cannot join the rootless user namespace of pid {pid}: {exc}") from exc
    finally:
        os.close(user_fd)
        os.close(mnt_fd)
    os.environ[ROOTLESS_UID_ENV] = str(uid)
    os.environ[ROOTLESS_GID_ENV] = str(gid)
    # Joining a mount namespace moves the cwd to its root.
    try:
        os.chdir(cwd)
    except OSError as exc:
        log.warning("cannot return to %s inside the user namespace: %s", cwd, exc)


def ensure_userns() -> None:
    """Make this process uid 0 in the user's rootless namespace (creating it when needed).
    A no-op for root and for a process already inside."""
    if os.geteuid() == 0 or in_userns():
        return
    _assert_single_threaded()
    uid, gid = os.geteuid(), os.getegid()
    run_dir = _pypod_run_dir()
    pid_file = os.path.join(run_dir, "pause.pid")
    lock_fd = os.open(
        os.path.join(run_dir, "pause.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
    )
    try:
        fcntl.lockf(lock_fd, fcntl.LOCK_EX)
        pid = _read_pid(pid_file)
        if pid is None or not _is_our_pause(pid):
            pid = _create_pause(uid, gid)
            tmp = f"{pid_file}.{os.getpid()}"
            with open(tmp, "w", encoding="ascii") as f:
                f.write(f"{pid}\n")
            os.replace(tmp, pid_file)
            log.debug("created pause process %d", pid)
        _join(pid, uid, gid)
    finally:
        os.close(lock_fd)  # also releases the lock


def stop_pause_process() -> bool:
    """Kill the user's pause process (`system migrate`/`system reset`); the next pypod command
    creates a fresh namespace with the current /etc/subuid ranges. True if one was running."""
    if not is_rootless():
        return False
    pid_file = os.path.join(_pypod_run_dir(), "pause.pid")
    pid = _read_pid(pid_file)
    alive = pid is not None and _is_our_pause(pid)
    if alive:
        assert pid is not None
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            alive = False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(pid_file)
    return alive


def unshare_exec(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    graph_root: str | None = None,
    run_root: str | None = None,
) -> NoReturn:
    """`pypod unshare`: replace this process with argv (default $SHELL) inside the namespace."""
    if not is_rootless():
        raise InvalidArgument("please use unshare with rootless")
    ensure_userns()
    child_env = dict(os.environ if env is None else env)
    child_env[ROOTLESS_UID_ENV] = str(rootless_uid())
    child_env[ROOTLESS_GID_ENV] = str(rootless_gid())
    if graph_root:
        child_env["CONTAINERS_GRAPHROOT"] = graph_root
    if run_root:
        child_env["CONTAINERS_RUNROOT"] = run_root
    args = list(argv) or [child_env.get("SHELL") or "/bin/sh"]
    # exec skips interpreter exit: flush what is buffered now
    flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        os.execvpe(args[0], args, child_env)
    except FileNotFoundError as exc:
        raise CommandNotFound(f'exec: "{args[0]}": executable file not found in $PATH') from exc
    except PermissionError as exc:
        raise CannotInvoke(f'exec: "{args[0]}": permission denied') from exc


# --- creating the namespace ----


def _create_pause(uid: int, gid: int) -> int:
    """Start catatonit -P in new user and mount namespaces with our id maps; returns its pid."""
    user = _user_name(uid)
    uid_ranges = subid_ranges(SUBUID_FILE, user, uid)
    gid_ranges = subid_ranges(SUBGID_FILE, user, uid)
    single = not uid_ranges or not gid_ranges
    if single:
        which = SUBUID_FILE if not uid_ranges else SUBGID_FILE
        log.error(
            'cannot find UID/GID for user %s: no subuid ranges found for user "%s" in %s - '
            "check rootless mode in man pages.",
            user,
            user,
            which,
        )
        log.warning(
            "Using rootless single mapping into the namespace. This might break some images. "
            "Check /etc/subuid and /etc/subgid for adding sub*ids if not using a network user"
        )
    else:
        processes.require_binary("newuidmap")
        processes.require_binary("newgidmap")
    catatonit = processes.require_binary("catatonit")
    child = _PauseChild(catatonit, single=single, uid=uid, gid=gid)
    try:
        if not single:
            _map_ids(child.pid, "newuidmap", _planned_maps(uid, uid_ranges))
            _map_ids(child.pid, "newgidmap", _planned_maps(gid, gid_ranges))
        child.go()
    except BaseException:
        child.abort()
        raise
    return child.pid


def _map_ids(pid: int, tool: str, maps: list[IDMap]) -> None:
    argv = [tool, str(pid)]
    for m in maps:
        argv += [str(m.container_id), str(m.host_id), str(m.size)]
    processes.run(argv, timeout=30)


class _PauseChild:
    """The pause process while it is being set up.

    Forked twice so it is nobody's child (a long-lived pypod, such as the API service, would
    otherwise collect a zombie when it dies). Protocol on two pipes: the child unshares and
    reports "U<pid>"; we write the id maps and send "G"; it makes its mounts private and execs
    catatonit. The status pipe is close-on-exec, so EOF means the exec worked and "E<text>"
    carries a failure.
    """

    def __init__(self, catatonit: str, *, single: bool, uid: int, gid: int) -> None:
        status_r, status_w = os.pipe()
        go_r, go_w = os.pipe()
        middle = os.fork()
        if middle == 0:  # pragma: no cover - runs in the forked children
            os.close(status_r)
            os.close(go_w)
            if os.fork() == 0:
                _pause_main(catatonit, status_w, go_r, single=single, uid=uid, gid=gid)
            os._exit(0)
        os.close(status_w)
        os.close(go_r)
        os.waitpid(middle, 0)
        self._status = os.fdopen(status_r, "rb")
        self._go_w = go_w
        reply = self._status.readline().decode(errors="replace").strip()
        if not reply.startswith("U"):
            self._close()
            raise PypodError(f"cannot create the rootless user namespace: {reply[1:] or 'died'}")
        self.pid = int(reply[1:])

    def go(self) -> None:
        os.write(self._go_w, b"G")
        reply = self._status.read().decode(errors="replace").strip()
        self._close()
        if reply:
            raise PypodError(f"cannot create the rootless user namespace: {reply[1:]}")

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        self._close()

    def _close(self) -> None:
        if self._go_w >= 0:
            os.close(self._go_w)
            self._go_w = -1
        self._status.close()


def _pause_main(  # pragma: no cover - runs in the forked child
    catatonit: str, status_w: int, go_r: int, *, single: bool, uid: int, gid: int
) -> NoReturn:
    """The forked pause process up to its exec; never returns and never runs Python's exit."""
    try:
        os.setsid()  # a Ctrl-C in the terminal must not reach it (catatonit -P exits on SIGINT)
        mounts.unshare(mounts.CLONE_NEWUSER | mounts.CLONE_NEWNS)
        if single:
            # Without newuidmap a process may map just its own ids, and only after it gives
            # up setgroups(2).
            for name, text in (
                ("setgroups", "deny"),
                ("uid_map", f"0 {uid} 1"),
                ("gid_map", f"0 {gid} 1"),
            ):
                with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
                    f.write(text + "\n")
        os.write(status_w, f"U{os.getpid()}\n".encode())
        if os.read(go_r, 1) != b"G":
            os._exit(1)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
        # Mounts made in the namespace (overlay, fuse) must not propagate back to the host.
        mounts.make_rslave("/")
        os.chdir("/")
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execv(catatonit, [catatonit, "-P"])
    except BaseException as exc:
        try:
            os.write(status_w, f"E{exc}\n".encode(errors="replace"))
        finally:
            os._exit(1)
