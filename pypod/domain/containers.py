"""Containers noun of the engine API.

Request/report dataclasses live in containers_create.py (create, run, start, attach, init,
cleanup) and containers_ops.py (everything on existing containers); this module is the
Protocol the CLI and the API call. Multi-target verbs return one report per target.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pypod.domain import containers_create as cc
    from pypod.domain import containers_ops as co
    from pypod.domain import containers_start as cs


class ContainerEngine(Protocol):
    # containers_create.py (lifecycle entry points) ---------------------------------------------
    def create(self, req: cc.CreateRequest) -> cc.CreateReport: ...

    def start(self, req: cs.StartRequest) -> list[cs.StartReport]: ...

    def run(self, req: cc.RunRequest) -> cc.RunReport:
        """create + start (+ attach and wait unless detached); the report has the exit code."""
        ...

    def attach(self, req: cs.AttachRequest) -> cs.AttachReport: ...

    def init(
        self, names: list[str], all: bool = False, latest: bool = False
    ) -> list[co.IdReport]: ...

    def cleanup(self, req: cs.CleanupRequest) -> list[co.IdReport]:
        """Run by conmon's exit command: unmount, teardown, restart policy, --rm."""
        ...

    # containers_ops.py ----------------------------------------------------------------------
    def list(self, req: co.ListRequest) -> list[co.ContainerSummary]: ...

    def inspect(
        self, names: list[str], size: bool = False, latest: bool = False
    ) -> list[dict[str, Any]]: ...

    def exists(self, name: str) -> bool: ...

    def stop(self, req: co.StopRequest) -> list[co.IdReport]: ...

    def kill(self, req: co.KillRequest) -> list[co.IdReport]: ...

    def restart(self, req: co.StopRequest) -> list[co.IdReport]: ...

    def remove(self, req: co.RemoveRequest) -> list[co.IdReport]: ...

    def wait(self, req: co.WaitRequest) -> list[co.WaitReport]: ...

    def logs(self, req: co.LogsRequest) -> Iterator[co.LogLine]: ...

    def exec(self, req: co.ExecRequest) -> co.ExecReport: ...

    def pause(
        self,
        names: list[str],
        all: bool = False,
        latest: bool = False,
        cidfiles: tuple[str, ...] = (),
    ) -> list[co.IdReport]: ...

    def unpause(
        self,
        names: list[str],
        all: bool = False,
        latest: bool = False,
        cidfiles: tuple[str, ...] = (),
    ) -> list[co.IdReport]: ...

    def top(self, name: str, descriptors: list[str], latest: bool = False) -> list[list[str]]:
        """psgo descriptors, or else ps(1) options run in the container (one cell a line)."""
        ...

    def port(self, name: str | None, all: bool = False) -> list[co.PortReport]: ...

    def copy(self, req: co.CopyRequest) -> None: ...

    def diff(self, name: str) -> list[tuple[str, str]]: ...

    def mount(self, names: list[str]) -> list[co.MountReport]: ...

    def unmount(
        self, names: list[str], all: bool = False, force: bool = False
    ) -> list[co.IdReport]: ...

    def commit(self, req: co.CommitRequest) -> str: ...

    def export(self, name: str, output: str | None) -> None: ...

    def stats(self, req: co.StatsRequest) -> Iterator[list[co.StatsReport]]: ...

    def rename(self, name: str, new_name: str) -> None: ...

    def update(self, req: co.UpdateRequest) -> list[co.IdReport]: ...

    def prune(self, filters: list[str]) -> list[co.IdReport]: ...

    def clone(self, req: co.CloneRequest) -> str: ...

    def healthcheck_run(self, name: str) -> str: ...

    def events(self, req: co.EventsRequest) -> Iterator[dict[str, Any]]: ...
