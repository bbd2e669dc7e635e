"""Healthchecks: `healthcheck run` and the timer that runs it every interval.

One check (run_healthcheck): the container's HealthConfig test runs through the exec path
(CMD: argv as given; CMD-SHELL: /bin/sh -c TEXT) with no stdin, its output captured, killed
after the timeout. The result updates ContainerState.health under the container's lock:
a success makes it "healthy" and clears the failing streak; a failure inside the start period
changes nothing; any other failure adds to the streak, and `retries` consecutive ones make it
"unhealthy" (then the --health-on-failure action: kill, restart or stop). The last 5 results
are kept (Podman's log) and each check emits a health_status event.

The timer: Podman uses a systemd timer per container; there is no systemd here, and pypod
keeps no daemon nor a Python process per container. At start, a detached shell loop
`while kill -0 PID && sleep INTERVAL; do pypod ... healthcheck run ID; done` is started in
its own session (its pid in <run dir>/healthcheck.pid): a sleeping /bin/sh (a few hundred KB)
that wakes a pypod process once per interval. It is killed (its whole process group) when the
container is cleaned up, and ends by itself when the container's process is gone, so nothing
outlives the container even when cleanup never runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import TYPE_CHECKING

from pypod import records
from pypod.core.model import HealthState, InvalidState, Status
from pypod.errors import InvalidArgument, PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig, ContainerState, HealthConfig
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)

MAX_LOGS = 5  # Podman's MaxHealthCheckNumberLogs
MAX_OUTPUT = 500  # Podman's MaxHealthCheckLogLength
PIDFILE = "healthcheck.pid"


def command_of(test: tuple[str, ...]) -> tuple[str, ...]:
    """The argv a HealthConfig test runs."""
    if not test or test[0] == "NONE":
        return ()
    if test[0] == "CMD-SHELL":
        return ("/bin/sh", "-c", " ".join(test[1:]))
    if test[0] == "CMD":
        return tuple(test[1:])
    return ("/bin/sh", "-c", " ".join(test))  # a bare string from an old image config


def run_healthcheck(engine: LocalEngine, name: str) -> str:
    """Run the check once: "healthy", "starting" (failed in the start period) or "unhealthy".
    Errors: no such container, no defined healthcheck, not running."""
    from pypod.local import container_lookup as lk
    from pypod.local.container_exec import run_captured

    cid = lk.one(engine, name)
    config, state = lk.load(engine, cid)
    hc = config.health
    argv = command_of(hc.test) if hc is not None else ()
    if hc is None or not argv:
        raise InvalidArgument(f"container {cid} has no defined healthcheck")
    if state.status is not Status.RUNNING:
        raise InvalidState(f"container {cid} is not running")
    started = time.time()
    try:
        code, output, timed_out = run_captured(
            engine, cid, argv, timeout_s=hc.timeout_s, limit=MAX_OUTPUT
        )
    except InvalidState:
        raise
    except PypodError as exc:  # the command could not run at all: a failed check
        code, output, timed_out = 1, exc.message.encode(), False
    if timed_out:
        code, output = -1, f"Healthcheck command timed out after {hc.timeout_s:g}s".encode()
    entry = {
        "Start": _rfc3339(started),
        "End": _rfc3339(time.time()),
        "ExitCode": code,
        "Output": output.decode(errors="replace"),
    }
    status, unhealthy_now = _record(engine, cid, hc, code == 0, entry)
    lk.emit(engine, config, "health_status", health_status=status)
    if unhealthy_now and hc.on_failure != "none":
        _on_failure(engine, config, hc.on_failure)
    if code == 0:
        return "healthy"
    in_start_period = started - state.started_at < hc.start_period_s
    return "starting" if in_start_period and status == "starting" else "unhealthy"


def _rfc3339(t: float) -> str:
    from pypod.core.events import format_time_rfc3339

    return format_time_rfc3339(int(t * 1e9))


def _record(
    engine: LocalEngine, cid: str, hc: HealthConfig, ok: bool, entry: dict[str, object]
) -> tuple[str, bool]:
    """Store the result under the lock: (new status, whether it just became unhealthy)."""
    store = engine.container_store
    with store.locked(cid):
        state = store.get_state(cid)
        h = state.health
        streak = h.failing_streak
        status = h.status or "starting"
        in_start_period = time.time() - state.started_at < hc.start_period_s
        if ok:
            status, streak = "healthy", 0
        elif not in_start_period:
            streak += 1
            if streak >= hc.retries:
                status = "unhealthy"
        became = status == "unhealthy" and h.status != "unhealthy"
        health = HealthState(status=status, failing_streak=streak, log=(*h.log, entry)[-MAX_LOGS:])
        store.set_state(cid, records.replace(state, health=health))
    return status, became


def _on_failure(engine: LocalEngine, config: ContainerConfig, action: str) -> None:
    """--health-on-failure, through the engine API as a user's command would do it."""
    from pypod.domain.containers_ops import KillRequest, StopRequest

    log.info("container %s is unhealthy: %s", config.name, action)
    containers = engine.containers
    if action == "kill":
        reports = containers.kill(KillRequest(names=(config.id,), signal="KILL"))
    elif action == "stop":
        reports = containers.stop(StopRequest(names=(config.id,)))
    else:
        reports = containers.restart(StopRequest(names=(config.id,)))
    for r in reports:
        if r.error is not None:
            log.warning("health on-failure %s of %s: %s", action, config.name, r.error)


# --- the timer --------------------------------------------------------------------------------
def started(engine: LocalEngine, config: ContainerConfig, state: ContainerState) -> ContainerState:
    """After a start: health back to "starting" (stored by the caller) and the timer running."""
    if config.health is None or not command_of(config.health.test):
        return state
    with contextlib.suppress(PypodError, OSError):
        start_timer(engine, config, state.pid)
    return records.replace(state, health=HealthState(status="starting"))


def _pidfile(engine: LocalEngine, cid: str) -> str:
    from pypod.local.container_storage import layers

    return os.path.join(layers(engine).run_dir(cid), PIDFILE)


def start_timer(engine: LocalEngine, config: ContainerConfig, pid: int) -> None:
    """The detached shell loop (see the module docstring); none for interval 0 ("disable")."""
    import shlex

    from pypod.host import processes
    from pypod.local.container_start import pypod_command

    hc = config.health
    if hc is None or hc.interval_s <= 0 or pid <= 0:
        return
    stop_timer(engine, config.id)
    pidfile = _pidfile(engine, config.id)
    check = shlex.join([*pypod_command(engine), "healthcheck", "run", config.id])
    script = (
        f"echo $$ > {shlex.quote(pidfile)}; "
        f"while kill -0 {pid} 2>/dev/null && sleep {hc.interval_s:g}; do {check}; done; "
        f"rm -f {shlex.quote(pidfile)}"
    )
    # setsid -f: the loop gets its own session and process group (no terminal signals, one
    # killpg stops it and its sleep) and is not our child (nothing for us to reap)
    proc = processes.spawn(["setsid", "-f", "/bin/sh", "-c", script], env=dict(os.environ))
    proc.wait()
    log.debug("healthcheck timer for %s every %gs", config.id[:12], hc.interval_s)


def stop_timer(engine: LocalEngine, cid: str) -> None:
    """Kill the container's timer loop if one runs (cleanup, restart, rm)."""
    pidfile = _pidfile(engine, cid)
    try:
        with open(pidfile, encoding="ascii") as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(pidfile)
    if pid <= 0 or not _is_timer(pid, cid):
        return
    with contextlib.suppress(OSError):
        if os.getpgrp() == pid:
            # a check run by this very timer is acting (on-failure restart/stop): end the
            # loop but not ourselves
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(pid, signal.SIGKILL)


def _is_timer(pid: int, cid: str) -> bool:
    """pid is still our loop for cid (not a reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return bool(argv) and argv[0].endswith(b"sh") and any(cid.encode() in a for a in argv)
