"""exec: run a process in a running container through `conmon --exec`.

A session gets its own directory <userdata>/exec/<session id> holding the process JSON, the
attach socket, conmon's oci-log and an exit dir (conmon names the exit file after the
container, so each session needs its own dir). The session is recorded in the container
store while it runs (inspect's ExecIDs) and forgotten when it ends. Exit codes: the
command's own; 126 when it cannot be invoked and 127 when it is not found (from the runtime's
error, translated in runtime/errors.py), as Podman.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sys
from typing import TYPE_CHECKING, Any

from pypod.core.model import InvalidState, Status
from pypod.domain.containers_ops import ExecReport, ExecRequest
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig, ContainerState
    from pypod.local.engine import LocalEngine
    from pypod.runtime.types import ExecOptions


def _env(req: ExecRequest) -> dict[str, str]:
    from pypod.core.env import parse_entry, parse_env_file

    host = dict(os.environ)
    pairs: list[tuple[str, str]] = []
    for path in req.env_files:
        pairs += parse_env_file(path, host)
    for entry in req.env:
        pairs += parse_entry(entry, host)
    return dict(pairs)


def _process(config: ContainerConfig, state: ContainerState, req: ExecRequest) -> dict[str, Any]:
    from pypod.core.specgen import exec_process

    with open(os.path.join(state.bundle, "config.json"), encoding="utf-8") as f:
        base = json.load(f)
    env = _env(req)
    if req.tty and "TERM" not in env:
        env["TERM"] = "xterm"
    return exec_process(
        config, base, rootfs=state.mountpoint or base["root"]["path"], args=req.command,
        env=env, user=req.user, workdir=req.workdir, tty=req.tty, privileged=req.privileged,
    )  # fmt: skip


def _options(config: ContainerConfig, session_dir: str, session_id: str, req: ExecRequest) -> Any:
    from pypod.runtime.types import ExecOptions

    return ExecOptions(
        container_id=config.id, session_id=session_id,
        process_spec_path=os.path.join(session_dir, "exec.json"),
        userdata=session_dir, run_dir=session_dir, exit_dir=os.path.join(session_dir, "exit"),
        tty=req.tty, stdin=req.interactive, detach=req.detach, preserve_fds=req.preserve_fds,
    )  # fmt: skip


def exec_(engine: LocalEngine, req: ExecRequest) -> ExecReport:
    cid = lk.one(engine, req.name, req.latest)
    config, state = lk.load(engine, cid)
    if state.status is not Status.RUNNING:
        raise InvalidState(
            "can only create exec sessions on running containers: container state improper"
        )
    reap_sessions(engine, cid)
    session_id = secrets.token_hex(32)
    session_dir = _session_dir(engine, cid, session_id)
    store = engine.container_store
    try:
        spec = _process(config, state, req)
        opts = _options(config, session_dir, session_id, req)
        with open(opts.process_spec_path, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        store.add_exec(cid, session_id, {"command": list(req.command), "detach": req.detach})
        lk.emit(engine, config, "exec")
        if req.detach:
            created = engine.runtime.exec(opts)
            store.update_exec(session_id, {"pid": created.pid, "detach": True})
            return ExecReport(session_id=session_id)
        code = _attached(engine, opts, req)
    except BaseException:
        _forget(engine, session_id, session_dir)
        raise
    _forget(engine, session_id, session_dir)
    lk.emit(engine, config, "exec_died", exit_code=code)
    return ExecReport(session_id=session_id, exit_code=code)


def _attached(engine: LocalEngine, opts: ExecOptions, req: ExecRequest) -> int:
    from pypod.runtime import attach

    session = engine.runtime.exec_attach(opts)  # type: ignore[attr-defined]
    stdin = sys.stdin if req.interactive else None
    in_fd = sys.stdin.fileno() if req.interactive else None
    keys = attach.DEFAULT_DETACH_KEYS if req.detach_keys is None else req.detach_keys
    try:
        with (
            attach.raw_terminal(in_fd if req.tty else None),
            attach.follow_resize(session.attachment.resize, in_fd if req.tty else None),
        ):
            how = session.attachment.stream(
                stdin, sys.stdout.buffer, sys.stderr.buffer, detach_keys=keys
            )
        if how == "detached":
            return 0
        return session.wait()
    finally:
        session.close()


def _forget(engine: LocalEngine, session_id: str, session_dir: str) -> None:
    from pypod.errors import PypodError

    with contextlib.suppress(PypodError):
        engine.container_store.remove_exec(session_id)
    shutil.rmtree(session_dir, ignore_errors=True)


class _Capture:
    """Collects a session's output, keeping the first `limit` bytes (healthcheck logs)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        return len(chunk)

    def flush(self) -> None:
        pass


def run_captured(
    engine: LocalEngine, cid: str, command: tuple[str, ...], *, timeout_s: float, limit: int
) -> tuple[int, bytes, bool]:
    """Run command in running container cid with no stdin, its stdout and stderr collected
    (at most `limit` bytes). Past timeout_s (> 0) the process is killed. Returns (exit code,
    output, timed out). For healthchecks: no exec events; the session is forgotten after."""
    import signal
    import threading

    config, state = lk.load(engine, cid)
    if state.status is not Status.RUNNING:
        raise InvalidState(f"container {config.name} is not running: container state improper")
    req = ExecRequest(name=cid, command=command)
    session_id = secrets.token_hex(32)
    session_dir = _session_dir(engine, cid, session_id)
    timed_out = threading.Event()
    try:
        spec = _process(config, state, req)
        opts = _options(config, session_dir, session_id, req)
        with open(opts.process_spec_path, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        engine.container_store.add_exec(cid, session_id, {"command": list(command)})
        session = engine.runtime.exec_attach(opts)  # type: ignore[attr-defined]

        def expire() -> None:
            timed_out.set()
            with contextlib.suppress(OSError):
                os.kill(session.pid, signal.SIGKILL)

        timer = threading.Timer(timeout_s, expire) if timeout_s > 0 else None
        out = _Capture(limit)
        try:
            if timer is not None:
                timer.start()
            session.attachment.stream(None, out, out)
            code = session.wait()
        finally:
            if timer is not None:
                timer.cancel()
            session.close()
    finally:
        _forget(engine, session_id, session_dir)
    return code, bytes(out.data), timed_out.is_set()


def _session_dir(engine: LocalEngine, cid: str, session_id: str) -> str:
    from pypod.local.container_storage import layers

    path = os.path.join(layers(engine).userdata_dir(cid), "exec", session_id[:12])
    os.makedirs(os.path.join(path, "exit"), mode=0o700, exist_ok=True)
    return path


def reap_sessions(engine: LocalEngine, cid: str, *, all: bool = False) -> list[str]:
    """Forget the detached (exec -d) sessions of cid whose process has ended (all of them
    with all=True: the container stopped), their records and files. Returns the session ids.
    Called by readers of the container (inspect, ps) and by cleanup."""
    from pypod.runtime import exits

    store = engine.container_store
    gone = []
    for session_id, info in store.execs_of(cid).items():
        if not info.get("detach"):
            continue  # an attached session belongs to the pypod process running it
        session_dir = _session_dir_of(engine, cid, session_id)
        ended = exits.read_exit(os.path.join(session_dir, "exit"), cid, session_dir)
        if all or ended is not None or not _alive(int(str(info.get("pid") or 0))):
            _forget(engine, session_id, session_dir)
            gone.append(session_id)
    return gone


def _session_dir_of(engine: LocalEngine, cid: str, session_id: str) -> str:
    from pypod.local.container_storage import layers

    return os.path.join(layers(engine).userdata_dir(cid), "exec", session_id[:12])


def _alive(pid: int) -> bool:
    """A live, non-zombie process (pid 0: never recorded)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
