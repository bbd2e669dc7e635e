"""rm and container prune: everything a container owns goes, in an order that survives a crash.

Order: (stop when forced) -> state REMOVING -> runtime container -> RW layer and its mount ->
userdata and run dirs -> anonymous volumes (-v) -> the record. A crash part-way leaves a
REMOVING record that a second `rm -f` finishes.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from pypod import records
from pypod.core.model import InvalidState, Status
from pypod.domain.containers_ops import IdReport, RemoveRequest
from pypod.errors import ContainerNotFound, PypodError
from pypod.local import container_lookup as lk
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.core.model import ContainerConfig
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)


def _running_error(cid: str) -> InvalidState:
    err = InvalidState(
        f"cannot remove container {cid} as it is running - running or paused containers "
        "cannot be removed without force: container state improper"
    )
    err.exit_code = 2
    return err


def _runtime_delete(engine: LocalEngine, cid: str) -> None:
    try:
        engine.runtime.delete(cid, force=True)
    except ContainerNotFound:
        pass  # the runtime already forgot it (cleanup ran, or a reboot)
    except PypodError as exc:
        log.debug("runtime delete %s: %s", cid, exc)


def _remove_files(engine: LocalEngine, cid: str) -> None:
    from pypod.local.container_storage import layers

    lay = layers(engine)
    userdata = lay.userdata_dir(cid)
    run_dir = lay.run_dir(cid)
    try:
        lay.remove(cid)
    except (PypodError, OSError) as exc:
        log.debug("removing the layer of %s: %s", cid, exc)
    import os

    for path in (os.path.dirname(userdata.rstrip("/")), run_dir):
        if os.path.basename(path) == cid:  # never above the container's own directory
            shutil.rmtree(path, ignore_errors=True)


def _anonymous_volumes(engine: LocalEngine, config: ContainerConfig) -> list[str]:
    store = engine.container_store
    names = []
    for m in config.mounts:
        if m.type != "volume":
            continue
        try:
            vol = store.volume(m.source)
        except PypodError:
            continue
        if vol.anonymous:
            names.append(vol.name)
    return names


def _remove_volumes(engine: LocalEngine, names: list[str], cid: str) -> None:
    store = engine.container_store
    for name in names:
        if [u for u in store.volume_users(name) if u != cid]:
            continue  # still used by another container
        try:
            engine.volumes.remove([name], force=False)
        except PypodError as exc:
            log.warning("removing volume %s: %s", name, exc)


def remove_one(engine: LocalEngine, cid: str, req: RemoveRequest) -> list[str]:
    """Remove one container (and, with depend, those that depend on it first). Ids removed."""
    store = engine.container_store
    removed: list[str] = []
    deps = store.dependents(cid)
    if deps:
        if not req.depend:
            names = ", ".join(store.get(d)[0].name for d in deps)
            raise InvalidState(
                f"container {cid} has dependent containers which must be removed before it: "
                f"{names}: container state improper"
            )
        for dep in deps:
            removed += remove_one(engine, dep, req)
    _, state = lk.load(engine, cid)
    if state.status in (Status.RUNNING, Status.PAUSED):
        if not req.force:
            raise _running_error(cid)
        from pypod.local.container_stop import stop_one

        stop_one(engine, cid, req.timeout_s)
    with store.locked(cid):
        config, state = lk.load(engine, cid)
        if state.status in (Status.RUNNING, Status.PAUSED):
            raise _running_error(cid)  # restarted behind our back
        store.set_state(cid, records.replace(state, status=Status.REMOVING))
        _runtime_delete(engine, cid)
        from pypod.local import container_network

        container_network.teardown(engine, config)  # a created, never started container
        _remove_files(engine, cid)
        volumes = _anonymous_volumes(engine, config) if req.volumes else []
        store.remove(cid)
    _remove_volumes(engine, volumes, cid)
    lk.emit(engine, config, "remove")
    return [*removed, cid]


def remove(engine: LocalEngine, req: RemoveRequest) -> list[IdReport]:
    names = list(req.names)
    if req.filters:
        from pypod.local.container_list import build_filter

        match = build_filter(engine, req.filters)
        names += [c.id for c, s in engine.container_store.list() if match((c, s))]
    found = lk.targets(
        engine, names, all=req.all, latest=req.latest, cidfiles=req.cidfiles,
        ignore=req.ignore or req.force,
    )  # fmt: skip
    missing = lk.first_missing(found)
    if missing is not None:
        return [IdReport(name=missing, error=lk.not_found(missing))]
    reports: list[IdReport] = []
    done: set[str] = set()
    for name, cid in found:
        if isinstance(cid, Exception):
            reports.append(IdReport(name=name, error=lk.not_found(name)))
            continue
        if cid in done:
            continue
        try:
            ids = remove_one(engine, cid, req)
        except ContainerNotFound:
            if not (req.ignore or req.force):
                reports.append(IdReport(id=cid, name=name, error=lk.not_found(name)))
            continue
        except PypodError as exc:
            reports.append(IdReport(id=cid, name=name, error=exc))
            continue
        done.update(ids)
        reports += [IdReport(id=i, name=name if i == cid else i) for i in ids]
    return reports


def prune(engine: LocalEngine, filters: list[str]) -> list[IdReport]:
    """Every container that is not running (or paused), matching the filters."""
    from pypod.local.container_list import build_filter

    match = build_filter(engine, tuple(filters)) if filters else (lambda row: True)
    reports = []
    for config, _ in engine.container_store.list():
        try:
            config, state = lk.load(engine, config.id)
        except ContainerNotFound:
            continue
        if state.status in (Status.RUNNING, Status.PAUSED, Status.CREATED):
            continue
        if not match((config, state)):
            continue
        size = 0
        try:
            from pypod.local.container_storage import layers

            size = layers(engine).size(config.id)[0]
        except Exception:
            pass
        try:
            remove_one(engine, config.id, RemoveRequest(names=(config.id,)))
        except PypodError as exc:
            reports.append(IdReport(id=config.id, name=config.name, error=exc))
            continue
        reports.append(IdReport(id=config.id, name=config.name, size=size))
    return reports
