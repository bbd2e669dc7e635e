"""Volumes noun of the engine API: the Protocol the CLI and the API call, and its reports.

Documents (list/inspect) are Podman's volume JSON as dicts: Name, Driver, Mountpoint,
CreatedAt, Labels, Scope, Options, MountCount, NeedsCopyUp, NeedsChown (+ UID/GID when set,
Anonymous when true). Filters are Podman's "key=value" strings: name (regexp), driver, scope,
label, label!, opt, dangling, until; values of one key are ORed, keys ANDed.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Protocol

from pypod.records import record


@record
class VolumeRmReport:
    """One target of rm/prune: `name` the volume's full name (or what was typed on error)."""

    name: str
    error: Exception | None = None


class VolumeEngine(Protocol):
    def create(
        self,
        name: str,
        driver: str = "local",
        options: dict[str, str] | None = None,
        labels: dict[str, str] | None = None,
        ignore: bool = False,
    ) -> str:
        """The new volume's name (random when name is ""). Conflict when it exists, unless
        ignore (then the existing volume's name)."""
        ...

    def list(self, filters: list[str]) -> list[dict[str, Any]]: ...

    def inspect(self, names: list[str], all: bool = False) -> list[dict[str, Any]]:
        """VolumeNotFound at the first unknown name."""
        ...

    def remove(
        self,
        names: list[str],
        force: bool = False,
        all: bool = False,
        ignore: bool = False,
        timeout_s: int | None = None,
    ) -> list[VolumeRmReport]:
        """One report per target. In use: VolumeInUse (exit 2) unless force, which removes the
        containers using it first."""
        ...

    def prune(self, filters: list[str]) -> list[VolumeRmReport]: ...

    def exists(self, name: str) -> bool: ...

    def export(self, name: str, output: BinaryIO) -> None: ...

    def import_(self, name: str, source: BinaryIO) -> None: ...
