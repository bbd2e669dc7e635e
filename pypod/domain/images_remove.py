"""Requests and reports of rmi and prune."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveRequest:
    names: tuple[str, ...] = ()
    all: bool = False
    force: bool = False
    ignore: bool = False  # unknown images are not an error


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveReport:
    name: str
    id: str = ""
    untagged: tuple[str, ...] = ()
    deleted: bool = False
    size: int = 0
    error: Exception | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PruneRequest:
    all: bool = False
    filters: tuple[str, ...] = ()
