"""run, start and attach: starting containers and connecting this process's stdio to them.

A foreground run (or start -a) connects to conmon's attach socket after the runtime container
exists and before its process starts (start_container's before_start), so no output is lost;
it then pumps stdio until the output ends or the user types the detach keys, and takes the exit
code from conmon's exit file. With a TTY the local terminal is raw for the duration and follows
window size changes; --sig-proxy forwards the signals pypod receives to the container. A
detached user leaves the container running; --rm removes it after it exits (cleanup_one, which
races harmlessly with conmon's own `container cleanup`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any

from pypod.core.model import ContainerConfig, ContainerState, Status
from pypod.domain.containers_create import RunReport, RunRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.domain.containers_start import (
        AttachReport,
        AttachRequest,
        StartReport,
        StartRequest,
    )
    from pypod.local.engine import LocalEngine
    from pypod.runtime.attach import Attach

log = get_logger(__name__)


class _Session:
    """What a foreground attach needs: which streams, detach keys, signal proxying."""

    def __init__(
        self,
        engine: LocalEngine,
        *,
        stdin: bool,
        stdout: bool = True,
        stderr: bool = True,
        detach_keys: str | None = None,
        sig_proxy: bool = True,
    ) -> None:
        self.engine = engine
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        keys = detach_keys
        if keys is None:
            keys = engine.containers_conf.engine.detach_keys
        from pypod.runtime.attach import parse_detach_keys

        self.detach_keys = parse_detach_keys(keys)
        self.sig_proxy = sig_proxy
        self.attachment: Attach | None = None

    def connect(self, config: ContainerConfig, state: ContainerState) -> None:
        if config.log.driver == "passthrough":
            return  # the container writes to our stdio itself
        from pypod.runtime.attach import Attach

        self.attachment = Attach.connect(state.bundle)
        from pypod.local.container_start import emit

        emit(self.engine, config, "attach")

    def pump(self, config: ContainerConfig) -> str:
        """Stream until the output ends ("exited") or the detach keys ("detached")."""
        if self.attachment is None:
            return "exited"
        from pypod.runtime import attach as at

        in_fd = 0 if self.stdin and config.stdin else None
        with contextlib.ExitStack() as stack:
            devnull = None
            if not (self.stdout and self.stderr):
                devnull = stack.enter_context(open(os.devnull, "wb"))
            out: Any = 1 if self.stdout else devnull
            err: Any = 2 if self.stderr else devnull
            if self.sig_proxy:
                stack.enter_context(at.proxy_signals(self._forward(config)))
            if config.tty:
                term_fd = in_fd if in_fd is not None else (1 if os.isatty(1) else None)
                if in_fd is not None:
                    stack.enter_context(at.raw_terminal(in_fd))
                stack.enter_context(at.follow_resize(self.attachment.resize, term_fd))
            sys.stdout.flush()
            try:
                return self.attachment.stream(in_fd, out, err, detach_keys=self.detach_keys)
            finally:
                self.attachment.close()

    def _forward(self, config: ContainerConfig) -> Any:
        runtime = self.engine.runtime

        def forward(signum: int) -> None:
            runtime.kill(config.id, signum)

        return forward


def _wait_exit(engine: LocalEngine, config: ContainerConfig, state: ContainerState) -> int:
    """The exit code conmon recorded; waits for it after the output has ended."""
    from pypod.local.container_start import exit_dir
    from pypod.runtime import exits

    info = exits.wait_exit(
        exit_dir(engine), config.id, persist_dir=state.bundle, alive=state.conmon_pid
    )
    if info is None:
        from pypod.local.container_recover import sync_state

        _, now = sync_state(engine, config.id)
        if now.status in (Status.STOPPED, Status.EXITED):
            return now.exit_code
        raise PypodError(f"container {config.name}: conmon exited without an exit code")
    return 255 if info.code < 0 else info.code


def _finish(engine: LocalEngine, config: ContainerConfig, exit_code: int) -> None:
    """After a foreground container exited: clean up now (and remove with --rm) instead of
    leaving it to conmon's exit command, so `run --rm` returns with nothing left behind."""
    if not config.auto_remove:
        return
    from pypod.local.container_cleanup import cleanup_one

    try:
        cleanup_one(engine, config.id, rm=True)
    except PypodError as exc:
        log.warning("removing container %s: %s", config.name, exc)
    del exit_code


def _foreground(
    engine: LocalEngine, cid: str, session: _Session, *, started: bool = False
) -> tuple[str, int, ContainerConfig]:
    """Start (or, when started, attach to) container cid in the foreground; ("exited", exit
    code) or ("detached", 0)."""
    from pypod.local.container_start import start_container

    if started:
        from pypod.local.container_recover import sync_state

        config, state = sync_state(engine, cid)
        session.connect(config, state)
    else:
        config, state = start_container(engine, cid, before_start=session.connect)
    outcome = session.pump(config)
    if outcome == "detached":
        return outcome, 0, config
    code = _wait_exit(engine, config, state)
    _finish(engine, config, code)
    return outcome, code, config


def _warn(warnings: tuple[str, ...]) -> None:
    from pypod.log import WARNING, line

    for w in warnings:
        sys.stderr.write(line(WARNING, w) + "\n")
    sys.stderr.flush()


def run(engine: LocalEngine, req: RunRequest) -> RunReport:
    from pypod.local.container_create import create
    from pypod.local.container_start import start_container

    c = req.create
    if c.log_driver == "passthrough" and req.detach:
        raise InvalidArgument("passthrough logging driver cannot be used with detached mode")
    report = create(engine, c)
    if req.detach:
        try:
            start_container(engine, report.id)
        except PypodError:
            _remove_failed(engine, report.id, c.rm)
            raise
        return RunReport(id=report.id, warnings=report.warnings)
    _warn(report.warnings)
    streams = set(req.attach) or {"stdout", "stderr", *(("stdin",) if c.interactive else ())}
    session = _Session(
        engine,
        stdin="stdin" in streams,
        stdout="stdout" in streams,
        stderr="stderr" in streams,
        detach_keys=req.detach_keys,
        sig_proxy=req.sig_proxy,
    )
    try:
        outcome, code, _ = _foreground(engine, report.id, session)
    except PypodError:
        _remove_failed(engine, report.id, c.rm)
        raise
    return RunReport(id=report.id, exit_code=code, detached=outcome == "detached")


def _remove_failed(engine: LocalEngine, cid: str, rm: bool) -> None:
    """A container that failed to start: with --rm it goes (Podman does the same)."""
    if not rm:
        return
    from pypod.local.container_cleanup import cleanup_one

    with contextlib.suppress(PypodError):
        cleanup_one(engine, cid, rm=True)


def start(engine: LocalEngine, req: StartRequest) -> list[StartReport]:
    from pypod.domain.containers_start import StartReport
    from pypod.local.container_lookup import first_missing, not_found, targets
    from pypod.local.container_start import start_container

    found = targets(engine, req.names, all=req.all, latest=req.latest)
    attach = req.attach or req.interactive
    if attach and len(found) != 1:
        raise InvalidArgument("you cannot start and attach multiple containers at once")
    missing = first_missing(found)
    if missing is not None:
        return [StartReport(name=missing, error=not_found(missing))]
    reports: list[StartReport] = []
    for name, cid in found:
        if isinstance(cid, Exception):
            reports.append(StartReport(name=name, error=not_found(name)))
            continue
        try:
            if attach:
                reports.append(_start_attached(engine, name, cid, req))
            else:
                start_container(engine, cid)
                reports.append(StartReport(id=cid, name=name))
        except PypodError as exc:
            reports.append(StartReport(id=cid, name=name, error=exc))
    return reports


def _start_attached(engine: LocalEngine, name: str, cid: str, req: StartRequest) -> StartReport:
    from pypod.domain.containers_start import StartReport
    from pypod.local.container_recover import sync_state

    _, state = sync_state(engine, cid)
    sig_proxy = True if req.sig_proxy is None else req.sig_proxy
    session = _Session(
        engine, stdin=req.interactive, detach_keys=req.detach_keys, sig_proxy=sig_proxy
    )
    running = state.status in (Status.RUNNING, Status.PAUSED)
    outcome, code, _ = _foreground(engine, cid, session, started=running)
    if outcome == "detached":
        return StartReport(id=cid, name=name, detached=True)
    return StartReport(id=cid, name=name, exit_code=code)


def attach(engine: LocalEngine, req: AttachRequest) -> AttachReport:
    from pypod.domain.containers_start import AttachReport
    from pypod.local.container_lookup import latest_id, one
    from pypod.local.container_recover import sync_state

    if req.latest and req.name:
        raise InvalidArgument("--latest and containers cannot be used together")
    if not req.latest and not req.name:
        raise InvalidArgument(
            "attach requires the name or id of one running container or the latest flag"
        )
    cid = latest_id(engine) if req.latest else one(engine, req.name)
    _, state = sync_state(engine, cid)
    if state.status not in (Status.RUNNING, Status.PAUSED):
        from pypod.core.model import InvalidState

        raise InvalidState("you can only attach to running containers")
    session = _Session(
        engine, stdin=not req.no_stdin, detach_keys=req.detach_keys, sig_proxy=req.sig_proxy
    )
    outcome, code, _ = _foreground(engine, cid, session, started=True)
    if outcome == "detached":
        return AttachReport(id=cid, detached=True)
    return AttachReport(id=cid, exit_code=code)
