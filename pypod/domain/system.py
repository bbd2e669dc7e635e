"""System noun: version, info, reset, df, prune."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn, Protocol

from pypod.records import record


@record
class VersionReport:
    version: str
    api_version: str
    go_version: str  # Podman prints its Go version; pypod prints its Python version here
    git_commit: str
    built: int
    os_arch: str


@record
class DfImage:
    repository: str
    tag: str
    image_id: str
    created: float
    size: int
    shared_size: int
    unique_size: int
    containers: int


@record
class DfContainer:
    id: str
    image: str  # the image id
    command: str
    local_volumes: int
    size: int  # the RW layer
    created: float
    status: str  # Podman's state word
    names: str
    running: bool


@record
class DfVolume:
    name: str
    links: int  # containers using it
    size: int
    reclaimable: int


@record
class DfReport:
    """`system df`: the summary rows are computed from these by the front end."""

    images: tuple[DfImage, ...] = ()
    containers: tuple[DfContainer, ...] = ()
    volumes: tuple[DfVolume, ...] = ()


@record
class PruneRequest:
    all: bool = False  # every unused image, not only dangling ones
    volumes: bool = False
    filters: tuple[str, ...] = ()


@record
class PruneItem:
    id: str  # container id, image id or volume name
    size: int = 0
    error: Exception | None = None


@record
class PruneReport:
    containers: tuple[PruneItem, ...] = ()
    images: tuple[PruneItem, ...] = ()
    volumes: tuple[PruneItem, ...] = ()
    reclaimed: int = 0


class SystemEngine(Protocol):
    def version(self) -> VersionReport: ...

    def info(self) -> dict[str, Any]:
        """Podman's `info` document: host, store, registries, plugins, version."""
        ...

    def reset(self) -> None:
        """Remove every image, layer and all state of this store."""
        ...

    def unshare(self, argv: Sequence[str]) -> NoReturn:
        """Replace this process with argv (default $SHELL) inside the rootless user namespace,
        CONTAINERS_GRAPHROOT/CONTAINERS_RUNROOT set. Root: InvalidArgument."""
        ...

    def df(self, verbose: bool = False) -> DfReport:
        """Disk usage of images, containers and volumes (sizes of containers and volumes are
        walked on disk)."""
        ...

    def prune(self, req: PruneRequest) -> PruneReport:
        """Stopped containers, then unused volumes (req.volumes), then dangling (req.all:
        unused) images, repeated while a round frees something."""
        ...
