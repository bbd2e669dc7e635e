"""System noun: version, info, reset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionReport:
    version: str
    api_version: str
    go_version: str  # Podman prints its Go version; pypod prints its Python version here
    git_commit: str
    built: int
    os_arch: str


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
