"""Volumes noun of the engine API: request/report dataclasses and the Protocol.

Filled in by the volumes implementation (see local/volumes.py)."""

from __future__ import annotations

from typing import Any, Protocol


class VolumeEngine(Protocol):
    def create(
        self,
        name: str,
        driver: str,
        options: dict[str, str],
        labels: dict[str, str],
        ignore: bool = False,
    ) -> str: ...

    def list(self, filters: list[str]) -> list[dict[str, Any]]: ...

    def inspect(self, names: list[str], all: bool = False) -> list[dict[str, Any]]: ...

    def remove(self, names: list[str], force: bool = False, all: bool = False) -> list[str]: ...

    def prune(self, filters: list[str]) -> list[str]: ...

    def exists(self, name: str) -> bool: ...

    def export(self, name: str, output: str | None) -> None: ...

    def import_(self, name: str, source: str) -> None: ...
