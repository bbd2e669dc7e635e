"""mount / unmount: a container's root filesystem on the host, reference-counted.

Rootless, the mount lives in pypod's user+mount namespace, so (as Podman, and as image mount
here) the commands must run inside `pypod unshare`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pypod import records
from pypod.domain.containers_ops import IdReport, MountReport
from pypod.errors import InvalidArgument, PypodError
from pypod.local import container_lookup as lk

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine


def _require_namespace(verb: str) -> None:
    if os.geteuid() != 0:
        raise InvalidArgument(
            f'cannot run command "pypod {verb}" in rootless mode, must execute '
            "`pypod unshare` first"
        )


def _in_unshare(engine: LocalEngine) -> bool:
    # inside `pypod unshare` we are uid 0 of the namespace while the engine is rootless
    return os.geteuid() == 0


def mount(engine: LocalEngine, names: list[str]) -> list[MountReport]:
    from pypod.local.container_storage import layers

    if not _in_unshare(engine):
        _require_namespace("mount")
    store = engine.container_store
    reports = []
    if not names:  # list what is mounted
        lay = layers(engine)
        for config, _ in store.list():
            path = lay.mounted(config.id)
            if path:
                reports.append(MountReport(id=config.id, name=config.name, path=path))
        return reports
    for name in names:
        try:
            cid = lk.one(engine, name)
            with store.locked(cid):
                config, state = lk.load(engine, cid)
                path = layers(engine).mount(cid)
                store.set_state(cid, records.replace(state, mount_count=state.mount_count + 1))
            lk.emit(engine, config, "mount")
        except PypodError as exc:
            reports.append(MountReport(name=name, error=exc))
            continue
        reports.append(MountReport(id=cid, name=name, path=path))
    return reports


def unmount(engine: LocalEngine, names: list[str], all: bool, force: bool) -> list[IdReport]:
    from pypod.local.container_storage import layers

    if not _in_unshare(engine):
        _require_namespace("unmount")
    store = engine.container_store
    if all:
        names = [c.id for c, s in store.list() if s.mount_count > 0 or layers(engine).mounted(c.id)]
    elif not names:
        raise InvalidArgument("container name or ID must be specified")
    found = lk.targets(engine, names)

    def act(name: str, cid: str) -> IdReport:
        with store.locked(cid):
            config, state = lk.load(engine, cid)
            if state.mount_count <= 0 and not force:
                return IdReport(id=cid, name=name)
            count = 0 if force else state.mount_count - 1
            if count == 0 and state.status.value not in ("running", "paused", "created"):
                layers(engine).unmount(cid, force=force)
            store.set_state(cid, records.replace(state, mount_count=count))
        lk.emit(engine, config, "unmount")
        return IdReport(id=cid, name=name)

    return lk.for_each(engine, found, act)
