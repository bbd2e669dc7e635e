"""The runtime seam: what the engine asks of an OCI runtime driven through conmon.

Kept dumb on purpose: no state management here (that is pypod.core), only "do this to the
runtime container and tell me what happened". Runtime stderr becomes typed errors in one
function (errors.py). Implemented by conmon.ConmonRuntime for runc and crun.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pypod.records import field, record


@record
class CreateOptions:
    """Everything conmon needs to create (not start) a container from a bundle."""

    container_id: str
    name: str
    bundle: str  # dir holding config.json (the rootfs path is inside config.json)
    userdata: str  # persistent per-container dir: pidfile, exit file, ctr.log default
    run_dir: str  # per-container runtime dir: attach socket dir, ctl/winsz fifos
    exit_dir: str  # conmon writes <exit_dir>/<id> with the exit code
    log_driver: str = "k8s-file"  # k8s-file | json-file | none | passthrough
    log_path: str = ""
    log_max_size: int = -1
    log_tag: str = ""
    tty: bool = False
    stdin: bool = False  # keep the container's stdin open (-i)
    exit_command: tuple[str, ...] = ()  # `pypod ... container cleanup ID` run by conmon at exit
    conmon_pidfile: str = ""
    timeout_s: int = 0
    passthrough_fds: bool = False  # log-driver passthrough: the container inherits our stdio
    no_pivot: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)


@record
class Created:
    pid: int  # the container's init pid
    conmon_pid: int


@record
class RuntimeState:
    """From `runc state` (JSON): status is created | running | paused | stopped."""

    status: str
    pid: int


@record
class ExecOptions:
    container_id: str
    session_id: str
    process_spec_path: str  # an OCI process JSON written by core.specgen.exec_process()
    userdata: str
    run_dir: str
    exit_dir: str
    tty: bool = False
    stdin: bool = False
    detach: bool = False
    preserve_fds: int = 0
    log_path: str = ""


class Runtime(Protocol):
    name: str
    path: str

    def version(self) -> str: ...

    def create(self, opts: CreateOptions) -> Created:
        """Start conmon, which runs `<runtime> create`; returns once the container exists (its
        init waits for start). Raises RuntimeFailed with the runtime's own message."""
        ...

    def start(self, container_id: str) -> None: ...

    def state(self, container_id: str) -> RuntimeState | None:
        """None when the runtime no longer knows the container."""
        ...

    def kill(self, container_id: str, signal: int, all_processes: bool = False) -> None: ...

    def delete(self, container_id: str, force: bool = False) -> None: ...

    def pause(self, container_id: str) -> None: ...

    def resume(self, container_id: str) -> None: ...

    def update(self, container_id: str, resources: dict[str, object]) -> None:
        """OCI LinuxResources JSON for `runc update --resources -`."""
        ...

    def exec(self, opts: ExecOptions) -> Created:
        """Start an exec session through conmon (`conmon --exec`); returns the exec pid."""
        ...

    def ps(self, container_id: str) -> list[int]: ...

    def exec_attach(self, opts: ExecOptions) -> Any:
        """Start an exec session with its stdio on an attach socket (conmon --exec-attach);
        returns conmon.ExecSession (.pid, .attachment, .wait() -> exit code, .close())."""
        ...


class Attachment(Protocol):
    """A connection to conmon's attach socket (see attach.py)."""

    def stream(
        self, stdin: object | None, stdout: object, stderr: object, *, detach_keys: Sequence[int]
    ) -> str:
        """Pump until the container closes its output or the user detaches; returns
        "exited" | "detached"."""
        ...

    def resize(self, rows: int, cols: int) -> None: ...

    def close(self) -> None: ...
