"""The state a container really is in, whatever its record says: sync_state().

No daemon watches containers, so the stored state can be stale: the process ended and
`container cleanup` has not run yet (or never will: conmon was killed), or the host rebooted
and nothing that was running is. Every reader goes through sync_state(), which derives the
current view from facts on disk: conmon's exit file, whether conmon and the container's pid
are alive (a zombie counts as dead: PID 1 here reaps late), and the boot id.

The view is returned, not written: readers do not hold the container's lock, and the flock of
another holder (even in this process) would deadlock. Whoever holds the lock and acts on the
container (start, cleanup, stop, rm) stores what it did. A reboot is the exception: the store
resets every stale state once per boot (ContainerStore.reset_after_reboot) in one transaction.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pypod import records
from pypod.core.model import ContainerConfig, ContainerState, Status
from pypod.runtime import exits

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

UNKNOWN_EXIT = -1  # Podman's exit code when conmon died without writing one

_LIVE = (Status.RUNNING, Status.PAUSED, Status.CREATED)


def sync_state(engine: LocalEngine, cid: str) -> tuple[ContainerConfig, ContainerState]:
    """Config and the current state of container cid (full id). ContainerNotFound."""
    store = engine.container_store
    reset_if_rebooted(engine)
    config, state = store.get(cid)
    return config, current(engine, cid, state)


def current(engine: LocalEngine, cid: str, state: ContainerState) -> ContainerState:
    """The state as the facts on disk say it is now (see the module docstring)."""
    if state.status not in _LIVE:
        return state
    from pypod.local.container_start import exit_dir

    info = exits.read_exit(exit_dir(engine), cid, state.bundle)
    if info is not None:
        return records.replace(
            state, status=Status.STOPPED, exit_code=info.code, oom_killed=info.oom_killed,
            finished_at=info.finished_at, pid=0,
        )  # fmt: skip
    conmon_alive = state.conmon_pid > 0 and exits.pid_alive(state.conmon_pid)
    if conmon_alive:
        return state
    if state.pid > 0 and exits.pid_alive(state.pid):
        return state  # the container outlived its conmon: still running, unmonitored
    info = exits.read_exit(exit_dir(engine), cid, state.bundle)  # conmon wrote it, then died
    return records.replace(
        state,
        status=Status.STOPPED,
        exit_code=info.code if info else UNKNOWN_EXIT,
        finished_at=info.finished_at if info else _now_or(state.finished_at),
        pid=0,
    )


def _now_or(previous: float) -> float:
    import time

    return previous or time.time()


def reset_if_rebooted(engine: LocalEngine) -> None:
    """Once per engine: reset stale run state when the host booted since it was written."""
    if engine.__dict__.get("_reboot_checked"):
        return
    engine.__dict__["_reboot_checked"] = True
    store = engine.container_store
    if store.rebooted():
        store.reset_after_reboot()


def is_running(engine: LocalEngine, cid: str) -> bool:
    _, state = sync_state(engine, cid)
    return state.status in (Status.RUNNING, Status.PAUSED)


def conmon_pidfile(userdata: str) -> str:
    return os.path.join(userdata, "conmon.pid")
