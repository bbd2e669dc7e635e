"""Pods noun of the engine API: the Protocol the CLI and the API call, and its requests.

Multi-target verbs (start, stop, kill, pause, unpause, restart, rm, prune) return one PodReport
per pod; a pod's own error (a member that failed) is in `error`. Inspect documents are Podman
4.3's pod JSON as dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from pypod.records import field, record


@record
class PodCreateRequest:
    name: str = ""
    labels: tuple[str, ...] = ()  # KEY=VAL
    infra: bool = True
    infra_image: str = ""
    infra_command: tuple[str, ...] = ()  # a JSON array or words, as --infra-command gave it
    infra_name: str = ""
    share: str | None = None  # None = "ipc,net,uts"; "" = none; "+pid" adds to the default
    share_parent: bool = True
    cgroup_parent: str = ""
    exit_policy: str = "continue"
    restart: str = ""
    hostname: str = ""
    network: str = ""
    publish: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()
    ip: str = ""
    mac: str = ""
    userns: str = ""
    pod_id_file: str = ""
    create_command: tuple[str, ...] = ()


@record
class PodReport:
    id: str
    name: str = ""
    error: Exception | None = None


@record
class PodSummary:
    id: str
    name: str
    status: str  # Created | Running | Degraded | Paused | Exited
    created: float
    infra_id: str
    labels: dict[str, str] = field(default_factory=dict)
    networks: tuple[str, ...] = ()
    cgroup_parent: str = ""
    # (id, name, state word) of every member, the infra container included
    containers: tuple[tuple[str, str, str], ...] = ()


@record
class PodTargets:
    names: tuple[str, ...] = ()
    all: bool = False
    latest: bool = False
    ignore: bool = False


# InspectPodData's keys that Podman always prints; the others are omitempty
_INSPECT_ALWAYS = ("Id", "Name", "Created", "ExitPolicy", "State", "Hostname", "CreateCgroup",
                   "CreateInfra", "NumContainers")  # fmt: skip


def inspect_json(doc: dict[str, Any]) -> dict[str, Any]:
    """A pod inspect document as Podman's JSON prints it: empty omitempty keys left out."""
    return {k: v for k, v in doc.items() if k in _INSPECT_ALWAYS or v}


class PodEngine(Protocol):
    def create(self, req: PodCreateRequest) -> str: ...

    def exists(self, name: str) -> bool: ...

    def list(self, filters: list[str]) -> list[PodSummary]: ...

    def latest(self) -> str | None:
        """The newest pod's id (--latest), None without any pod."""
        ...

    def inspect(self, names: list[str]) -> list[dict[str, Any]]: ...

    def start(self, t: PodTargets) -> list[PodReport]: ...

    def stop(self, t: PodTargets, timeout_s: int | None = None) -> list[PodReport]: ...

    def restart(self, t: PodTargets) -> list[PodReport]: ...

    def kill(self, t: PodTargets, signal: str = "KILL") -> list[PodReport]: ...

    def pause(self, t: PodTargets) -> list[PodReport]: ...

    def unpause(self, t: PodTargets) -> list[PodReport]: ...

    def remove(
        self, t: PodTargets, force: bool = False, timeout_s: int | None = None
    ) -> list[PodReport]: ...

    def prune(self) -> list[PodReport]: ...

    def members(self, name: str) -> list[str]:
        """Ids of the pod's containers, the infra container first."""
        ...

    def clone(self, name: str, new_name: str = "", destroy: bool = False) -> str: ...

    def top(self, name: str, descriptors: list[str]) -> Iterator[list[str]]: ...
