"""LocalContainerEngine: the containers noun (pypod.domain.containers.ContainerEngine) in process.

A thin facade, as LocalImageEngine: every verb is one function in a topic module, imported when
called so `pypod ps` never loads the attach or create machinery.
- lifecycle entry points (create, run, start, attach, init, cleanup): container_create,
  container_start, container_attach, container_cleanup;
- every verb on existing containers: the function of its topic module (container_stop,
  container_remove, container_inspect, ...), called with the Protocol's own arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pypod.domain import containers_create as cc
    from pypod.domain import containers_ops as co
    from pypod.domain import containers_start as cs
    from pypod.local.engine import LocalEngine


class LocalContainerEngine:
    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    # lifecycle (engine-run) --------------------------------------------------------------------
    def create(self, req: cc.CreateRequest) -> cc.CreateReport:
        from pypod.local.container_create import create

        return create(self._engine, req)

    def start(self, req: cs.StartRequest) -> list[cs.StartReport]:
        from pypod.local.container_attach import start

        return start(self._engine, req)

    def run(self, req: cc.RunRequest) -> cc.RunReport:
        from pypod.local.container_attach import run

        return run(self._engine, req)

    def attach(self, req: cs.AttachRequest) -> cs.AttachReport:
        from pypod.local.container_attach import attach

        return attach(self._engine, req)

    def init(self, names: list[str], all: bool = False, latest: bool = False) -> list[co.IdReport]:
        from pypod.local.container_start import init

        return init(self._engine, names, all, latest)

    def cleanup(self, req: cs.CleanupRequest) -> list[co.IdReport]:
        from pypod.local.container_cleanup import cleanup

        return cleanup(self._engine, req)

    # existing containers -----------------------------------------------------------------------
    def list(self, req: co.ListRequest) -> list[co.ContainerSummary]:
        from pypod.local.container_list import list_containers

        return list_containers(self._engine, req)

    def inspect(
        self, names: list[str], size: bool = False, latest: bool = False
    ) -> list[dict[str, Any]]:
        from pypod.local.container_inspect import inspect

        return inspect(self._engine, names, size, latest)

    def exists(self, name: str) -> bool:
        from pypod.local.container_lookup import exists

        return exists(self._engine, name)

    def stop(self, req: co.StopRequest) -> list[co.IdReport]:
        from pypod.local.container_stop import stop

        return stop(self._engine, req)

    def kill(self, req: co.KillRequest) -> list[co.IdReport]:
        from pypod.local.container_stop import kill

        return kill(self._engine, req)

    def restart(self, req: co.StopRequest) -> list[co.IdReport]:
        from pypod.local.container_stop import restart

        return restart(self._engine, req)

    def remove(self, req: co.RemoveRequest) -> list[co.IdReport]:
        from pypod.local.container_remove import remove

        return remove(self._engine, req)

    def wait(self, req: co.WaitRequest) -> list[co.WaitReport]:
        from pypod.local.container_wait import wait

        return wait(self._engine, req)

    def logs(self, req: co.LogsRequest) -> Iterator[co.LogLine]:
        from pypod.local.container_logs import logs

        return logs(self._engine, req)

    def exec(self, req: co.ExecRequest) -> co.ExecReport:
        from pypod.local.container_exec import exec_

        return exec_(self._engine, req)

    def pause(
        self,
        names: list[str],
        all: bool = False,
        latest: bool = False,
        cidfiles: tuple[str, ...] = (),
    ) -> list[co.IdReport]:
        from pypod.local.container_stop import pause

        return pause(self._engine, names, all, latest, cidfiles)

    def unpause(
        self,
        names: list[str],
        all: bool = False,
        latest: bool = False,
        cidfiles: tuple[str, ...] = (),
    ) -> list[co.IdReport]:
        from pypod.local.container_stop import unpause

        return unpause(self._engine, names, all, latest, cidfiles)

    def top(self, name: str, descriptors: list[str], latest: bool = False) -> list[list[str]]:
        from pypod.local.container_top import top

        return top(self._engine, name, descriptors, latest)

    def port(self, name: str | None, all: bool = False) -> list[co.PortReport]:
        from pypod.local.container_port import port

        return port(self._engine, name, all)

    def copy(self, req: co.CopyRequest) -> None:
        from pypod.local.container_copy import copy

        copy(self._engine, req)

    def diff(self, name: str) -> list[tuple[str, str]]:
        from pypod.local.container_diff import diff

        return diff(self._engine, name)

    def mount(self, names: list[str]) -> list[co.MountReport]:
        from pypod.local.container_mount import mount

        return mount(self._engine, names)

    def unmount(
        self, names: list[str], all: bool = False, force: bool = False
    ) -> list[co.IdReport]:
        from pypod.local.container_mount import unmount

        return unmount(self._engine, names, all, force)

    def commit(self, req: co.CommitRequest) -> str:
        from pypod.local.container_commit import commit

        return commit(self._engine, req)

    def export(self, name: str, output: str | None) -> None:
        from pypod.local.container_export import export

        export(self._engine, name, output)

    def stats(self, req: co.StatsRequest) -> Iterator[list[co.StatsReport]]:
        from pypod.local.container_stats import stats

        return stats(self._engine, req)

    def rename(self, name: str, new_name: str) -> None:
        from pypod.local.container_rename import rename

        rename(self._engine, name, new_name)

    def update(self, req: co.UpdateRequest) -> list[co.IdReport]:
        from pypod.local.container_update import update

        return update(self._engine, req)

    def prune(self, filters: list[str]) -> list[co.IdReport]:
        from pypod.local.container_remove import prune

        return prune(self._engine, filters)

    def clone(self, req: co.CloneRequest) -> str:
        from pypod.local.container_clone import clone

        return clone(self._engine, req)

    def healthcheck_run(self, name: str) -> str:
        from pypod.local.container_health import run_healthcheck

        return run_healthcheck(self._engine, name)

    def events(self, req: co.EventsRequest) -> Iterator[dict[str, Any]]:
        from pypod.local.container_events import events

        return events(self._engine, req)
