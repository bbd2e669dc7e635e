"""`container cleanup`: what happens after a container's process ends.

conmon runs `pypod <global flags> container cleanup [--rm] ID` when the process exits; a
foreground `run`/`start -a` does the same in-process when it sees the exit first (the
container lock makes the two take turns; the second finds nothing left to do). Steps:
read the exit file, `runtime delete`, release volume and image mounts, unmount the rootfs,
store EXITED with the exit code (event "died"), then the restart policy
(no | on-failure[:N] | always | unless-stopped: start again, counting restart_count) or --rm.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from pypod import records
from pypod.core.model import ContainerConfig, ContainerState, Status
from pypod.errors import ContainerNotFound, PypodError
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.domain.containers_ops import IdReport
    from pypod.domain.containers_start import CleanupRequest
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)


def teardown(engine: LocalEngine, config: ContainerConfig, state: ContainerState) -> ContainerState:
    """Undo init for a container whose process has ended (or never started): the returned
    state is EXITED with the exit code from conmon's exit file. The caller holds the lock and
    stores the state."""
    from pypod.local.container_start import exit_dir, release_mounts
    from pypod.local.container_storage import layers
    from pypod.runtime import exits

    info = exits.read_exit(exit_dir(engine), config.id, state.bundle)
    _end_helpers(engine, config)
    try:
        engine.runtime.delete(config.id, force=True)
    except ContainerNotFound:
        pass  # never created, or deleted already
    except PypodError as exc:
        log.warning("deleting runtime container %s: %s", config.id[:12], exc)
    from pypod.local import container_network

    container_network.teardown(engine, config)
    if state.mountpoint:
        release_mounts(engine, config)
        with contextlib.suppress(PypodError, OSError):
            layers(engine).unmount(config.id)
    exit_code, finished = state.exit_code, state.finished_at
    if info is not None:
        exit_code, finished = info.code, info.finished_at
    return records.replace(
        state,
        status=Status.EXITED,
        pid=0,
        conmon_pid=0,
        exit_code=exit_code,
        oom_killed=bool(info and info.oom_killed) or state.oom_killed,
        finished_at=finished or time.time(),
        mountpoint="",
    )


def _end_helpers(engine: LocalEngine, config: ContainerConfig) -> None:
    """The healthcheck timer and the records of exec -d sessions end with the process."""
    if config.health is not None:
        from pypod.local.container_health import stop_timer

        with contextlib.suppress(PypodError, OSError):
            stop_timer(engine, config.id)
    if engine.container_store.execs_of(config.id):  # rare: spare the import otherwise
        from pypod.local.container_exec import reap_sessions

        with contextlib.suppress(PypodError, OSError):
            reap_sessions(engine, config.id, all=True)


def should_restart(config: ContainerConfig, state: ContainerState) -> bool:
    if state.stopped_by_user:
        return False
    policy = config.restart_policy
    if policy in ("always", "unless-stopped"):
        return True
    if policy == "on-failure" and state.exit_code != 0:
        return config.restart_retries == 0 or state.restart_count < config.restart_retries
    return False


def cleanup_one(engine: LocalEngine, cid: str, *, rm: bool = False) -> int | None:
    """Clean up container cid after its process ended. Returns its exit code (None when the
    container still runs or was already gone)."""
    from pypod.local.container_recover import sync_state
    from pypod.local.container_start import emit, init_container

    store = engine.container_store
    restarted = False
    with store.locked(cid):
        try:
            config, state = sync_state(engine, cid)
        except ContainerNotFound:
            return None
        if state.status in (Status.RUNNING, Status.PAUSED):
            return None  # a restart already happened, or a stray cleanup: nothing to do
        if state.status not in (Status.STOPPED, Status.CREATED, Status.EXITED, Status.CONFIGURED):
            return None
        was_live = state.status is Status.STOPPED
        if state.mountpoint or was_live or state.status is Status.CREATED:
            state = teardown(engine, config, state)
            store.set_state(cid, state)
            if was_live:
                emit(engine, config, "died", exit_code=state.exit_code)
            emit(engine, config, "cleanup")
        exit_code = state.exit_code
        if was_live and not (rm or config.auto_remove) and should_restart(config, state):
            # stored by init (CREATED) or the failure path below, never as "EXITED with the new
            # count": a reader would take that for the final state while the restart goes on
            state = records.replace(state, restart_count=state.restart_count + 1)
            try:
                state = init_container(engine, config, state)
                engine.runtime.start(cid)
            except PypodError as exc:
                log.warning("restarting container %s: %s", config.name, exc)
                with contextlib.suppress(PypodError):
                    state = teardown(engine, config, records.replace(state, error=exc.message))
                    store.set_state(cid, state)
            else:
                state = records.replace(state, status=Status.RUNNING, started_at=time.time())
                if config.health is not None:
                    from pypod.local.container_health import started

                    state = started(engine, config, state)
                store.set_state(cid, state)
                restarted = True
    if restarted:
        emit(engine, config, "restart")
        emit(engine, config, "start")
        return exit_code
    if rm or config.auto_remove:
        remove_exited(engine, cid)
    if config.pod_id:  # --exit-policy stop: the pod stops with its last container
        from pypod.local.pods_join import after_member_exit

        after_member_exit(engine, config)
    return exit_code


def remove_exited(engine: LocalEngine, cid: str) -> None:
    """--rm: the exited container, its files and its anonymous volumes go. Done here rather
    than through `rm` because the container is already torn down (no second runtime delete,
    no request objects to import on the `run --rm` path)."""
    from pypod.local.container_recover import sync_state
    from pypod.local.container_start import emit, volumes_of
    from pypod.local.container_storage import layers

    store = engine.container_store
    with store.locked(cid):
        try:
            config, state = sync_state(engine, cid)
        except ContainerNotFound:
            return  # the other cleanup (conmon's or the foreground's) removed it first
        if state.status in (Status.RUNNING, Status.PAUSED):
            return  # restarted meanwhile: not ours to remove
        if state.mountpoint or state.status in (Status.STOPPED, Status.CREATED):
            state = teardown(engine, config, state)
        store.set_state(cid, records.replace(state, status=Status.REMOVING))
        try:
            layers(engine).remove(cid)
        except (PypodError, OSError) as exc:
            log.warning("removing the files of %s: %s", config.name, exc)
        anonymous = []
        for m in config.mounts:
            if m.type == "volume":
                with contextlib.suppress(PypodError):
                    if store.volume(m.source).anonymous:
                        anonymous.append(m.source)
        store.remove(cid)
    for name in anonymous:
        if not store.volume_users(name):
            with contextlib.suppress(PypodError):
                volumes_of(engine).remove(name)
    emit(engine, config, "remove")


def cleanup(engine: LocalEngine, req: CleanupRequest) -> list[IdReport]:
    from pypod.domain.containers_ops import IdReport
    from pypod.local.container_lookup import for_each, targets

    if req.exec_session:
        return []  # exec sessions keep no mounts; their records go with exec's own cleanup

    def one(name: str, cid: str) -> IdReport:
        cleanup_one(engine, cid, rm=req.rm)
        return IdReport(id=cid, name=name)

    found = targets(engine, req.names, all=req.all, latest=req.latest, ignore=True)
    return for_each(engine, found, one)
