"""The one place pypod starts processes.

argv lists only, an explicit environment, timeouts, and typed errors that carry the tail of
stderr. Helper binaries are resolved once; a missing one names its Debian package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from functools import cache

from pypod.errors import CommandFailed, MissingComponent
from pypod.log import get_logger

log = get_logger(__name__)

# binary -> Debian package that provides it
PACKAGES: dict[str, str] = {
    "runc": "runc",
    "crun": "crun",
    "conmon": "conmon",
    "fuse-overlayfs": "fuse-overlayfs",
    "fusermount3": "fuse3",
    "newuidmap": "uidmap",
    "newgidmap": "uidmap",
    "catatonit": "catatonit",
    "netavark": "netavark",
    "aardvark-dns": "aardvark-dns",
    "pasta": "passt",
    "slirp4netns": "slirp4netns",
    "docker-registry": "docker-registry",
    "busybox": "busybox-static",
}

_SEARCH_PATH = os.pathsep.join(
    [
        os.environ.get("PATH", ""),
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/libexec/podman",
        "/usr/lib/podman",
    ]
)


@cache
def find_binary(name: str) -> str | None:
    return shutil.which(name, path=_SEARCH_PATH)


def require_binary(name: str) -> str:
    path = find_binary(name)
    if path is None:
        raise MissingComponent(name, PACKAGES.get(name, name))
    return path


def _redact(argv: Sequence[str], secrets: Sequence[str]) -> list[str]:
    out = []
    for arg in argv:
        for s in secrets:
            if s:
                arg = arg.replace(s, "***")
        out.append(arg)
    return out


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float | None = 60,
    check: bool = True,
    secrets: Sequence[str] = (),
    cwd: str | None = None,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run to completion, capturing output. Raises CommandFailed on a non-zero status.
    preexec_fn runs in the child before exec (entering namespaces: network/rootless_netns.py)."""
    argv = list(argv)
    if "/" not in argv[0]:
        argv[0] = require_binary(argv[0])
    log.debug("run %s", _redact(argv, secrets))
    try:
        proc = subprocess.run(
            argv,
            env=dict(env) if env is not None else None,
            input=input,
            capture_output=True,
            timeout=timeout,
            cwd=cwd,
            check=False,
            preexec_fn=preexec_fn,
        )
    except FileNotFoundError as exc:
        name = os.path.basename(argv[0])
        raise MissingComponent(name, PACKAGES.get(name, name)) from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandFailed(_redact(argv, secrets), -1, f"timed out after {timeout}s") from exc
    if check and proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace")[-2000:]
        raise CommandFailed(_redact(argv, secrets), proc.returncode, tail)
    return proc


def output(argv: Sequence[str], **kwargs: object) -> str:
    return run(argv, **kwargs).stdout.decode(errors="replace")  # type: ignore[arg-type]


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    pass_fds: Sequence[int] = (),
    inherit_stdio: bool = False,
    capture_stderr: bool = False,
    log_path: str | None = None,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start a process without waiting (conmon, which daemonizes itself). Its stdio is
    /dev/null unless inherit_stdio (then ours); capture_stderr gives a pipe for early errors;
    log_path appends stdout and stderr to a file instead (a long-lived helper such as
    slirp4netns outlives any pipe we could read). new_session keeps a terminal's Ctrl-C away."""
    argv = list(argv)
    if "/" not in argv[0]:
        argv[0] = require_binary(argv[0])
    log.debug("spawn %s", argv)
    quiet: int | None = None if inherit_stdio else subprocess.DEVNULL
    err: int | None = subprocess.PIPE if capture_stderr and not inherit_stdio else quiet
    out = quiet
    log_fd = -1
    if log_path is not None:
        log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        out = err = log_fd
    try:
        return subprocess.Popen(
            argv,
            env=dict(env),
            pass_fds=tuple(pass_fds),
            stdin=quiet,
            stdout=out,
            stderr=err,
            close_fds=True,
            start_new_session=new_session,
        )
    except FileNotFoundError as exc:
        name = os.path.basename(argv[0])
        raise MissingComponent(name, PACKAGES.get(name, name)) from exc
    finally:
        if log_fd >= 0:
            os.close(log_fd)
