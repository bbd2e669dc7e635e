"""Every engine verb on existing containers: one function per ContainerEngine method.

LocalContainerEngine delegates here; each function imports its topic module when called, so
`pypod ps` loads the listing code and nothing of exec, cp or commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pypod.errors import ContainerNotFound, InvalidArgument, PypodError

if TYPE_CHECKING:
    from pypod.domain import containers_ops as co
    from pypod.local.engine import LocalEngine


def list(engine: LocalEngine, req: co.ListRequest) -> list[co.ContainerSummary]:
    from pypod.local.container_list import list_containers

    return list_containers(engine, req)


def inspect(
    engine: LocalEngine, names: list[str], size: bool = False, latest: bool = False
) -> list[dict[str, Any]]:
    """One document per name (or the newest container's with latest); a missing container
    raises ContainerNotFound naming it."""
    from pypod.local.container_inspect import inspect_one
    from pypod.local.container_lookup import latest_id, one

    if latest:
        if names:
            raise InvalidArgument("--latest and containers cannot be used together")
        return [inspect_one(engine, latest_id(engine, "inspect"), size)]
    return [inspect_one(engine, one(engine, n), size) for n in names]


def exists(engine: LocalEngine, name: str) -> bool:
    try:
        engine.container_store.lookup(name)
    except ContainerNotFound:
        return False
    return True


def stop(engine: LocalEngine, req: co.StopRequest) -> list[co.IdReport]:
    from pypod.local.container_stop import stop as _stop

    return _stop(engine, req)


def kill(engine: LocalEngine, req: co.KillRequest) -> list[co.IdReport]:
    from pypod.local.container_stop import kill as _kill

    return _kill(engine, req)


def restart(engine: LocalEngine, req: co.StopRequest) -> list[co.IdReport]:
    from pypod.local.container_stop import restart as _restart

    return _restart(engine, req)


def remove(engine: LocalEngine, req: co.RemoveRequest) -> list[co.IdReport]:
    from pypod.local.container_remove import remove as _remove

    return _remove(engine, req)


def wait(engine: LocalEngine, req: co.WaitRequest) -> list[co.WaitReport]:
    from pypod.local.container_wait import wait as _wait

    return _wait(engine, req)


def logs(engine: LocalEngine, req: co.LogsRequest) -> Iterator[co.LogLine]:
    from pypod.local.container_logs import logs as _logs

    return _logs(engine, req)


def exec(engine: LocalEngine, req: co.ExecRequest) -> co.ExecReport:
    from pypod.local.container_exec import exec_ as _exec

    return _exec(engine, req)


def pause(
    engine: LocalEngine,
    names: list[str],
    all: bool = False,
    latest: bool = False,
    cidfiles: tuple[str, ...] = (),
) -> list[co.IdReport]:
    from pypod.local.container_stop import pause as _pause

    return _pause(engine, names, all, latest, cidfiles)


def unpause(
    engine: LocalEngine,
    names: list[str],
    all: bool = False,
    latest: bool = False,
    cidfiles: tuple[str, ...] = (),
) -> list[co.IdReport]:
    from pypod.local.container_stop import unpause as _unpause

    return _unpause(engine, names, all, latest, cidfiles)


def top(
    engine: LocalEngine, name: str, descriptors: list[str], latest: bool = False
) -> list[list[str]]:
    from pypod.local.container_top import top as _top

    return _top(engine, name, descriptors, latest)


def port(engine: LocalEngine, name: str | None, all: bool = False) -> list[co.PortReport]:
    from pypod.local.container_port import port as _port

    return _port(engine, name, all)


def copy(engine: LocalEngine, req: co.CopyRequest) -> None:
    from pypod.local.container_copy import copy as _copy

    _copy(engine, req)


def diff(engine: LocalEngine, name: str) -> list[tuple[str, str]]:
    from pypod.local.container_diff import diff as _diff

    return _diff(engine, name)


def mount(engine: LocalEngine, names: list[str]) -> list[co.MountReport]:
    from pypod.local.container_mount import mount as _mount

    return _mount(engine, names)


def unmount(
    engine: LocalEngine, names: list[str], all: bool = False, force: bool = False
) -> list[co.IdReport]:
    from pypod.local.container_mount import unmount as _unmount

    return _unmount(engine, names, all, force)


def commit(engine: LocalEngine, req: co.CommitRequest) -> str:
    from pypod.local.container_commit import commit as _commit

    return _commit(engine, req)


def export(engine: LocalEngine, name: str, output: str | None) -> None:
    from pypod.local.container_export import export as _export

    _export(engine, name, output)


def stats(engine: LocalEngine, req: co.StatsRequest) -> Iterator[list[co.StatsReport]]:
    from pypod.local.container_stats import stats as _stats

    return _stats(engine, req)


def rename(engine: LocalEngine, name: str, new_name: str) -> None:
    from pypod.local.container_rename import rename as _rename

    _rename(engine, name, new_name)


def update(engine: LocalEngine, req: co.UpdateRequest) -> list[co.IdReport]:
    from pypod.local.container_update import update as _update

    return _update(engine, req)


def prune(engine: LocalEngine, filters: list[str]) -> list[co.IdReport]:
    from pypod.local.container_remove import prune as _prune

    return _prune(engine, filters)


def clone(engine: LocalEngine, req: co.CloneRequest) -> str:
    from pypod.local.container_clone import clone as _clone

    return _clone(engine, req)


def healthcheck_run(engine: LocalEngine, name: str) -> str:
    from pypod.local.container_health import run_healthcheck

    return run_healthcheck(engine, name)


def events(engine: LocalEngine, req: co.EventsRequest) -> Iterator[dict[str, Any]]:
    from pypod.local.container_events import events as _events

    return _events(engine, req)


# the rmi hook (pypod.local.images looks these up on the engine) ------------------------------
def image_users(engine: LocalEngine, image_id: str) -> list[str]:
    return engine.container_store.users_of_image(image_id)


def image_user_counts(engine: LocalEngine) -> dict[str, int]:
    """`images`: containers per image id in one query (no container store opened)."""
    import os

    from pypod.core.db import image_user_counts as counts

    return counts(os.path.join(engine.store.graph_root, "containers.db"))


def remove_image_users(engine: LocalEngine, image_id: str) -> None:
    """rmi --force: remove (stopping first) every container of the image."""
    from pypod.domain.containers_ops import RemoveRequest
    from pypod.local.container_remove import remove_one

    for cid in engine.container_store.users_of_image(image_id):
        try:
            remove_one(engine, cid, RemoveRequest(names=(cid,), force=True, depend=True))
        except ContainerNotFound:
            continue
        except PypodError:
            raise
