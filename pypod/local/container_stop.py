"""stop, kill, restart, pause, unpause.

The container lock is held only to check the state and signal: conmon's exit command
(`container cleanup`) needs the same lock to record the exit, so waiting for the process to die
happens outside it. A zombie counts as dead (PID 1 on this host reaps late).
"""

from __future__ import annotations

import contextlib
import signal as _signal
import time
from typing import TYPE_CHECKING

from pypod import records
from pypod.core.model import InvalidState, Status, check_transition, state_word
from pypod.domain.containers_ops import IdReport, KillRequest, StopRequest
from pypod.errors import InvalidArgument, PypodError
from pypod.local import container_lookup as lk
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)
_LIVE = (Status.RUNNING, Status.PAUSED, Status.CREATED)
_CLEANUP_WAIT_S = 10.0


def parse_signal(text: str) -> int:
    """ "KILL", "SIGKILL", "kill", "9" -> 9 (Podman's spellings)."""
    t = text.strip().upper()
    if t.isdigit():
        num = int(t)
        if 0 < num < 65:
            return num
    else:
        name = t if t.startswith("SIG") else "SIG" + t
        if name.startswith("SIGRTMIN+") or name.startswith("SIGRTMAX-"):
            base = _signal.SIGRTMIN if "MIN" in name else _signal.SIGRTMAX
            off = int(name[9:])
            return int(base + off if "MIN" in name else base - off)
        try:
            return int(_signal.Signals[name])
        except KeyError:
            pass
    raise InvalidArgument(f"invalid signal: {text}")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return False
    # the state letter follows the parenthesised command name, which may itself hold spaces
    return stat[stat.rfind(")") + 2 : stat.rfind(")") + 3] not in ("Z", "X")


def wait_pid_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    return True


def wait_stopped(engine: LocalEngine, cid: str, timeout_s: float = _CLEANUP_WAIT_S) -> None:
    """Until the exit is recorded (conmon's cleanup, or recovery noticing the exit file)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            _, state = lk.load(engine, cid)
        except PypodError:
            return  # removed (--rm)
        if state.status not in (Status.RUNNING, Status.PAUSED):
            return
        time.sleep(0.02)
    log.debug("container %s: exit not recorded after %.0fs", cid, timeout_s)


def _signal_container(engine: LocalEngine, cid: str, signo: int, all_procs: bool = False) -> None:
    from pypod.runtime.errors import NotRunning, RuntimeGone

    # it may have exited between our check and the signal
    with contextlib.suppress(RuntimeGone, NotRunning):
        engine.runtime.kill(cid, signo, all_processes=all_procs)


def stop_one(engine: LocalEngine, cid: str, timeout_s: int | None) -> int:
    """Stop signal, wait, SIGKILL; returns once the exit is recorded. The container's pid."""
    store = engine.container_store
    with store.locked(cid):
        config, state = lk.load(engine, cid)
        if state.status is Status.STOPPED and not state.stopped_by_user:
            # exited, its cleanup (which may restart it by policy) not yet done: the user's
            # stop must win over the restart policy
            store.set_state(cid, records.replace(state, stopped_by_user=True))
        if state.status not in _LIVE:
            return 0
        if state.status is Status.PAUSED:
            engine.runtime.resume(cid)  # a frozen process cannot handle its stop signal
        store.set_state(cid, records.replace(state, stopped_by_user=True))
        _signal_container(engine, cid, config.stop_signal or 15)
    timeout = config.stop_timeout_s if timeout_s is None else timeout_s
    pid = state.pid
    if not wait_pid_exit(pid, float(max(timeout, 0))):
        if timeout > 0:
            log.warning(
                "StopSignal %s failed to stop container %s in %d seconds, resorting to SIGKILL",
                _signal_name(config.stop_signal), config.name, timeout,
            )  # fmt: skip
        _signal_container(engine, cid, 9, all_procs=True)
        wait_pid_exit(pid, 5.0)
    wait_stopped(engine, cid)
    # as Podman's stop: clean up now rather than leave the mount to conmon's exit command
    from pypod.local.container_cleanup import cleanup_one

    cleanup_one(engine, cid)
    lk.emit(engine, config, "stop")
    return pid


def _signal_name(signo: int) -> str:
    try:
        return _signal.Signals(signo).name
    except ValueError:
        return str(signo)


def stop(engine: LocalEngine, req: StopRequest) -> list[IdReport]:
    found = lk.targets(
        engine, req.names, all=req.all, latest=req.latest, cidfiles=req.cidfiles,
        ignore=req.ignore,
    )  # fmt: skip

    def act(name: str, cid: str) -> IdReport:
        stop_one(engine, cid, req.timeout_s)
        return IdReport(id=cid, name=name)

    return lk.for_each(engine, found, act)


def kill(engine: LocalEngine, req: KillRequest) -> list[IdReport]:
    signo = parse_signal(req.signal)
    found = lk.targets(engine, req.names, all=req.all, latest=req.latest, cidfiles=req.cidfiles)
    store = engine.container_store

    def act(name: str, cid: str) -> IdReport | None:
        with store.locked(cid):
            config, state = lk.load(engine, cid)
            if req.all and state.status not in (Status.RUNNING, Status.PAUSED):
                return None  # kill -a skips what is not running, as Podman
            if state.status not in (Status.RUNNING, Status.PAUSED):
                raise InvalidState(
                    f"can only kill running containers. {cid} is in state "
                    f"{state.status.value}: container state improper"
                )
            if signo in (9, 15, 2):
                store.set_state(cid, records.replace(state, stopped_by_user=True))
            _signal_container(engine, cid, signo)
        lk.emit(engine, config, "kill")
        return IdReport(id=cid, name=name)

    return lk.for_each(engine, found, act)


def restart(engine: LocalEngine, req: StopRequest) -> list[IdReport]:
    found = lk.targets(engine, req.names, all=req.all, latest=req.latest, cidfiles=req.cidfiles)

    def act(name: str, cid: str) -> IdReport:
        stop_one(engine, cid, req.timeout_s)
        start_again(engine, cid)
        config, _ = lk.load(engine, cid)
        lk.emit(engine, config, "restart")
        return IdReport(id=cid, name=name)

    return lk.for_each(engine, found, act)


def start_again(engine: LocalEngine, cid: str) -> None:
    """Start a stopped container through the lifecycle module (engine-run's)."""
    from pypod.local.container_start import start_container

    start_container(engine, cid)


def _freeze(
    engine: LocalEngine,
    names: list[str],
    all: bool,
    pause: bool,
    latest: bool = False,
    cidfiles: tuple[str, ...] = (),
) -> list[IdReport]:
    verb = "pause" if pause else "unpause"
    if engine.rootless:
        from pypod.host.cgroups import detect

        if detect().version != "v2":
            raise PypodError(
                f"can not {verb} containers on rootless containers with cgroup V1: "
                "this container does not have a cgroup"
            )
    found = lk.targets(engine, names, all=all, latest=latest, cidfiles=cidfiles)
    store = engine.container_store

    def act(name: str, cid: str) -> IdReport | None:
        with store.locked(cid):
            config, state = lk.load(engine, cid)
            if all and state.status is not (Status.RUNNING if pause else Status.PAUSED):
                return None
            if pause and state.status is Status.PAUSED:
                raise InvalidState(f'"{cid}" is already paused: container state improper')
            if pause and state.status is not Status.RUNNING:  # Podman quotes the state here
                word = state_word(state.status)
                raise InvalidState(
                    f'"{word}" is not running, can\'t pause: container state improper'
                )
            if not pause and state.status is not Status.PAUSED:
                raise InvalidState(
                    f'"{cid}" is not paused, can\'t unpause: container state improper'
                )
            check_transition(verb, config.name, state.status)
            if pause:
                engine.runtime.pause(cid)
                new = Status.PAUSED
            else:
                engine.runtime.resume(cid)
                new = Status.RUNNING
            store.set_state(cid, records.replace(state, status=new))
        lk.emit(engine, config, verb)
        return IdReport(id=cid, name=name)

    return lk.for_each(engine, found, act)


def pause(
    engine: LocalEngine,
    names: list[str],
    all: bool = False,
    latest: bool = False,
    cidfiles: tuple[str, ...] = (),
) -> list[IdReport]:
    return _freeze(engine, names, all, pause=True, latest=latest, cidfiles=cidfiles)


def unpause(
    engine: LocalEngine,
    names: list[str],
    all: bool = False,
    latest: bool = False,
    cidfiles: tuple[str, ...] = (),
) -> list[IdReport]:
    return _freeze(engine, names, all, pause=False, latest=latest, cidfiles=cidfiles)
