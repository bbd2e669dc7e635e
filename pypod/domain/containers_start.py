"""Requests and reports of start, attach and cleanup (run and create: containers_create.py).

Split from containers_create.py so `container cleanup`, which conmon runs after every
container, and `start`/`attach` import only these small types.
"""

from __future__ import annotations

from typing import Any

from pypod.records import field, record


@record
class AttachStreams:
    """Which of the container's streams a foreground run/start/attach connects; the local
    engine uses this process's own fds 0, 1 and 2."""

    stdin: bool = False
    stdout: bool = True
    stderr: bool = True


@record
class StartRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    attach: bool = False  # -a: attach stdout/stderr (one container only)
    interactive: bool = False  # -i: attach stdin
    detach_keys: str | None = None
    sig_proxy: bool | None = None  # None = true when attaching
    filters: tuple[str, ...] = ()


@record
class StartReport:
    id: str = ""
    name: str = ""  # as the user gave it; `start` prints this
    exit_code: int | None = None  # with -a: the container's exit code
    detached: bool = False
    error: Exception | None = None


@record
class AttachRequest:
    name: str = ""
    latest: bool = False  # instead of name: the newest container
    no_stdin: bool = False
    detach_keys: str | None = None
    sig_proxy: bool = True


@record
class AttachReport:
    id: str
    exit_code: int | None = None  # None when detached
    detached: bool = False


@record
class CleanupRequest:
    """`container cleanup`: normally run by conmon's exit command with one id."""

    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    rm: bool = False
    rmi: bool = False
    exec_session: str = ""  # --exec SESSION: clean up one exec session only
    extra: dict[str, Any] = field(default_factory=dict)
