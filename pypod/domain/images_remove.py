"""Requests and reports of rmi and prune."""

from __future__ import annotations

from pypod.records import record


@record
class RemoveRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    force: bool = False
    ignore: bool = False  # unknown images are not an error


@record
class RemoveReport:
    name: str
    id: str = ""
    untagged: tuple[str, ...] = ()
    deleted: bool = False
    size: int = 0
    error: Exception | None = None


@record
class PruneRequest:
    all: bool = False
    filters: tuple[str, ...] = ()
